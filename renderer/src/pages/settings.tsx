import { useEffect, useState } from 'react';
import type { Settings } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { Field, randomSecret, SecretField, Toggle } from '../components/fields';
import { LadderSettings } from '../components/ladder-settings';
import { SlateSettings } from '../components/slate-settings';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { FIELD_OF_PATH, formOf, patchOf, type SettingsForm } from '../lib/settings-form';
import { reloadStatus } from '../stores/wire';
import { useServer } from '../stores/server';

type Errors = Partial<Record<keyof SettingsForm, string>>;

export function SettingsPage() {
  const t = useT();
  const status = useServer((s) => s.status);
  const [orig, setOrig] = useState<Settings | null>(null);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [banner, setBanner] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    client()
      .call('server.config.get')
      .then((s) => {
        setOrig(s);
        setForm(formOf(s));
      })
      .catch((e: unknown) => setBanner({ kind: 'error', text: (e as Error).message }));
  }, []);

  if (!form || !orig) return <div className="page" aria-busy="true" />;

  const set = <K extends keyof SettingsForm>(k: K) => (v: SettingsForm[K]) => {
    setForm({ ...form, [k]: v });
    if (errors[k]) setErrors({ ...errors, [k]: undefined });
  };
  const patch = patchOf(orig, form);
  const dirty = Object.keys(patch).length > 0;

  const save = async (): Promise<void> => {
    if (!dirty) return setBanner({ kind: 'ok', text: t('settings.noChanges') });
    setBusy(true);
    setBanner(null);
    try {
      const r = await client().call('server.config.set', patch);
      setOrig(r.settings);
      setForm(formOf(r.settings));
      setErrors({});
      const restarted = r.restarted.length ? ` ${t('settings.restarted', { list: r.restarted.map((x) => x.toUpperCase()).join(', ') })}` : '';
      setBanner({ kind: 'ok', text: t('settings.saved') + restarted });
      toast('ok', t('settings.saved'));
      void reloadStatus(client());
      if (!client().embedded && r.restarted.includes('http') && r.ports) {
        const url = `${window.location.protocol}//${window.location.hostname}:${r.ports.http}/${window.location.hash}`;
        setBanner({ kind: 'ok', text: t('settings.moved', { url }) });
        setTimeout(() => window.location.assign(url), 1500);
      }
    } catch (e) {
      const ce = e instanceof ClientError ? e : null;
      const next: Errors = {};
      for (const i of ce?.issues ?? []) {
        const f = FIELD_OF_PATH[i.path] ?? FIELD_OF_PATH[i.path.split('.').slice(0, 2).join('.')];
        if (f && !next[f]) next[f] = i.message;
      }
      setErrors(next);
      const reason = Object.keys(next).length && ce?.code === 'VALIDATION' ? t('settings.fixFields') : (ce?.message ?? String(e));
      setBanner({ kind: 'error', text: `${t('settings.failed', { reason })}${ce?.code === 'APPLY_FAILED' ? ` ${t('settings.kept')}` : ''}` });
    } finally {
      setBusy(false);
    }
  };

  // the ffmpeg binary and the storage folder execute/write: only the desktop app's native picker or the config file
  const picker = window.onair?.pickSetting;
  const pick = (key: 'ffmpeg' | 'storage_dir') => async (): Promise<void> => {
    if (!picker) return;
    const r = await picker(key);
    if (!r.ok) return setBanner({ kind: 'error', text: t('settings.failed', { reason: r.error.message }) });
    const fresh = await client().call('server.config.get');
    setOrig(fresh);
    setForm(formOf(fresh));
    void reloadStatus(client());
    toast('ok', t('settings.saved'));
  };
  const browse = (key: 'ffmpeg' | 'storage_dir') =>
    picker ? <button type="button" className="btn" onClick={() => void pick(key)()}>{t('settings.exec.browse')}</button> : null;
  const execHint = picker ? t('settings.exec.picker') : t('settings.exec.fileOnly');
  const mediaDefault = status ? `${status.data_dir}/media` : '…';
  const ff = status?.ffmpeg;
  return (
    <div className="page">
    <form
      className="page settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <div className="page-head">
        <h2 className="page-title">{t('settings.title')}</h2>
        <span className="spacer" />
        <button type="button" className="btn" disabled={!dirty || busy} onClick={() => { setForm(formOf(orig)); setErrors({}); setBanner(null); }}>
          {t('settings.reset')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="settings-save">
          {busy ? t('settings.saving') : t('settings.save')}
        </button>
      </div>
      {banner && (
        <p className={`banner banner-${banner.kind}`} role={banner.kind === 'error' ? 'alert' : 'status'} data-testid="settings-banner">
          {banner.text}
        </p>
      )}
      <div className="settings-grid">
        <fieldset className="card">
          <legend className="card-title">{t('settings.network')}</legend>
          <Field name="host" label={t('settings.host')} value={form.host} onChange={set('host')} error={errors.host} hint={t('settings.host.hint')} />
          <div className="row">
            <Field name="rtmpPort" type="number" label={t('settings.rtmpPort')} value={form.rtmpPort} onChange={set('rtmpPort')} error={errors.rtmpPort} />
            <Field name="httpPort" type="number" label={t('settings.httpPort')} value={form.httpPort} onChange={set('httpPort')} error={errors.httpPort} />
          </div>
        </fieldset>
        <fieldset className="card">
          <legend className="card-title">{t('settings.streaming')}</legend>
          <Toggle name="gop" label={t('settings.gop')} checked={form.gop} onChange={set('gop')} />
          <Field name="storage" label={t('settings.storage')} value={form.storage} onChange={set('storage')} error={errors.storage} disabled after={browse('storage_dir')} hint={`${t('settings.storage.hint', { dir: mediaDefault })} · ${execHint}`} />
          <Field
            name="ffmpeg"
            label={t('settings.ffmpeg')}
            value={form.ffmpeg}
            onChange={set('ffmpeg')}
            error={errors.ffmpeg}
            placeholder={ff?.path}
            disabled
            after={browse('ffmpeg')}
            hint={`${ff ? `${t('settings.ffmpeg.hint')} · ${ff.path} (${ff.version.slice(0, 40)})` : t('settings.ffmpeg.hint')} · ${execHint}`}
          />
        </fieldset>
        <fieldset className="card">
          <legend className="card-title">{t('settings.security')}</legend>
          <Toggle name="publish" label={t('settings.auth.publish')} checked={form.publish} onChange={set('publish')} />
          <Toggle name="play" label={t('settings.auth.play')} checked={form.play} onChange={set('play')} />
          <Toggle name="keys" label={t('settings.auth.keys')} checked={form.keys} onChange={set('keys')} />
          <SecretField name="secret" label={t('settings.auth.secret')} value={form.secret} onChange={set('secret')} error={errors.secret} generate={() => randomSecret()} />
          <Toggle name="api" label={t('settings.auth.api')} checked={form.api} onChange={set('api')} />
          {form.api && (
            <>
              <Field name="apiUser" label={t('settings.auth.user')} value={form.apiUser} onChange={set('apiUser')} error={errors.apiUser} />
              <SecretField name="apiPass" label={t('settings.auth.pass')} value={form.apiPass} onChange={set('apiPass')} error={errors.apiPass} />
              <SecretField name="apiToken" label={t('settings.auth.token')} value={form.apiToken} onChange={set('apiToken')} error={errors.apiToken} generate={() => randomSecret(24)} />
            </>
          )}
        </fieldset>
        <fieldset className="card">
          <legend className="card-title">{t('settings.hls')}</legend>
          <Toggle name="hlsOn" label={t('settings.hls.on')} checked={form.hlsOn} onChange={set('hlsOn')} />
          <Toggle name="llOn" label={t('settings.hls.ll')} checked={form.llOn} onChange={set('llOn')} />
          <Toggle name="dashOn" label={t('settings.hls.dash')} checked={form.dashOn} onChange={set('dashOn')} />
          <Field name="segSeconds" type="number" label={t('settings.hls.segment')} value={form.segSeconds} onChange={set('segSeconds')} error={errors.segSeconds} hint={t('settings.hls.hint')} />
        </fieldset>
        <fieldset className="card">
          <legend className="card-title">{t('settings.record')}</legend>
          <div className="row">
            <Field name="maxAgeDays" type="number" label={t('settings.record.age')} value={form.maxAgeDays} onChange={set('maxAgeDays')} error={errors.maxAgeDays} />
            <Field name="maxTotalMb" type="number" label={t('settings.record.total')} value={form.maxTotalMb} onChange={set('maxTotalMb')} error={errors.maxTotalMb} />
          </div>
          <p className="field-hint">{t('settings.record.hint')}</p>
        </fieldset>
        <SlateSettings form={form} errors={errors} set={set} />
        <fieldset className="card">
          <legend className="card-title">{t('settings.https')}</legend>
          <Toggle name="httpsOn" label={t('settings.https.on')} checked={form.httpsOn} onChange={set('httpsOn')} />
          {form.httpsOn && (
            <>
              <Field name="httpsPort" type="number" label={t('settings.httpsPort')} value={form.httpsPort} onChange={set('httpsPort')} error={errors.httpsPort} />
              <Field name="httpsKey" label={t('settings.httpsKey')} value={form.httpsKey} onChange={set('httpsKey')} error={errors.httpsKey} placeholder="/path/to/key.pem" />
              <Field name="httpsCert" label={t('settings.httpsCert')} value={form.httpsCert} onChange={set('httpsCert')} error={errors.httpsCert} placeholder="/path/to/cert.pem" />
            </>
          )}
        </fieldset>
      </div>
    </form>
    <LadderSettings />
    </div>
  );
}

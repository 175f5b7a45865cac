import { useId, useState } from 'react';
import type { DestinationAdd } from '../../../core/contract/destinations';
import { client, ClientError } from '../client/client';
import { DestinationCard } from '../components/destination-card';
import { Field, SecretField, Toggle } from '../components/fields';
import { ListHead } from '../components/list-head';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { FORM_PRESETS, PLATFORM_ORDER, sortedDestinations, useDestinations } from '../stores/destinations';
import { useStreams } from '../stores/streams';

type Platform = DestinationAdd['platform'];
type Errors = Partial<Record<'name' | 'url' | 'key' | 'source' | 'form', string>>;

/** Per-field messages from a refusal: issues with a path go under their field, the rest under the form. */
function errorsOf(e: unknown): Errors {
  if (!(e instanceof ClientError)) return { form: String(e) };
  const out: Errors = {};
  for (const i of e.issues) {
    const field = i.path.split('.')[0];
    if (field === 'name' || field === 'url' || field === 'key' || field === 'source') out[field] ??= i.message;
  }
  if (!Object.keys(out).length) out.form = e.message;
  return out;
}

function AddForm() {
  const t = useT();
  const ids = { platform: useId(), ingest: useId(), src: useId() };
  const streams = useStreams((s) => s.streams);
  const live = Object.keys(streams).sort();
  const [platform, setPlatform] = useState<Platform>('custom');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [kind, setKind] = useState<'stream' | 'app'>('stream');
  const [stream, setStream] = useState('/live/');
  const [app, setApp] = useState('live');
  const [auto, setAuto] = useState(true);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const preset = FORM_PRESETS[platform];

  const pick = (p: Platform): void => {
    setPlatform(p);
    setUrl(FORM_PRESETS[p].defaultUrl);
    if (!name.trim() || PLATFORM_ORDER.some((x) => FORM_PRESETS[x].label === name)) setName(FORM_PRESETS[p].label);
    setErrors({});
  };

  const submit = async (): Promise<void> => {
    const missing: Errors = {};
    if (!name.trim()) missing.name = t('dest.required');
    if (!url.trim()) missing.url = t('dest.required');
    if (!key) missing.key = t('dest.required');
    if (kind === 'stream' ? !/^\/[^/]+\/[^/]+$/.test(stream.trim()) : !app.trim()) missing.source = t('dest.required');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const args: DestinationAdd = {
        name: name.trim(), platform, url: url.trim(), key,
        source: kind === 'stream' ? { stream: stream.trim() } : { app: app.trim() },
        // "automatically when live" arms it now; a manual one waits for Start
        auto, enabled: auto,
      };
      const d = await client().call('destinations.add', args);
      useDestinations.getState().upsert(d);
      setKey('');
      toast('ok', t('dest.added', { name: d.name }));
    } catch (e) {
      setErrors(errorsOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={`${ids.platform}-title`}>
      <h3 id={`${ids.platform}-title`} className="card-title">
        {t('dest.add')}
      </h3>
      <form
        className="stack"
        data-testid="dest-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={ids.platform}>
            {t('dest.platform')}
          </label>
          <select id={ids.platform} className="input input-auto" value={platform} onChange={(e) => pick(e.target.value as Platform)} data-testid="dest-platform-select">
            {PLATFORM_ORDER.map((p) => (
              <option key={p} value={p}>
                {FORM_PRESETS[p].label}
              </option>
            ))}
          </select>
        </div>
        <Field label={t('dest.name')} name="dest-name" value={name} onChange={setName} error={errors.name} />
        {preset.ingests.length > 0 && (
          <div className="field">
            <label className="field-label" htmlFor={ids.ingest}>
              {t('dest.ingest')}
            </label>
            <select id={ids.ingest} className="input input-auto" value={preset.ingests.find((i) => i.url === url)?.id ?? ''} onChange={(e) => setUrl(preset.ingests.find((i) => i.id === e.target.value)?.url ?? url)} data-testid="dest-ingest">
              {!preset.ingests.some((i) => i.url === url) && <option value="">—</option>}
              {preset.ingests.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <Field label={t('dest.url')} name="dest-url" value={url} onChange={setUrl} error={errors.url} placeholder="rtmps://host:443/app" hint={preset.rtmpsOnly ? t('dest.url.hint.rtmps') : t('dest.url.hint')} />
        <SecretField label={t('dest.key')} name="dest-key" value={key} onChange={setKey} error={errors.key} hint={t('dest.key.hint')} />
        <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="field-label">{t('dest.source')}</legend>
          <label>
            <input type="radio" name={ids.src} checked={kind === 'stream'} onChange={() => setKind('stream')} data-testid="dest-source-stream" /> {t('dest.source.stream')}
          </label>{' '}
          <label>
            <input type="radio" name={ids.src} checked={kind === 'app'} onChange={() => setKind('app')} data-testid="dest-source-app" /> {t('dest.source.app')}
          </label>
        </fieldset>
        {kind === 'stream' ? (
          <>
            <Field label={t('dest.source.streamPath')} name="dest-stream" value={stream} onChange={setStream} error={errors.source} placeholder="/live/studio" />
            {live.length > 0 && (
              <p className="field-hint">
                {live.map((p) => (
                  <button key={p} type="button" className="chip mono" onClick={() => setStream(p)}>
                    {p}
                  </button>
                ))}
              </p>
            )}
          </>
        ) : (
          <Field label={t('dest.source.appName')} name="dest-app" value={app} onChange={setApp} error={errors.source} placeholder="live" />
        )}
        <Toggle label={t('dest.auto')} name="dest-auto" checked={auto} onChange={setAuto} />
        {errors.form && (
          <p className="field-error" role="alert" data-testid="dest-form-error">
            {errors.form}
          </p>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="dest-add">
            {t('dest.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Restream destinations: add one from a preset, and follow each one's link to its platform. */
export function DestinationsPage() {
  const t = useT();
  const byId = useDestinations((s) => s.byId);
  const loaded = useDestinations((s) => s.loaded);
  const error = useDestinations((s) => s.error);
  const list = sortedDestinations(byId);
  return (
    <div className="page" data-testid="destinations-page">
      <ListHead title={t('nav.destinations')} count={list.length} error={error} />
      {loaded && list.length === 0 && (
        <p className="card notice" data-testid="dest-empty">
          {t('dest.empty')}
        </p>
      )}
      {list.length > 0 && (
        <ul className="job-list" aria-label={t('nav.destinations')}>
          {list.map((d) => (
            <DestinationCard key={d.id} d={d} />
          ))}
        </ul>
      )}
      <AddForm />
    </div>
  );
}

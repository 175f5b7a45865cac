import { useId, useState } from 'react';
import type { Destination, DestinationAdd, DestinationPatch } from '../../../core/contract/destinations';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { PLATFORM_ORDER, PLATFORM_PRESETS, useDestinations } from '../stores/destinations';
import { useStreams } from '../stores/streams';
import { Field, SecretField, Toggle } from './fields';
import { LadderFeed } from './ladder-feed';
import { toast } from './toast';

type Platform = DestinationAdd['platform'];
type Errors = Partial<Record<'name' | 'url' | 'key' | 'source' | 'form', string>>;

/** Per-field messages from a refusal: issues with a path go under their field, the rest under `form`. */
export function errorsOf(e: unknown): Errors {
  if (!(e instanceof ClientError)) return { form: String(e) };
  const out: Errors = {};
  for (const i of e.issues) {
    const field = i.path.split('.')[0];
    if (field === 'name' || field === 'url' || field === 'key' || field === 'source') out[field] ??= i.message;
  }
  if (!Object.keys(out).length) out.form = e.message;
  return out;
}

/**
 * "Add destination", or (with `editing`) the same form prefilled to edit one. When editing, the key field starts
 * empty: left empty, the stored key is kept (the panel never had it whole — only its last 4 characters).
 */
export function DestinationForm({ editing, onDone }: { editing?: Destination; onDone?: () => void }) {
  const t = useT();
  const ids = { platform: useId(), ingest: useId(), src: useId(), title: useId() };
  const n = editing ? 'dest-edit' : 'dest';
  const streams = useStreams((s) => s.streams);
  const live = Object.keys(streams).sort();
  const [platform, setPlatform] = useState<Platform>(editing?.platform ?? 'custom');
  const [name, setName] = useState(editing?.name ?? '');
  const [url, setUrl] = useState(editing?.url ?? '');
  const [key, setKey] = useState('');
  const [kind, setKind] = useState<'stream' | 'app'>(editing && 'app' in editing.source ? 'app' : 'stream');
  const [stream, setStream] = useState(editing && 'stream' in editing.source ? editing.source.stream : '/live/');
  const [app, setApp] = useState(editing && 'app' in editing.source ? editing.source.app : 'live');
  const [auto, setAuto] = useState(editing?.auto ?? true);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const preset = PLATFORM_PRESETS[platform];
  const keyTail = editing ? editing.key.replace(/^•+/, '') : '';

  const pick = (p: Platform): void => {
    setPlatform(p);
    setUrl(PLATFORM_PRESETS[p].defaultUrl);
    if (!name.trim() || PLATFORM_ORDER.some((x) => PLATFORM_PRESETS[x].label === name)) setName(PLATFORM_PRESETS[p].label);
    setErrors({});
  };

  const save = async (): Promise<Destination> => {
    const source = kind === 'stream' ? { stream: stream.trim() } : { app: app.trim() };
    if (editing) {
      const patch: DestinationPatch & { id: string } = { id: editing.id, name: name.trim(), platform, url: url.trim(), source, auto };
      // an empty key field keeps the stored key: it is never sent
      if (key) patch.key = key;
      return client().call('destinations.update', patch);
    }
    // "automatically when live" arms it now; a manual one waits for Start
    const args: DestinationAdd = { name: name.trim(), platform, url: url.trim(), key, source, auto, enabled: auto };
    return client().call('destinations.add', args);
  };

  const submit = async (): Promise<void> => {
    const missing: Errors = {};
    if (!name.trim()) missing.name = t('dest.required');
    if (!url.trim()) missing.url = t('dest.required');
    if (!key && !editing) missing.key = t('dest.required');
    if (kind === 'stream' ? !/^\/[^/]+\/[^/]+$/.test(stream.trim()) : !app.trim()) missing.source = t('dest.required');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const d = await save();
      useDestinations.getState().upsert(d);
      setKey('');
      toast('ok', t(editing ? 'dest.saved' : 'dest.added', { name: d.name }));
      onDone?.();
    } catch (e) {
      const errs = errorsOf(e);
      // editing: a refusal without a field goes to a toast (the card stays compact)
      if (editing && errs.form) {
        toast('error', errs.form);
        delete errs.form;
      }
      setErrors(errs);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={editing ? 'stack' : 'card stack'} aria-labelledby={ids.title}>
      <h3 id={ids.title} className="card-title">
        {editing ? t('dest.edit.title', { name: editing.name }) : t('dest.add')}
      </h3>
      <form
        className="stack"
        data-testid={`${n}-form`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={ids.platform}>
            {t('dest.platform')}
          </label>
          <select id={ids.platform} className="input input-auto" value={platform} onChange={(e) => pick(e.target.value as Platform)} data-testid={`${n}-platform-select`}>
            {PLATFORM_ORDER.map((p) => (
              <option key={p} value={p}>
                {PLATFORM_PRESETS[p].label}
              </option>
            ))}
          </select>
        </div>
        <Field label={t('dest.name')} name={`${n}-name`} value={name} onChange={setName} error={errors.name} />
        {preset.ingests.length > 0 && (
          <div className="field">
            <label className="field-label" htmlFor={ids.ingest}>
              {t('dest.ingest')}
            </label>
            <select id={ids.ingest} className="input input-auto" value={preset.ingests.find((i) => i.url === url)?.id ?? ''} onChange={(e) => setUrl(preset.ingests.find((i) => i.id === e.target.value)?.url ?? url)} data-testid={`${n}-ingest`}>
              {!preset.ingests.some((i) => i.url === url) && <option value="">—</option>}
              {preset.ingests.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <Field label={t('dest.url')} name={`${n}-url`} value={url} onChange={setUrl} error={errors.url} placeholder="rtmps://host:443/app" hint={preset.rtmpsOnly ? t('dest.url.hint.rtmps') : t('dest.url.hint')} />
        <SecretField
          label={t('dest.key')}
          name={`${n}-key`}
          value={key}
          onChange={setKey}
          error={errors.key}
          hint={editing ? t('dest.key.keep', { tail: keyTail }) : t('dest.key.hint')}
        />
        <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="field-label">{t('dest.source')}</legend>
          <label>
            <input type="radio" name={ids.src} checked={kind === 'stream'} onChange={() => setKind('stream')} data-testid={`${n}-source-stream`} /> {t('dest.source.stream')}
          </label>{' '}
          <label>
            <input type="radio" name={ids.src} checked={kind === 'app'} onChange={() => setKind('app')} data-testid={`${n}-source-app`} /> {t('dest.source.app')}
          </label>
        </fieldset>
        {kind === 'stream' ? (
          <>
            <Field label={t('dest.source.streamPath')} name={`${n}-stream`} value={stream} onChange={setStream} error={errors.source} placeholder="/live/studio" />
            {live.length > 0 && (
              <p className="field-hint">
                {live.map((p) => (
                  <button key={p} type="button" className="chip mono" onClick={() => setStream(p)}>
                    {p}
                  </button>
                ))}
              </p>
            )}
            <LadderFeed stream={stream} onChange={setStream} testId={n} />
          </>
        ) : (
          <Field label={t('dest.source.appName')} name={`${n}-app`} value={app} onChange={setApp} error={errors.source} placeholder="live" />
        )}
        <Toggle label={t('dest.auto')} name={`${n}-auto`} checked={auto} onChange={setAuto} />
        {errors.form && (
          <p className="field-error" role="alert" data-testid={`${n}-form-error`}>
            {errors.form}
          </p>
        )}
        <div className="rec-head">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid={editing ? 'dest-edit-save' : 'dest-add'}>
            {editing ? t('dest.edit.save') : t('dest.submit')}
          </button>
          {editing && (
            <button type="button" className="btn" onClick={() => onDone?.()} data-testid="dest-edit-cancel">
              {t('dest.edit.cancel')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

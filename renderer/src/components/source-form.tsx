import { useId, useState } from 'react';
import type { RelayAdd } from '../../../core/contract/relays';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { useRelays } from '../stores/relays';
import { Field } from './fields';
import type { SourceKind } from './relay-card';
import { toast } from './toast';

type Errors = Partial<Record<'edge' | 'app' | 'name' | 'form', string>>;

const KINDS: readonly SourceKind[] = ['rtsp', 'rtmp', 'file'];
const PLACEHOLDER: Record<SourceKind, string> = {
  rtsp: 'rtsp://192.168.1.20:554/stream1',
  rtmp: 'rtmp://host/app/name',
  file: '/home/me/videos/loop.mp4',
};

/** Per-field messages from a refusal: issues with a path go under their field, the rest under the form. */
function errorsOf(e: unknown): Errors {
  if (!(e instanceof ClientError)) return { form: String(e) };
  const out: Errors = {};
  for (const i of e.issues) {
    const field = i.path.split('.')[0];
    if (field === 'edge' || field === 'app' || field === 'name') out[field] ??= i.message;
  }
  if (!Object.keys(out).length) out.form = e.message;
  return out;
}

/** "Add source": a static relay (RTSP camera, RTMP URL or local file) pulled into /app/name here. */
export function SourceForm() {
  const t = useT();
  const ids = { kind: useId(), transport: useId(), title: useId() };
  const [kind, setKind] = useState<SourceKind>('rtsp');
  const [edge, setEdge] = useState('');
  const [transport, setTransport] = useState<'tcp' | 'udp'>('tcp');
  const [app, setApp] = useState('live');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (): Promise<void> => {
    const missing: Errors = {};
    if (!edge.trim()) missing.edge = t('dest.required');
    if (!app.trim()) missing.app = t('dest.required');
    if (!name.trim()) missing.name = t('dest.required');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const args: RelayAdd = { mode: 'static', edge: edge.trim(), app: app.trim(), name: name.trim() };
      if (kind === 'rtsp') args.rtsp_transport = transport;
      const r = await client().call('relays.add', args);
      useRelays.getState().upsert(r);
      setEdge('');
      setName('');
      toast('ok', t('src.added', { path: `/${r.app}/${r.name ?? ''}` }));
    } catch (e) {
      setErrors(errorsOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={ids.title}>
      <h3 id={ids.title} className="card-title">
        {t('src.add')}
      </h3>
      <form
        className="stack"
        data-testid="src-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={ids.kind}>
            {t('src.kind')}
          </label>
          <select id={ids.kind} className="input input-auto" value={kind} onChange={(e) => setKind(e.target.value as SourceKind)} data-testid="src-kind-select">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`src.kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={kind === 'file' ? t('src.path') : t('src.url')}
          name="src-edge"
          value={edge}
          onChange={setEdge}
          error={errors.edge}
          placeholder={PLACEHOLDER[kind]}
          hint={t(`src.hint.${kind}` as MessageKey)}
        />
        {kind === 'rtsp' && (
          <div className="field">
            <label className="field-label" htmlFor={ids.transport}>
              {t('src.transport')}
            </label>
            <select id={ids.transport} className="input input-auto" value={transport} onChange={(e) => setTransport(e.target.value as 'tcp' | 'udp')} data-testid="src-transport">
              <option value="tcp">{t('src.transport.tcp')}</option>
              <option value="udp">{t('src.transport.udp')}</option>
            </select>
          </div>
        )}
        <Field label={t('src.app')} name="src-app" value={app} onChange={setApp} error={errors.app} placeholder="live" />
        <Field
          label={t('src.name')}
          name="src-name"
          value={name}
          onChange={setName}
          error={errors.name}
          placeholder="camera1"
          hint={
            <>
              {t('src.becomes')} <span className="mono" data-testid="src-target">{`/${app.trim() || '…'}/${name.trim() || '…'}`}</span>
            </>
          }
        />
        {errors.form && (
          <p className="field-error" role="alert" data-testid="src-form-error">
            {errors.form}
          </p>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="src-add">
            {t('src.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

import { useId, useState } from 'react';
import { client, ClientError } from '../client/client';
import { Field } from '../components/fields';
import { ListHead } from '../components/list-head';
import { RoomCard } from '../components/room-card';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { sortedKeys, useKeys } from '../stores/keys';
import { sortedRooms, useRooms } from '../stores/rooms';

type Errors = Partial<Record<'title' | 'cover' | 'key_id' | 'app' | 'form', string>>;

function errorsOf(e: unknown): Errors {
  if (!(e instanceof ClientError)) return { form: String(e) };
  const out: Errors = {};
  for (const i of e.issues) {
    const f = i.path.split('.')[0];
    if (f === 'title' || f === 'cover' || f === 'key_id' || f === 'app') out[f] ??= i.message;
  }
  if (!Object.keys(out).length) out.form = e.message;
  return out;
}

/** "New room": title, cover, and a key (a new one, or one the streamer already has in OBS). */
function RoomForm() {
  const t = useT();
  const selectId = useId();
  const keys = sortedKeys(useKeys((s) => s.byId));
  const [title, setTitle] = useState('');
  const [cover, setCover] = useState('');
  const [keyId, setKeyId] = useState('');
  const [app, setApp] = useState('live');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    const missing: Errors = {};
    if (!title.trim()) missing.title = t('keys.required');
    if (!keyId && !app.trim()) missing.app = t('keys.required');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const args = keyId ? { title: title.trim(), cover: cover.trim(), key_id: keyId } : { title: title.trim(), cover: cover.trim(), app: app.trim() };
      const r = await client().call('rooms.add', args);
      useRooms.getState().upsert(r);
      // a new key was made for it: show it on the Keys page too
      if (!keyId) void useKeys.getState().load(client());
      setTitle('');
      setCover('');
      toast('ok', t('rooms.created', { title: r.title }));
    } catch (e) {
      setErrors(errorsOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card stack" aria-labelledby="room-form-title">
      <h3 id="room-form-title" className="card-title">
        {t('rooms.new')}
      </h3>
      <form
        className="stack"
        data-testid="room-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="row">
          <Field label={t('rooms.title')} name="room-title" value={title} onChange={setTitle} error={errors.title} />
          <Field label={t('rooms.cover')} name="room-cover" value={cover} onChange={setCover} error={errors.cover} hint={t('rooms.cover.hint')} placeholder="https://…" />
        </div>
        <div className="row">
          <div className={`field${errors.key_id ? ' has-error' : ''}`}>
            <label className="field-label" htmlFor={selectId}>
              {t('rooms.key')}
            </label>
            <select id={selectId} className="input" value={keyId} onChange={(e) => setKeyId(e.target.value)} data-testid="room-key-select">
              <option value="">{t('rooms.key.new')}</option>
              {keys.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.label} (/{k.app}){k.enabled ? '' : ` — ${t('keys.disabled')}`}
                </option>
              ))}
            </select>
            {errors.key_id && <p className="field-error">{errors.key_id}</p>}
          </div>
          {!keyId && <Field label={t('rooms.app')} name="room-app" value={app} onChange={setApp} error={errors.app} />}
        </div>
        {errors.form && (
          <p className="field-error" role="alert" data-testid="room-form-error">
            {errors.form}
          </p>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="room-add">
            {t('rooms.create')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Rooms (seed 002): title + cover + key, status following the stream, the watch link to share. */
export function RoomsPage() {
  const t = useT();
  const byId = useRooms((s) => s.byId);
  const loaded = useRooms((s) => s.loaded);
  const error = useRooms((s) => s.error);
  const list = sortedRooms(byId);
  return (
    <div className="page" data-testid="rooms-page">
      <ListHead title={t('nav.rooms')} count={list.length} error={error} />
      {loaded && list.length === 0 && (
        <p className="card notice" data-testid="rooms-empty">
          {t('rooms.empty')}
        </p>
      )}
      {list.length > 0 && (
        <ul className="job-list" aria-label={t('nav.rooms')}>
          {list.map((r) => (
            <RoomCard key={r.id} r={r} />
          ))}
        </ul>
      )}
      <RoomForm />
    </div>
  );
}

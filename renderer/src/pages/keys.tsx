import { useState } from 'react';
import { client, ClientError } from '../client/client';
import { Field } from '../components/fields';
import { KeyCard } from '../components/key-card';
import { ListHead } from '../components/list-head';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { sortedKeys, useKeys } from '../stores/keys';

type Errors = Partial<Record<'label' | 'app' | 'form', string>>;

function errorsOf(e: unknown): Errors {
  if (!(e instanceof ClientError)) return { form: String(e) };
  const out: Errors = {};
  for (const i of e.issues) {
    const f = i.path.split('.')[0];
    if (f === 'label' || f === 'app') out[f] ??= i.message;
  }
  if (!Object.keys(out).length) out.form = e.message;
  return out;
}

/** "New stream key": a label and an app; the studio makes the 20-character key. */
function KeyForm() {
  const t = useT();
  const [label, setLabel] = useState('');
  const [app, setApp] = useState('live');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    const missing: Errors = {};
    if (!label.trim()) missing.label = t('keys.required');
    if (!app.trim()) missing.app = t('keys.required');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const k = await client().call('keys.add', { label: label.trim(), app: app.trim() });
      useKeys.getState().upsert(k);
      setLabel('');
      toast('ok', t('keys.created', { label: k.label }));
    } catch (e) {
      setErrors(errorsOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card stack" aria-labelledby="key-form-title">
      <h3 id="key-form-title" className="card-title">
        {t('keys.new')}
      </h3>
      <form
        className="stack"
        data-testid="key-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="row">
          <Field label={t('keys.label')} name="key-label" value={label} onChange={setLabel} error={errors.label} hint={t('keys.label.hint')} />
          <Field label={t('keys.app')} name="key-app" value={app} onChange={setApp} error={errors.app} hint={t('keys.app.hint')} />
        </div>
        {errors.form && (
          <p className="field-error" role="alert" data-testid="key-form-error">
            {errors.form}
          </p>
        )}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="key-add">
            {t('keys.create')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Stream keys: one per encoder or guest, each with what to paste into OBS. Rooms have a page of their own. */
export function KeysPage() {
  const t = useT();
  const byId = useKeys((s) => s.byId);
  const loaded = useKeys((s) => s.loaded);
  const error = useKeys((s) => s.error);
  const list = sortedKeys(byId);
  return (
    <div className="page" data-testid="keys-page">
      <ListHead title={t('nav.keys')} count={list.length} error={error} />
      {loaded && list.length === 0 && (
        <p className="card notice" data-testid="keys-empty">
          {t('keys.empty')}
        </p>
      )}
      {list.length > 0 && (
        <ul className="job-list" aria-label={t('nav.keys')}>
          {list.map((k) => (
            <KeyCard key={k.id} k={k} />
          ))}
        </ul>
      )}
      <KeyForm />
    </div>
  );
}

import { useId } from 'react';
import { useT } from '../i18n';
import type { SettingsForm, SlateMode } from '../lib/settings-form';
import { Field } from './fields';

type Errors = Partial<Record<keyof SettingsForm, string>>;

const MODES: Array<{ id: SlateMode; key: 'slate.enabled.auto' | 'slate.enabled.always' | 'slate.enabled.off' }> = [
  { id: 'auto', key: 'slate.enabled.auto' },
  { id: 'always', key: 'slate.enabled.always' },
  { id: 'off', key: 'slate.enabled.off' },
];

/**
 * Settings → Disconnect protection (issue 14, settings `slate`): when it is on, after how long the slate
 * stands in, how long before the stream ends, and the slate image (an absolute path on the server; the core
 * checks it and its message shows under the field).
 */
export function SlateSettings({ form, errors, set }: { form: SettingsForm; errors: Errors; set: <K extends keyof SettingsForm>(k: K) => (v: SettingsForm[K]) => void }) {
  const t = useT();
  const modeId = useId();
  return (
    <fieldset className="card" data-testid="slate-settings">
      <legend className="card-title">{t('slate.title')}</legend>
      <p className="field-hint">{t('slate.hint')}</p>
      <div className={`field${errors.slateMode ? ' has-error' : ''}`}>
        <label className="field-label" htmlFor={modeId}>
          {t('slate.enabled')}
        </label>
        <select id={modeId} className="input input-auto" value={form.slateMode} onChange={(e) => set('slateMode')(e.target.value as SlateMode)} data-testid="field-slateMode">
          {MODES.map((m) => (
            <option key={m.id} value={m.id}>
              {t(m.key)}
            </option>
          ))}
        </select>
        {errors.slateMode && (
          <p className="field-error" role="alert" data-testid="error-slateMode">
            {errors.slateMode}
          </p>
        )}
      </div>
      <div className="row">
        <Field name="slateAfter" type="number" label={t('slate.after')} value={form.slateAfter} onChange={set('slateAfter')} error={errors.slateAfter} />
        <Field name="slateMax" type="number" label={t('slate.max')} value={form.slateMax} onChange={set('slateMax')} error={errors.slateMax} />
      </div>
      <Field name="slateImage" label={t('slate.image')} value={form.slateImage} onChange={set('slateImage')} error={errors.slateImage} placeholder="/path/to/slate.png" hint={t('slate.image.hint')} />
    </fieldset>
  );
}

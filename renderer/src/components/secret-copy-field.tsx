import { useId, useState } from 'react';
import { useT } from '../i18n';
import { CopyButton } from './copy-field';

/** "••••••••••••wxyz": the secret's last 4 characters only (its query, e.g. a signature, is left out too). */
export function maskSecret(value: string): string {
  const bare = value.split('?')[0];
  return `${'•'.repeat(12)}${bare.slice(-4)}`;
}

/**
 * A secret with Copy and Reveal: masked until the user asks to see it (the masked text never holds the whole
 * value, so a screen share or a screenshot does not leak it); Copy copies the real value either way.
 */
export function SecretCopyField({ label, value, hint, testId, revealLabel, hideLabel }: {
  label: string;
  value: string;
  hint?: string;
  testId?: string;
  revealLabel: string;
  hideLabel: string;
}) {
  const t = useT();
  const id = useId();
  const [shown, setShown] = useState(false);
  return (
    <div className="copy-field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <div className="copy-row">
        <input
          id={id}
          className="input mono"
          readOnly
          value={shown ? value : maskSecret(value)}
          data-testid={testId}
          data-revealed={shown ? 'true' : 'false'}
          onFocus={(e) => shown && e.currentTarget.select()}
        />
        <button
          type="button"
          className="btn"
          aria-pressed={shown}
          aria-label={shown ? hideLabel : revealLabel}
          onClick={() => setShown(!shown)}
          data-testid={testId ? `${testId}-reveal` : undefined}
        >
          {shown ? t('keys.hide') : t('keys.reveal')}
        </button>
        <CopyButton value={value} label={label} testId={testId ? `${testId}-copy` : undefined} />
      </div>
      {hint && <p className="field-hint">{hint}</p>}
    </div>
  );
}

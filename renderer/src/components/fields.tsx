import { useId, useState, type ReactNode } from 'react';
import { useT } from '../i18n';

interface FieldProps {
  label: string;
  value: string;
  onChange(v: string): void;
  error?: string;
  hint?: ReactNode;
  type?: 'text' | 'number' | 'password';
  name: string;
  placeholder?: string;
  disabled?: boolean;
  after?: ReactNode;
}

/** A labelled input with its validation message tied to it (aria-describedby / aria-invalid). */
export function Field({ label, value, onChange, error, hint, type = 'text', name, placeholder, disabled, after }: FieldProps) {
  const id = useId();
  const described = [error ? `${id}-err` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <div className="copy-row">
        <input
          id={id}
          name={name}
          data-testid={`field-${name}`}
          className={`input${type === 'number' ? ' input-num' : ''}`}
          type={type === 'number' ? 'text' : type}
          inputMode={type === 'number' ? 'numeric' : undefined}
          value={value}
          placeholder={placeholder}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        {after}
      </div>
      {error && (
        <p id={`${id}-err`} className="field-error" role="alert" data-testid={`error-${name}`}>
          {error}
        </p>
      )}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A password-style field with show/hide and an optional generate button. */
export function SecretField(props: Omit<FieldProps, 'type' | 'after'> & { generate?: () => string }) {
  const t = useT();
  const [shown, setShown] = useState(false);
  const { generate, ...rest } = props;
  return (
    <Field
      {...rest}
      type={shown ? 'text' : 'password'}
      after={
        <>
          <button type="button" className="btn" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
            {shown ? t('settings.hide') : t('settings.show')}
          </button>
          {generate && (
            <button type="button" className="btn" onClick={() => props.onChange(generate())}>
              {t('settings.auth.generate')}
            </button>
          )}
        </>
      }
    />
  );
}

/** A switch: a real checkbox (keyboard and screen readers) styled as a toggle. */
export function Toggle({ label, checked, onChange, name, error }: { label: string; checked: boolean; onChange(v: boolean): void; name: string; error?: string }) {
  const id = useId();
  return (
    <div className={`field field-toggle${error ? ' has-error' : ''}`}>
      <input id={id} type="checkbox" role="switch" className="switch" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={`toggle-${name}`} />
      <label htmlFor={id}>{label}</label>
      {error && (
        <p className="field-error" role="alert" data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function randomSecret(bytes = 18): string {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return btoa(String.fromCharCode(...a)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

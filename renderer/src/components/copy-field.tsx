import { useId, useState } from 'react';
import { useT } from '../i18n';

/** Copy to the clipboard, or by a selection when the clipboard API is refused; true when it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // clipboard API refused (http page, no permission): fall back to a selection copy
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {}
    ta.remove();
    return ok;
  }
}

/** A read-only value with a Copy button, labelled for screen readers. */
export function CopyField({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <div className="copy-row">
        <input id={id} className="input mono" readOnly value={value} data-testid={testId} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={value} label={label} />
      </div>
      {hint && <p className="field-hint">{hint}</p>}
    </div>
  );
}

/** "Copy" that says "Copied" for 1.5 s once the clipboard took `value`. */
export function CopyButton({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn"
      aria-label={`${t('copy')} ${label}`}
      data-testid={testId}
      onClick={() => {
        void copyText(value).then((ok) => {
          setCopied(ok);
          if (ok) setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      {copied ? t('copied') : t('copy')}
    </button>
  );
}

import { useEffect, useRef, useState } from 'react';

/** A destructive button that asks once inline ("Sure?") instead of opening a browser dialog. */
export function ConfirmButton({ label, confirmLabel, cancelLabel, question, onConfirm, testId }: {
  label: string;
  confirmLabel: string;
  cancelLabel: string;
  question: string;
  onConfirm(): void;
  testId?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="btn btn-danger" onClick={() => setAsking(true)} data-testid={testId}>
        {label}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={question} onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      <span className="confirm-q">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        className="btn btn-danger"
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn" onClick={() => setAsking(false)}>
        {cancelLabel}
      </button>
    </div>
  );
}

import { create } from 'zustand';

export interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  text: string;
}

let seq = 0;

export const useToasts = create<{ toasts: Toast[] }>()(() => ({ toasts: [] }));

export function toast(kind: Toast['kind'], text: string, ms = 4000): void {
  const id = ++seq;
  useToasts.setState((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
  setTimeout(() => useToasts.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) })), ms);
}

/** Transient messages, announced to screen readers. */
export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((x) => (
        <div key={x.id} className={`toast toast-${x.kind}`}>
          {x.text}
        </div>
      ))}
    </div>
  );
}

import { useEffect, useState } from 'react';
import { translate, useT } from '../i18n';
import { useHealth } from '../stores/health';
import { usePrefs } from '../stores/prefs';
import { useStreams } from '../stores/streams';
import { adviceText } from './health-pill';

/** localStorage: the streams the user said "don't tell me again" for */
const MUTE_KEY = 'onair.health.mute';

function muted(): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(MUTE_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function setMuted(path: string, on: boolean): void {
  const m = muted();
  if (on) m.add(path);
  else m.delete(path);
  localStorage.setItem(MUTE_KEY, JSON.stringify([...m]));
}

function notify(path: string, title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || muted().has(path)) return;
  try {
    new Notification(title, { body, tag: `onair:${path}` });
  } catch {
    // some browsers only allow notifications from a service worker: the pill still shows it
  }
}

/**
 * Browser notifications (issue 14): a stream drops, or its health turns bad — once per incident, not per second.
 * An incident is re-armed only when it ends (the stream is live again; the verdict leaves "bad"). Renders nothing.
 */
export function HealthNotifier() {
  useEffect(() => {
    const bad = new Set(Object.values(useHealth.getState().byPath).filter((h) => h.verdict === 'bad').map((h) => h.stream));
    let live = new Set(Object.keys(useStreams.getState().streams));
    const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>): string => translate(usePrefs.getState().lang, k, v);
    const offHealth = useHealth.subscribe((st) => {
      for (const h of Object.values(st.byPath)) {
        if (h.verdict === 'bad' && !bad.has(h.stream)) {
          bad.add(h.stream);
          notify(h.stream, t('shealth.notify.bad', { path: h.stream }), h.advice ? adviceText(t, h.advice) : '');
        } else if (h.verdict !== 'bad') bad.delete(h.stream);
      }
    });
    const offStreams = useStreams.subscribe((st) => {
      const now = new Set(Object.keys(st.streams));
      if (!st.loaded) return;
      for (const p of live) if (!now.has(p)) notify(p, t('shealth.notify.dropped', { path: p }), t('shealth.notify.droppedBody', { path: p }));
      live = now;
    });
    return () => {
      offHealth();
      offStreams();
    };
  }, []);
  return null;
}

/** On the Stream detail: ask for permission (on a click, as browsers require) and the per-stream mute switch. */
export function NotifyControls({ path }: { path: string }) {
  const t = useT();
  const supported = typeof Notification !== 'undefined';
  const [perm, setPerm] = useState<NotificationPermission | 'unsupported'>(supported ? Notification.permission : 'unsupported');
  const [off, setOff] = useState(() => muted().has(path));
  useEffect(() => setOff(muted().has(path)), [path]);
  if (perm === 'unsupported') return null;
  return (
    <div className="row notify-controls" data-testid="notify-controls">
      {perm === 'default' && (
        <button type="button" className="btn" onClick={() => void Notification.requestPermission().then(setPerm)} data-testid="notify-enable">
          {t('shealth.notify.enable')}
        </button>
      )}
      {perm === 'granted' && <span className="muted">{t('shealth.notify.on')}</span>}
      {perm === 'denied' && <span className="muted">{t('shealth.notify.denied')}</span>}
      <label className="switch">
        <input
          type="checkbox"
          checked={off}
          data-testid="notify-mute"
          onChange={(e) => {
            setMuted(path, e.target.checked);
            setOff(e.target.checked);
          }}
        />{' '}
        {t('shealth.notify.mute')}
      </label>
    </div>
  );
}

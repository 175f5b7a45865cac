import { useEffect, useState } from 'react';
import type { TimelineEvent } from '../../../core/contract';
import { client } from '../client/client';
import { translate, useT } from '../i18n';
import { useHealth } from '../stores/health';
import { usePrefs } from '../stores/prefs';
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

/** The desktop app's native notifications when its preload offers them, else the browser's (once permitted). */
function show(title: string, body: string, tag: string): void {
  const native = window.onair?.notify;
  if (native) {
    void Promise.resolve(native({ title, body })).catch(() => undefined);
    return;
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, tag });
  } catch {
    // some browsers only allow notifications from a service worker: the timeline and the pill still show it
  }
}

/** the kinds that raise a notification */
const NOTIFY: ReadonlySet<TimelineEvent['kind']> = new Set(['dropped', 'destination_failed', 'disk_low', 'health_bad']);
/** a disk warning again only after this long */
const DISK_AGAIN_MS = 10 * 60_000;

/**
 * Desktop/browser notifications (issue 14), driven by the core's `health.event`: a stream drops, a destination
 * fails for good, the disk is about to fill, health turns bad. Once per incident: the core sends one event per
 * incident, and the panel re-arms a stream's "dropped" only when it is published again and its "health bad"
 * only once the verdict has left bad, so a reconnect or a repeated event never notifies twice. Renders nothing.
 */
export function HealthNotifier() {
  useEffect(() => {
    const c = client();
    const open = new Set<string>();
    let diskAt = 0;
    const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>): string => translate(usePrefs.getState().lang, k, v);
    const offEvent = c.on('health.event', (e) => {
      const path = e.stream ?? '';
      if (e.kind === 'published' || e.kind === 'returned') open.delete(`dropped:${path}`);
      if (!NOTIFY.has(e.kind)) return;
      if (e.kind === 'disk_low') {
        if (e.at - diskAt < DISK_AGAIN_MS) return;
        diskAt = e.at;
        return show(t('shealth.notify.diskLow'), e.text, 'onair:disk');
      }
      if (muted().has(path)) return;
      const incident = e.kind === 'destination_failed' ? `${e.kind}:${path}:${e.at}:${e.text}` : `${e.kind}:${path}`;
      if (open.has(incident)) return;
      open.add(incident);
      if (e.kind === 'dropped') show(t('shealth.notify.dropped', { path }), t('shealth.notify.droppedBody', { path }), `onair:${path}`);
      else if (e.kind === 'destination_failed') show(t('shealth.notify.destFailed', { path }), e.text, `onair:${path}:dest`);
      else {
        const h = useHealth.getState().byPath[path];
        show(t('shealth.notify.bad', { path }), h?.advice ? adviceText(t, h.advice) : e.text, `onair:${path}:health`);
      }
    });
    // "health bad" is one incident until the verdict leaves bad (or the stream goes away)
    const offHealth = useHealth.subscribe((st) => {
      for (const key of open) {
        if (!key.startsWith('health_bad:')) continue;
        if (st.byPath[key.slice('health_bad:'.length)]?.verdict !== 'bad') open.delete(key);
      }
    });
    return () => {
      offEvent();
      offHealth();
    };
  }, []);
  return null;
}

/** On the Stream detail: ask for permission (on a click, as browsers require) and the per-stream mute switch. */
export function NotifyControls({ path }: { path: string }) {
  const t = useT();
  // the desktop app notifies natively, without the browser's permission prompt
  const native = !!window.onair?.notify;
  const supported = typeof Notification !== 'undefined';
  const [perm, setPerm] = useState<NotificationPermission | 'unsupported'>(native ? 'granted' : supported ? Notification.permission : 'unsupported');
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

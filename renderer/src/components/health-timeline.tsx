import { useEffect, useState } from 'react';
import type { TimelineEvent } from '../../../core/contract';
import { client } from '../client/client';
import { useT, type MessageKey } from '../i18n';

const SPAN_MS = 30 * 60_000;
/** at most this many rows (the newest) */
const MAX_ROWS = 200;

type Kind = TimelineEvent['kind'];
type Tone = 'ok' | 'warn' | 'bad' | 'muted';
/** an icon and a colour per kind */
export const KIND_LOOK: Record<Kind, { icon: string; tone: Tone }> = {
  published: { icon: '▶', tone: 'ok' },
  dropped: { icon: '⚠', tone: 'bad' },
  returned: { icon: '↩', tone: 'ok' },
  ended: { icon: '■', tone: 'muted' },
  slate_on: { icon: '▣', tone: 'warn' },
  slate_off: { icon: '▢', tone: 'ok' },
  destination_live: { icon: '●', tone: 'ok' },
  destination_retrying: { icon: '↻', tone: 'warn' },
  destination_failed: { icon: '✕', tone: 'bad' },
  recording_failed: { icon: '✕', tone: 'bad' },
  health_bad: { icon: '!', tone: 'bad' },
  disk_low: { icon: '⛁', tone: 'warn' },
};

const keyOf = (e: TimelineEvent): string => `${e.at}|${e.kind}|${e.text}`;

function merge(list: TimelineEvent[], more: TimelineEvent[]): TimelineEvent[] {
  const seen = new Set(list.map(keyOf));
  const out = [...list, ...more.filter((e) => !seen.has(keyOf(e)))].sort((a, b) => a.at - b.at);
  return out.slice(-MAX_ROWS);
}

/**
 * A stream's events of the last 30 minutes under its charts (issue 14): health.timeline on open and on every
 * reconnect, live `health.event`s in between. Newest first.
 */
export function HealthTimeline({ path }: { path: string }) {
  const t = useT();
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  useEffect(() => {
    let on = true;
    setEvents([]);
    const c = client();
    const load = (): void => {
      c.call('health.timeline', { stream: path, minutes: 30 }).then(
        (list) => on && setEvents((cur) => merge(cur, list)),
        () => undefined,
      );
    };
    const offs = [
      c.on('health.event', (e) => e.stream === path && setEvents((cur) => merge(cur, [e]))),
      c.onStatus((s) => s === 'open' && load()),
    ];
    if (c.status === 'open') load();
    return () => {
      on = false;
      offs.forEach((off) => off());
    };
  }, [path]);
  const since = Date.now() - SPAN_MS;
  const rows = events.filter((e) => e.at >= since).reverse();
  return (
    <section className="card" aria-labelledby="timeline-title" data-testid="health-timeline">
      <h3 id="timeline-title" className="card-title">
        {t('shealth.timeline')}
      </h3>
      {rows.length === 0 ? (
        <p className="muted" data-testid="timeline-empty">
          {t('shealth.timeline.empty')}
        </p>
      ) : (
        <ol className="timeline">
          {rows.map((e) => {
            const look = KIND_LOOK[e.kind];
            return (
              <li key={keyOf(e)} className={`timeline-row tone-${look.tone}`} data-testid="timeline-event" data-kind={e.kind}>
                <time className="mono muted" dateTime={new Date(e.at).toISOString()}>
                  {new Date(e.at).toLocaleTimeString()}
                </time>
                <span className="timeline-icon" aria-hidden="true">
                  {look.icon}
                </span>
                <strong className="timeline-kind">{t(`shealth.kind.${e.kind}` as MessageKey)}</strong>
                {e.text && <span className="timeline-text">{e.text}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

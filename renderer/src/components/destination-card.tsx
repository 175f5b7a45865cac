import { useEffect, useState } from 'react';
import type { Destination, DestinationStatusView } from '../../../core/contract/destinations';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { formatBitrate, formatBytes, formatDuration } from '../lib/format';
import { hrefOf } from '../router';
import { destinationsOf, PLATFORM_PRESETS, useDestinations } from '../stores/destinations';
import { ConfirmButton } from './confirm-button';
import { DestinationForm } from './destination-form';
import { toast } from './toast';

type State = DestinationStatusView['state'];

const PILL: Record<State, string> = {
  idle: 'status-queued',
  connecting: 'status-running',
  live: 'badge-live',
  retrying: 'badge-warn',
  failed: 'status-failed',
  stopped: 'status-cancelled',
};

/** Date.now(), re-read every `ms` while mounted (uptime and "next try in" count by themselves). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** The status pill: idle / connecting / live / retrying / failed / stopped. */
export function DestinationPill({ state }: { state: State }) {
  const t = useT();
  return (
    <span className={`badge ${PILL[state]}`} data-testid="dest-state" data-state={state}>
      {t(`dest.state.${state}` as MessageKey)}
    </span>
  );
}

/** "attempt 3, next try in 4 s" while retrying; null otherwise. */
export function retryText(st: Pick<DestinationStatusView, 'state' | 'attempt' | 'nextTryAt'>, now: number, t: ReturnType<typeof useT>): string | null {
  if (st.state !== 'retrying') return null;
  if (st.nextTryAt == null || st.nextTryAt <= now) return t('dest.retrying.now', { n: st.attempt });
  return t('dest.retrying', { n: st.attempt, s: Math.ceil((st.nextTryAt - now) / 1000) });
}

export function sourceText(d: Destination, t: ReturnType<typeof useT>): string {
  return 'stream' in d.source ? t('dest.fedBy', { stream: d.source.stream }) : t('dest.fedByApp', { app: d.source.app });
}

/** The server without anything that could be secret (query strings may carry tokens). */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

async function act(cmd: 'destinations.start' | 'destinations.stop' | 'destinations.retry', id: string): Promise<void> {
  try {
    useDestinations.getState().upsert(await client().call(cmd, { id }));
  } catch (e) {
    toast('error', e instanceof ClientError ? e.message : String(e));
  }
}

/** One restream destination: where it goes, what feeds it, the truth about its link, and what to do now. */
export function DestinationCard({ d }: { d: Destination }) {
  const t = useT();
  const now = useNow();
  const st = d.status;
  const retry = retryText(st, now, t);
  const remove = async (): Promise<void> => {
    try {
      await client().call('destinations.remove', { id: d.id });
      useDestinations.getState().remove(d.id);
      toast('ok', t('dest.removed', { name: d.name }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const [editing, setEditing] = useState(false);
  const running = d.enabled && st.state !== 'failed' && st.state !== 'stopped';
  if (editing) {
    return (
      <li className="card" data-testid="dest-card" data-id={d.id} data-state={st.state} data-editing="true">
        <DestinationForm editing={d} onDone={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className="job card" style={{ gridTemplateColumns: 'minmax(0, 1fr) auto' }} data-testid="dest-card" data-id={d.id} data-state={st.state}>
      <div className="job-main">
        <div className="rec-head">
          <strong className="job-title">{d.name}</strong>
          <span className="chip" data-testid="dest-platform">
            {PLATFORM_PRESETS[d.platform].label}
          </span>
          <DestinationPill state={st.state} />
          {retry && (
            <span className="muted" data-testid="dest-retry">
              {retry}
            </span>
          )}
        </div>
        <p className="job-info">
          <span data-testid="dest-source">{sourceText(d, t)}</span>
          {st.stream && 'app' in d.source && <span className="mono"> ({st.stream})</span>}
          {' · '}
          <span className="mono">{serverOf(d.url)}</span>
          {' · '}
          <span className="mono" data-testid="dest-key">
            {d.key}
          </span>
          {d.auto && ` · ${t('dest.autoOn')}`}
          {d.enabled && st.state === 'idle' && ` · ${t('dest.waiting')}`}
        </p>
        <dl className="facts">
          <div>
            <dt>{t('dest.bitrate')}</dt>
            <dd data-testid="dest-bitrate" data-bps={Math.round(st.ackedBitrate)}>
              {formatBitrate(st.ackedBitrate)}
            </dd>
          </div>
          <div>
            <dt>{t('dest.uptime')}</dt>
            <dd data-testid="dest-uptime">{st.state === 'live' && st.liveSince ? formatDuration((now - st.liveSince) / 1000, t) : '—'}</dd>
          </div>
          <div>
            <dt>{t('dest.sent')}</dt>
            <dd data-testid="dest-sent">{formatBytes(st.bytesSent)}</dd>
          </div>
          <div>
            <dt>{t('dest.reconnects')}</dt>
            <dd data-testid="dest-reconnects">{st.reconnects}</dd>
          </div>
          <div>
            <dt>{t('dest.dropped')}</dt>
            <dd>{st.dropped}</dd>
          </div>
        </dl>
        {st.lastError && (st.state === 'retrying' || st.state === 'failed' || st.state === 'connecting') && (
          <p className="field-error" role="status" data-testid="dest-error">
            {t('dest.lastError', { error: st.lastError })}
          </p>
        )}
      </div>
      <div className="rec-actions">
        {running ? (
          <button type="button" className="btn btn-small" onClick={() => void act('destinations.stop', d.id)} data-testid="dest-stop">
            {t('dest.stop')}
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => void act('destinations.start', d.id)} data-testid="dest-start">
            {t('dest.start')}
          </button>
        )}
        {(st.state === 'failed' || st.state === 'retrying') && (
          <button type="button" className="btn btn-small" onClick={() => void act('destinations.retry', d.id)} data-testid="dest-retry-now">
            {t('dest.retry')}
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={() => setEditing(true)} data-testid="dest-edit">
          {t('dest.edit')}
        </button>
        <ConfirmButton
          label={t('dest.remove')}
          confirmLabel={t('dest.remove.yes')}
          cancelLabel={t('dest.remove.no')}
          question={t('dest.remove.confirm', { name: d.name })}
          onConfirm={() => void remove()}
          testId="dest-remove"
        />
      </div>
    </li>
  );
}

/** Stream detail: the destinations fed by this stream, with the same pills. */
export function StreamDestinations({ path }: { path: string }) {
  const t = useT();
  const now = useNow();
  const byId = useDestinations((s) => s.byId);
  const list = destinationsOf(byId, path);
  return (
    <section className="card" aria-labelledby="dest-for-title" data-testid="stream-destinations">
      <h3 id="dest-for-title" className="card-title">
        {t('dest.forStream')}
      </h3>
      {list.length === 0 && <p className="muted">{t('dest.noneForStream')}</p>}
      <ul className="stack" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {list.map((d) => (
          <li key={d.id} data-testid="stream-dest" data-id={d.id} data-state={d.status.state}>
            <strong>{d.name}</strong> <span className="chip">{PLATFORM_PRESETS[d.platform].label}</span> <DestinationPill state={d.status.state} />{' '}
            <span className="muted">
              {d.status.state === 'live' ? formatBitrate(d.status.ackedBitrate) : (retryText(d.status, now, t) ?? '')}
            </span>
            {d.status.lastError && (d.status.state === 'retrying' || d.status.state === 'failed') && <p className="field-error">{d.status.lastError}</p>}
          </li>
        ))}
      </ul>
      <a href={hrefOf({ page: 'destinations' })}>{t('dest.manage')}</a>
    </section>
  );
}

/** Dashboard tile: "→ 3 destinations, 1 retrying" (nothing when no destination takes this stream). */
export function TileDestinations({ path }: { path: string }) {
  const t = useT();
  const byId = useDestinations((s) => s.byId);
  const list = destinationsOf(byId, path);
  if (!list.length) return null;
  const retrying = list.filter((d) => d.status.state === 'retrying').length;
  const failed = list.filter((d) => d.status.state === 'failed').length;
  const parts = [list.length === 1 ? t('tile.destinations.one') : t('tile.destinations', { n: list.length })];
  if (retrying) parts.push(t('tile.destinations.retrying', { n: retrying }));
  if (failed) parts.push(t('tile.destinations.failed', { n: failed }));
  return (
    <a className="muted tile-dest" style={{ display: 'block', padding: 'var(--s2) var(--s4) 0' }} href={hrefOf({ page: 'destinations' })} data-testid="tile-destinations">
      {parts.join(', ')}
    </a>
  );
}

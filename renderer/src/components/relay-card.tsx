import type { Relay } from '../../../core/contract/relays';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { formatDuration } from '../lib/format';
import { useRelays } from '../stores/relays';
import { ConfirmButton } from './confirm-button';
import { DestinationPill, retryText, useNow } from './destination-card';
import { toast } from './toast';

export type SourceKind = 'rtsp' | 'rtmp' | 'file';

/** What a static relay reads: an RTSP camera, an RTMP URL or a local file (the core's own rule). */
export function kindOf(edge: string): SourceKind {
  if (/^rtmps?:\/\//i.test(edge)) return 'rtmp';
  if (/^rtsps?:\/\//i.test(edge)) return 'rtsp';
  return 'file';
}

async function act(cmd: 'relays.start' | 'relays.stop' | 'relays.retry', id: string): Promise<void> {
  try {
    useRelays.getState().upsert(await client().call(cmd, { id }));
  } catch (e) {
    toast('error', e instanceof ClientError ? e.message : String(e));
  }
}

/**
 * One relay. A static one is a Source the user manages: where it reads from (the edge as the API gives it,
 * without user:password), the stream it becomes here, the truth about its link, Start/Stop/Retry/Remove.
 * Pull and push tasks from the config file are shown read-only with their mode.
 */
export function RelayCard({ r }: { r: Relay }) {
  const t = useT();
  const now = useNow();
  const retry = retryText(r, now, t);
  const isStatic = r.mode === 'static';
  const target = isStatic ? `/${r.app}/${r.name ?? ''}` : `/${r.app}/*`;
  const remove = async (): Promise<void> => {
    try {
      await client().call('relays.remove', { id: r.id });
      useRelays.getState().remove(r.id);
      toast('ok', t('src.removed', { path: target }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const running = r.enabled && r.state !== 'failed' && r.state !== 'stopped';
  const kind = isStatic ? t(`src.kind.${kindOf(r.edge)}` as MessageKey) : t(`src.mode.${r.mode}` as MessageKey);
  return (
    <li className="job card" style={{ gridTemplateColumns: 'minmax(0, 1fr) auto' }} data-testid="src-card" data-id={r.id} data-mode={r.mode} data-path={target} data-state={r.state}>
      <div className="job-main">
        <div className="rec-head">
          <strong className="job-title mono" data-testid="src-path">
            {target}
          </strong>
          <span className="chip" data-testid="src-kind">
            {kind}
          </span>
          {r.origin === 'config' && <span className="chip">{t('src.fromConfig')}</span>}
          <DestinationPill state={r.state} />
          {retry && (
            <span className="muted" data-testid="src-retry">
              {retry}
            </span>
          )}
        </div>
        <p className="job-info">
          <span>{isStatic ? t('src.from') : t('src.edge')} </span>
          <span className="mono" data-testid="src-edge">
            {r.edge}
          </span>
          {r.rtsp_transport && kindOf(r.edge) === 'rtsp' && ` · RTSP/${r.rtsp_transport.toUpperCase()}`}
          {r.state === 'live' && r.liveSince && ` · ${t('dest.uptime')} ${formatDuration((now - r.liveSince) / 1000, t)}`}
        </p>
        {!isStatic && r.streams.length > 0 && (
          <ul className="stack" style={{ listStyle: 'none', margin: 0, padding: 0, gap: 'var(--s1)' }}>
            {r.streams.map((s) => (
              <li key={s.path}>
                <span className="mono">{s.path}</span> <DestinationPill state={s.state} /> {s.lastError && <span className="muted">{s.lastError}</span>}
              </li>
            ))}
          </ul>
        )}
        {r.lastError && (r.state === 'retrying' || r.state === 'failed' || r.state === 'connecting') && (
          <p className="field-error" role="status" data-testid="src-error">
            {t('dest.lastError', { error: r.lastError })}
          </p>
        )}
      </div>
      {isStatic && (
        <div className="rec-actions">
          {running ? (
            <button type="button" className="btn btn-small" onClick={() => void act('relays.stop', r.id)} data-testid="src-stop">
              {t('dest.stop')}
            </button>
          ) : (
            <button type="button" className="btn btn-small" onClick={() => void act('relays.start', r.id)} data-testid="src-start">
              {t('dest.start')}
            </button>
          )}
          {(r.state === 'failed' || r.state === 'retrying') && (
            <button type="button" className="btn btn-small" onClick={() => void act('relays.retry', r.id)} data-testid="src-retry-now">
              {t('dest.retry')}
            </button>
          )}
          {r.origin === 'api' && (
            <ConfirmButton
              label={t('dest.remove')}
              confirmLabel={t('dest.remove.yes')}
              cancelLabel={t('dest.remove.no')}
              question={t('src.remove.confirm', { path: target })}
              onConfirm={() => void remove()}
              testId="src-remove"
            />
          )}
        </div>
      )}
    </li>
  );
}

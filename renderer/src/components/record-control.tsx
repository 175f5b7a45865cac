import { useEffect, useState } from 'react';
import type { Recording } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { formatBytes, formatDuration } from '../lib/format';
import { hrefOf } from '../router';
import { activeRecording, useRecordings } from '../stores/recordings';
import { toast } from './toast';

/** The running recording of a stream, refreshed every second while it runs (size and duration grow). */
function useLiveRecording(stream: string): Recording | undefined {
  const rec = useRecordings((s) => activeRecording(s.list, stream));
  const [live, setLive] = useState<Recording | undefined>(rec);
  const id = rec?.id;
  useEffect(() => {
    setLive(rec);
    if (!id) return;
    const timer = setInterval(() => {
      client()
        .call('recordings.get', { id })
        .then((r) => (r.status === 'recording' ? setLive(r) : useRecordings.getState().upsert(r)), () => undefined);
    }, 1000);
    return () => clearInterval(timer);
  }, [id, rec]);
  return live;
}

/** Record / Stop for a live stream, with the running recording's duration and size. */
export function RecordControl({ stream, live }: { stream: string; live: boolean }) {
  const t = useT();
  const rec = useLiveRecording(stream);
  const last = useRecordings((s) => s.list.find((r) => r.stream === stream && r.status !== 'recording'));
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<Recording>): Promise<void> => {
    setBusy(true);
    try {
      useRecordings.getState().upsert(await fn());
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e), 8000);
    } finally {
      setBusy(false);
    }
  };
  const start = (): Promise<void> => run(() => client().call('recordings.start', { stream }));
  const stop = (id: string): Promise<void> => run(() => client().call('recordings.stop', { id }));

  return (
    <section className="card" aria-labelledby="rec-title" data-testid="record-control">
      <h3 id="rec-title" className="card-title">
        {t('rec.title')}
      </h3>
      <div className="rec-control">
        {rec ? (
          <>
            <span className="rec-dot" aria-hidden="true" />
            <span role="status" data-testid="rec-running">
              {t('rec.running', { time: formatDuration(rec.durationMs / 1000, t), size: formatBytes(rec.size) })}
            </span>
            <span className="spacer" />
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void stop(rec.id)} data-testid="rec-stop">
              {t('rec.stop')}
            </button>
          </>
        ) : (
          <>
            <span className="muted">{live ? t('rec.idle') : t('rec.notLive')}</span>
            <span className="spacer" />
            <button type="button" className="btn btn-primary" disabled={busy || !live} onClick={() => void start()} data-testid="rec-start">
              <span className="rec-dot" aria-hidden="true" /> {t('rec.start')}
            </button>
          </>
        )}
      </div>
      {last && !rec && (
        <p className={`field-hint${last.status === 'failed' ? ' field-error' : ''}`}>
          {last.status === 'failed' ? t('rec.lastFailed', { reason: last.error ?? '?' }) : t('rec.last', { time: formatDuration(last.durationMs / 1000, t), size: formatBytes(last.size) })}{' '}
          <a href={hrefOf({ page: 'recordings' })}>{t('rec.library')}</a>
        </p>
      )}
    </section>
  );
}

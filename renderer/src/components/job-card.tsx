import type { Job } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { formatBytes, formatDuration } from '../lib/format';
import { JobOutputs } from './job-outputs';
import { toast } from './toast';

interface Props {
  job: Job;
  url: ((path: string) => string) | null;
  /** automatic retry time the queue announced for a failed attempt */
  retryAt?: number;
  onMove?: (dir: -1 | 1) => void;
  first?: boolean;
  last?: boolean;
}

const STATUS: Record<Job['status'], MessageKey> = {
  queued: 'tx.status.queued',
  running: 'tx.status.running',
  done: 'tx.status.done',
  failed: 'tx.status.failed',
  cancelled: 'tx.status.cancelled',
};

function Progress({ job }: { job: Job }) {
  const t = useT();
  const p = job.progress;
  const pct = Math.round(p?.percent ?? 0);
  return (
    <div className="job-progress">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={t('tx.progress', { title: job.options.title })} data-testid="job-progress">
        <span style={{ width: `${pct}%` }} />
      </div>
      <p className="job-stats" aria-live="off">
        <strong>{pct}%</strong> · {t(`tx.stage.${p?.stage ?? 'transcode'}` as MessageKey)}
        {p?.fps != null && ` · ${Math.round(p.fps)} fps`}
        {p?.speed != null && ` · ${p.speed.toFixed(1)}×`}
        {p?.eta_seconds != null && ` · ${t('tx.eta', { time: formatDuration(p.eta_seconds, t) })}`}
      </p>
    </div>
  );
}

/** One transcode job: source, ladder, progress, and what can be done with it now. */
export function JobCard({ job, url, retryAt, onMove, first, last }: Props) {
  const t = useT();
  const src = job.input.probe;
  const cover = job.result?.covers[0];
  const act = async (cmd: 'jobs.cancel' | 'jobs.retry'): Promise<void> => {
    try {
      await client().call(cmd, { id: job.id });
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const info = [formatDuration(src.duration, t), `${src.width}x${src.height}`, [src.vcodec, src.acodec].filter(Boolean).join(' / '), src.fps ? `${Math.round(src.fps * 100) / 100} fps` : '', src.size ? formatBytes(src.size) : '']
    .filter(Boolean)
    .join(' · ');
  // what was made once done; before that the requested rungs, those above the source marked as skipped
  const short = Math.min(src.width, src.height);
  const ladder = job.result
    ? job.result.renditions.map((r) => ({ name: `${r.name} ${r.width}x${r.height}`, skipped: false }))
    : job.options.renditions.map((r) => ({ name: r, skipped: parseInt(r, 10) > short }));
  return (
    <li className={`job card job-${job.status}`} data-testid="job-card" data-id={job.id} data-status={job.status}>
      <div className="job-thumb">{cover && url ? <img src={url(cover)} alt="" data-testid="job-thumb" /> : <span>{src.height ? `${src.height}p` : '▶'}</span>}</div>
      <div className="job-main">
        <div className="rec-head">
          <strong className="job-title" title={job.input.original}>
            {job.options.title}
          </strong>
          <span className={`badge status-${job.status}`} data-testid="job-status">
            {t(STATUS[job.status])}
          </span>
          <span className="muted">{t(`tx.source.${job.input.source}` as MessageKey)}</span>
          {/* BullMQ: the worker of the latest attempt (a queued job's previous one is in its note); null on the embedded queue */}
          {job.worker && job.status !== 'queued' && (
            <small className="muted job-worker" title={t('tx.worker.title')} data-testid="job-worker">
              {t('tx.worker', { worker: job.worker })}
            </small>
          )}
        </div>
        <p className="job-info">{info}</p>
        <p className="job-ladder" data-testid="job-ladder">
          {ladder.map((r) => (
            <span key={r.name} className={`chip${r.skipped ? ' chip-off' : ''}`} title={r.skipped ? t('tx.skipped') : undefined}>
              {r.name}
            </span>
          ))}
        </p>
        {job.note && (
          <p className="field-hint job-note" data-testid="job-note">
            {job.note}
          </p>
        )}
        {job.status === 'running' && <Progress job={job} />}
        {job.status === 'failed' && job.error && (
          <p className="field-error" role="alert">
            {job.error}
            {retryAt ? ` · ${t('tx.retrying', { time: new Date(retryAt).toLocaleTimeString() })}` : ''}
          </p>
        )}
        {job.status === 'done' && url && <JobOutputs job={job} url={url} />}
      </div>
      <div className="rec-actions">
        {job.status === 'queued' && onMove && (
          <>
            <button type="button" className="btn btn-small" disabled={first} onClick={() => onMove(-1)} aria-label={t('tx.up', { title: job.options.title })} data-testid="job-up">
              ↑
            </button>
            <button type="button" className="btn btn-small" disabled={last} onClick={() => onMove(1)} aria-label={t('tx.down', { title: job.options.title })} data-testid="job-down">
              ↓
            </button>
          </>
        )}
        {(job.status === 'queued' || job.status === 'running') && (
          <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void act('jobs.cancel')} data-testid="job-cancel">
            {t('tx.cancel')}
          </button>
        )}
        {(job.status === 'failed' || job.status === 'cancelled') && (
          <button type="button" className="btn btn-small" onClick={() => void act('jobs.retry')} data-testid="job-retry">
            {t('tx.retry')}
          </button>
        )}
      </div>
    </li>
  );
}

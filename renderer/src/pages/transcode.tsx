import { useEffect, useId, useState } from 'react';
import type { TranscodeOptions } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { DropZone } from '../components/drop-zone';
import { JobCard } from '../components/job-card';
import { ListHead } from '../components/list-head';
import { toast } from '../components/toast';
import { useT, type MessageKey } from '../i18n';
import { addFiles, addSource, LADDERS, type LadderId } from '../lib/add-sources';
import { formatBytes } from '../lib/format';
import { useMediaUrl } from '../lib/media';
import { sortJobs, useJobs } from '../stores/jobs';
import { useUploads } from '../stores/uploads';

const LADDER_KEYS: Record<LadderId, MessageKey> = { 'hd+sd': 'tx.ladder.hdsd', full: 'tx.ladder.full', hd: 'tx.ladder.hd', sd: 'tx.ladder.sd' };

function Uploads() {
  const t = useT();
  const items = useUploads((s) => s.items);
  if (!items.length) return null;
  return (
    <ul className="job-list" aria-label={t('tx.uploads')}>
      {items.map((u) => (
        <li key={u.key} className="job card" data-testid="upload-card" data-state={u.state}>
          <div className="job-main">
            <div className="rec-head">
              <strong className="job-title">{u.name}</strong>
              <span className="muted">{formatBytes(u.size)}</span>
            </div>
            {u.state === 'failed' ? (
              <p className="field-error" role="alert">
                {u.error}
              </p>
            ) : (
              <div className="job-progress">
                <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(u.fraction * 100)} aria-label={t('tx.uploading', { name: u.name })}>
                  <span style={{ width: `${Math.round(u.fraction * 100)}%` }} />
                </div>
                <p className="job-stats">{u.state === 'checking' ? t('tx.checking') : t('tx.upload.progress', { pct: Math.round(u.fraction * 100) })}</p>
              </div>
            )}
          </div>
          <div className="rec-actions">
            {u.state === 'failed' ? (
              <button type="button" className="btn btn-small" onClick={() => useUploads.getState().remove(u.key)}>
                {t('tx.dismiss')}
              </button>
            ) : (
              u.abort && (
                <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => u.abort?.()}>
                  {t('tx.cancel')}
                </button>
              )
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Drop or pick video files (or paste a URL / path) and follow each transcode to a multi-bitrate HLS. */
export function TranscodePage() {
  const t = useT();
  const ids = { ladder: useId(), covers: useId(), source: useId() };
  const jobs = useJobs((s) => s.jobs);
  const retryAt = useJobs((s) => s.retryAt);
  const error = useJobs((s) => s.error);
  const url = useMediaUrl();
  const [ladder, setLadder] = useState<LadderId>('hd+sd');
  const [covers, setCovers] = useState(3);
  const [source, setSource] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => void useJobs.getState().load(client()), []);

  const options: TranscodeOptions = { renditions: [...LADDERS[ladder]], covers: { count: covers } };
  const list = sortJobs(jobs);
  const queued = list.filter((j) => j.status === 'queued');
  const fail = (e: unknown): void => toast('error', e instanceof ClientError ? e.message : String(e), 8000);

  const move = async (id: string, dir: -1 | 1): Promise<void> => {
    const order = queued.map((j) => j.id);
    const i = order.indexOf(id);
    const j = i + dir;
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    try {
      for (const job of await client().call('jobs.reorder', { ids: order })) useJobs.getState().upsert(job);
    } catch (e) {
      fail(e);
    }
  };
  const submit = async (): Promise<void> => {
    if (!source.trim()) return;
    setBusy(true);
    try {
      await addSource(source, options);
      setSource('');
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page" data-testid="transcode-page">
      <ListHead title={t('nav.transcode')} count={list.length} error={error} />
      <section className="card tx-add" aria-label={t('tx.add')}>
        <div className="tx-options">
          <label className="field-label" htmlFor={ids.ladder}>
            {t('tx.ladder')}
          </label>
          <select id={ids.ladder} className="input input-auto" value={ladder} onChange={(e) => setLadder(e.target.value as LadderId)} data-testid="tx-ladder">
            {(Object.keys(LADDERS) as LadderId[]).map((k) => (
              <option key={k} value={k}>
                {`${t(LADDER_KEYS[k])} (${LADDERS[k].join(' + ')})`}
              </option>
            ))}
          </select>
          <label className="field-label" htmlFor={ids.covers}>
            {t('tx.covers')}
          </label>
          <select id={ids.covers} className="input input-auto" value={covers} onChange={(e) => setCovers(Number(e.target.value))}>
            {[0, 1, 3, 5].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <span className="field-hint">{t('tx.noUpscale')}</span>
        </div>
        <DropZone onFiles={(files) => void addFiles(files, options, url ? url('/api/jobs/upload') : null)} />
        <form
          className="copy-row"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label htmlFor={ids.source} className="sr-only">
            {t('tx.source')}
          </label>
          <input id={ids.source} className="input mono" value={source} onChange={(e) => setSource(e.target.value)} placeholder={t('tx.source.placeholder')} data-testid="tx-source" spellCheck={false} />
          <button type="submit" className="btn" disabled={busy || !source.trim()} data-testid="tx-source-add">
            {t('tx.addSource')}
          </button>
        </form>
      </section>
      <Uploads />
      {list.length === 0 && <p className="muted">{t('tx.empty')}</p>}
      <ul className="job-list" aria-label={t('tx.queue')}>
        {list.map((j) => (
          <JobCard
            key={j.id}
            job={j}
            url={url}
            retryAt={retryAt[j.id]}
            onMove={j.status === 'queued' ? (d) => void move(j.id, d) : undefined}
            first={queued[0]?.id === j.id}
            last={queued[queued.length - 1]?.id === j.id}
          />
        ))}
      </ul>
    </div>
  );
}

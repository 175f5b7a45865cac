import { useState } from 'react';
import type { Job } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { formatBitrate } from '../lib/format';
import { CopyField } from './copy-field';
import { HlsPlayer } from './hls-player';
import { toast } from './toast';

/** A finished job: master + rendition URLs to copy, the covers, an hls.js player, the output folder. */
export function JobOutputs({ job, url }: { job: Job; url: (path: string) => string }) {
  const t = useT();
  const [playing, setPlaying] = useState(false);
  const [folder, setFolder] = useState<string | null>(null);
  const r = job.result;
  if (!r) return null;
  const reveal = async (): Promise<void> => {
    try {
      const where = await client().call('jobs.reveal', { id: job.id });
      if (client().embedded) toast('ok', t('rec.revealed'));
      else setFolder(where.folder);
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  return (
    <div className="job-outputs stack">
      <div className="row-actions">
        <button type="button" className="btn btn-primary btn-small" onClick={() => setPlaying((p) => !p)} aria-pressed={playing} data-testid="job-play">
          {playing ? t('rec.hide') : t('tx.play')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => void reveal()} data-testid="job-reveal">
          {t('tx.folder')}
        </button>
      </div>
      {playing && <HlsPlayer url={url(r.master)} label={t('tx.playing', { title: job.options.title })} live={false} testId="job-video" />}
      {folder && <CopyField label={t('rec.folder')} value={folder} hint={t('rec.where.hint')} />}
      <CopyField label={t('tx.master')} value={url(r.master)} testId="job-master-url" />
      {r.renditions.map((x) => (
        <CopyField key={x.name} label={`${x.name} · ${x.width}x${x.height} · ${formatBitrate(x.average_bandwidth)}`} value={url(x.playlist)} />
      ))}
      {r.covers.length > 0 && (
        <div className="covers" aria-label={t('tx.covers')} role="group">
          {r.covers.map((c, i) => (
            <a key={c} href={url(c)} target="_blank" rel="noreferrer" title={t('tx.cover', { n: i + 1 })}>
              <img src={url(c)} alt={t('tx.cover', { n: i + 1 })} loading="lazy" />
            </a>
          ))}
        </div>
      )}
    </div>
  );
}

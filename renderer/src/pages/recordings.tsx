import { useEffect, useState } from 'react';
import type { Recording, StorageStatus } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { CopyField } from '../components/copy-field';
import { DiskBar } from '../components/disk-bar';
import { ListHead } from '../components/list-head';
import { RecordingRow } from '../components/recording-row';
import { BucketLine } from '../components/storage-badge';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { useMediaUrl } from '../lib/media';
import { useRecordings } from '../stores/recordings';

/** While the page is open: the list, disk use and growing sizes are refreshed this often. */
const REFRESH_MS = 3000;

function Player({ r, src, onClose }: { r: Recording; src: string; onClose(): void }) {
  const t = useT();
  return (
    <section className="card player rec-player" aria-label={t('rec.playing', { stream: r.stream })}>
      <div className="player-frame">
        <video className="player-video" src={src} controls autoPlay muted playsInline data-testid="recording-video" />
      </div>
      <div className="player-bar">
        <span className="mono">{r.stream}</span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={onClose}>
          {t('rec.close')}
        </button>
      </div>
    </section>
  );
}

/** The recordings library: play, reveal, delete; disk use with a low-space warning. */
export function RecordingsPage() {
  const t = useT();
  const { list, disk, loaded, error } = useRecordings();
  const url = useMediaUrl();
  const [playing, setPlaying] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<{ id: string; file: string; folder: string } | null>(null);
  // object storage: each recording's upload and the bucket's state (refreshed with the list)
  const [storage, setStorage] = useState<StorageStatus | null>(null);

  useEffect(() => {
    const c = client();
    const refresh = (): void => {
      void useRecordings.getState().load(c);
      c.call('storage.status', { kind: 'recordings' }).then(setStorage, () => setStorage(null));
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const fail = (e: unknown): void => toast('error', e instanceof ClientError ? e.message : String(e), 8000);
  const reveal = async (id: string): Promise<void> => {
    try {
      const where = await client().call('recordings.reveal', { id });
      // the desktop app has opened the file manager; a browser cannot, so the path is shown to copy
      if (client().embedded) toast('ok', t('rec.revealed'));
      else setRevealed({ id, ...where });
    } catch (e) {
      fail(e);
    }
  };
  const remove = async (id: string): Promise<void> => {
    try {
      await client().call('recordings.delete', { id });
      useRecordings.getState().remove(id);
      if (playing === id) setPlaying(null);
      toast('ok', t('rec.deleted'));
      void useRecordings.getState().load(client());
    } catch (e) {
      fail(e);
    }
  };
  const current = list.find((r) => r.id === playing);

  return (
    <div className="page" data-testid="recordings-page">
      <ListHead title={t('nav.recordings')} count={list.length} error={error} />
      {disk && <DiskBar disk={disk} />}
      <BucketLine s={storage} />
      {current && url && <Player key={current.id} r={current} src={url(`/api/recordings/${encodeURIComponent(current.id)}/file`)} onClose={() => setPlaying(null)} />}
      {revealed && (
        <section className="card stack" aria-label={t('rec.where')} data-testid="recording-path">
          <CopyField label={t('rec.file')} value={revealed.file} testId="recording-file" />
          <CopyField label={t('rec.folder')} value={revealed.folder} hint={t('rec.where.hint')} />
          <div>
            <button type="button" className="btn btn-small" onClick={() => setRevealed(null)}>
              {t('rec.close')}
            </button>
          </div>
        </section>
      )}
      {loaded && list.length === 0 && !error && (
        <p className="card notice" data-testid="recordings-empty">
          {t('rec.empty')}
        </p>
      )}
      <ul className="rec-list">
        {list.map((r) => (
          <RecordingRow
            key={r.id}
            r={r}
            url={url}
            playing={playing === r.id}
            onPlay={() => setPlaying(playing === r.id ? null : r.id)}
            onReveal={() => void reveal(r.id)}
            onDelete={() => void remove(r.id)}
            storage={storage?.uploads.find((u) => u.ref === r.id)}
          />
        ))}
      </ul>
    </div>
  );
}

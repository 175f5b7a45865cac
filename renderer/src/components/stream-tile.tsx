import type { StreamInfo } from '../../../core/contract';
import { useT } from '../i18n';
import { formatDuration, videoLabel } from '../lib/format';
import { useStreamUrls } from '../lib/use-stream-urls';
import { hrefOf } from '../router';
import { useStreams } from '../stores/streams';
import { BitrateFacts } from './bitrate-facts';
import { TileDestinations } from './destination-card';
import { HealthPill } from './health-pill';
import { LiveChart } from './live-chart';
import { MiniPreview } from './mini-preview';
import { TileLadder } from './tile-ladder';

function Viewers({ viewers }: { viewers: Record<string, number> }) {
  const t = useT();
  const entries = Object.entries(viewers).filter(([, n]) => n > 0);
  if (!entries.length) return <span className="muted">{t('tile.noViewers')}</span>;
  return (
    <span className="viewers">
      {entries.map(([p, n]) => (
        <span key={p} className="chip" title={p}>
          {p.toUpperCase()} {n}
        </span>
      ))}
    </span>
  );
}

/** One live stream on the dashboard: preview, media facts, rates, viewers and a 5-minute chart. */
export function StreamTile({ s, preview }: { s: StreamInfo; preview: boolean }) {
  const t = useT();
  const samples = useStreams((st) => st.history[s.path]) ?? [];
  const urls = useStreamUrls(s.app, s.name);
  const v = s.publisher?.video ?? null;
  const a = s.publisher?.audio ?? null;
  const label = t('tile.open', { name: s.path });
  return (
    <article className="tile" data-testid="stream-tile" data-path={s.path}>
      <a className="tile-link" href={hrefOf({ page: 'stream', app: s.app, name: s.name })} aria-label={label}>
        <MiniPreview url={urls?.http_flv ?? null} enabled={preview} label={s.path} />
        <div className="tile-head">
          <h3 className="tile-title mono">{s.path}</h3>
          <span className="badge badge-live">{t('live.badge')}</span>
          <span className="muted tile-uptime">{formatDuration(s.uptime, t)}</span>
        </div>
      </a>
      <HealthPill path={s.path} />
      <dl className="facts">
        <div>
          <dt>{t('detail.video')}</dt>
          <dd data-testid="tile-resolution">{v && v.width ? `${v.width}x${v.height}` : '—'}</dd>
        </div>
        <div>
          <dt>fps</dt>
          <dd>{s.fps || v?.fps || '—'}</dd>
        </div>
        <div>
          <dt>codec</dt>
          <dd title={videoLabel(v)}>{[v?.codec, a?.codec].filter(Boolean).join(' / ') || '—'}</dd>
        </div>
        <BitrateFacts bitrateIn={s.bitrateIn} bitrateOut={s.bitrateOut} />
        <div className="facts-wide">
          <dt>{t('tile.viewers')}</dt>
          <dd>
            <Viewers viewers={s.viewers} />
          </dd>
        </div>
      </dl>
      <TileLadder path={s.path} />
      <TileDestinations path={s.path} />
      <LiveChart samples={samples} height={48} />
    </article>
  );
}

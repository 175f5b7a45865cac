import { EmptyState } from '../components/empty-state';
import { HealthCards } from '../components/health-cards';
import { ServerCharts } from '../components/server-charts';
import { StreamTile } from '../components/stream-tile';
import { useT } from '../i18n';
import { rungOf } from '../stores/ladder';
import { sortedStreams, useStreams } from '../stores/streams';

/** Live previews cost a decoder each: past this many streams the tiles show placeholders. */
const MAX_PREVIEWS = 4;

export function Dashboard() {
  const t = useT();
  const streams = useStreams((s) => s.streams);
  const loaded = useStreams((s) => s.loaded);
  // a ladder's renditions are shown on their source's tile, not as tiles of their own
  const list = sortedStreams(streams).filter((s) => !rungOf(s));
  return (
    <div className="page">
      <section aria-labelledby="health-title" className="section">
        <h2 id="health-title" className="section-title">
          {t('health.title')}
        </h2>
        <HealthCards />
        <ServerCharts />
      </section>
      <section aria-labelledby="streams-title" className="section">
        <h2 id="streams-title" className="section-title">
          {t('streams.title')}
          {list.length > 0 && <span className="count">{list.length}</span>}
        </h2>
        {loaded && list.length === 0 && <EmptyState />}
        {list.length > 0 && (
          <div className="tiles">
            {list.map((s) => (
              <StreamTile key={s.path} s={s} preview={list.length <= MAX_PREVIEWS} />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}

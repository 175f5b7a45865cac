import { DestinationCard } from '../components/destination-card';
import { DestinationForm } from '../components/destination-form';
import { ListHead } from '../components/list-head';
import { RelayCard } from '../components/relay-card';
import { SourceForm } from '../components/source-form';
import { useT } from '../i18n';
import { sortedDestinations, useDestinations } from '../stores/destinations';
import { sortedRelays, useRelays } from '../stores/relays';

/** Sources: static relays (an RTSP camera, an RTMP URL, a file) pulled in as streams, and the config's pull/push tasks. */
function SourcesSection() {
  const t = useT();
  const byId = useRelays((s) => s.byId);
  const loaded = useRelays((s) => s.loaded);
  const error = useRelays((s) => s.error);
  const list = sortedRelays(byId);
  return (
    <section className="stack" data-testid="sources-section" aria-label={t('src.title')}>
      <ListHead title={t('src.title')} count={list.length} error={error} />
      {loaded && list.length === 0 && (
        <p className="card notice" data-testid="src-empty">
          {t('src.empty')}
        </p>
      )}
      {list.length > 0 && (
        <ul className="job-list" aria-label={t('src.title')}>
          {list.map((r) => (
            <RelayCard key={r.id} r={r} />
          ))}
        </ul>
      )}
      <SourceForm />
    </section>
  );
}

/** Restream destinations: add one from a preset, edit it, and follow each one's link to its platform; then Sources. */
export function DestinationsPage() {
  const t = useT();
  const byId = useDestinations((s) => s.byId);
  const loaded = useDestinations((s) => s.loaded);
  const error = useDestinations((s) => s.error);
  const list = sortedDestinations(byId);
  return (
    <div className="page" data-testid="destinations-page">
      <ListHead title={t('nav.destinations')} count={list.length} error={error} />
      {loaded && list.length === 0 && (
        <p className="card notice" data-testid="dest-empty">
          {t('dest.empty')}
        </p>
      )}
      {list.length > 0 && (
        <ul className="job-list" aria-label={t('nav.destinations')}>
          {list.map((d) => (
            <DestinationCard key={d.id} d={d} />
          ))}
        </ul>
      )}
      <DestinationForm />
      <SourcesSection />
    </div>
  );
}

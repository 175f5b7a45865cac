import { useT } from '../i18n';
import { rungOf, useLadder } from '../stores/ladder';
import { useStreams } from '../stores/streams';
import { SLOW_SPEED, SpeedWarning } from './ladder-card';

/** A source tile's "ABR: 720p · 480p · 360p" line (the renditions live now) and the ladder's speed warning. */
export function TileLadder({ path }: { path: string }) {
  const t = useT();
  const l = useLadder((s) => s.bySource[path]);
  const streams = useStreams((s) => s.streams);
  // the ladder's own list when there is one, else the rung streams that name this source
  const names = l
    ? l.rungs.filter((r) => r.live).map((r) => r.name)
    : Object.values(streams)
        .filter((s) => rungOf(s) === path)
        .sort((a, b) => (b.publisher?.video?.height ?? 0) - (a.publisher?.video?.height ?? 0))
        .map((s) => (s.publisher?.video?.height ? `${s.publisher.video.height}p` : s.name));
  if (!names.length && !(l && l.speed !== null && l.speed < SLOW_SPEED)) return null;
  return (
    <div className="stack" style={{ padding: 'var(--s2) var(--s4) 0' }} data-testid="tile-ladder">
      {names.length > 0 && (
        <span className="muted" data-testid="tile-abr">
          {t('ladder.tile', { list: names.join(' · ') })}
        </span>
      )}
      {l && <SpeedWarning l={l} />}
    </div>
  );
}

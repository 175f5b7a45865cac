import { useId } from 'react';
import { useT } from '../i18n';
import { rungOf, useLadder } from '../stores/ladder';
import { useStreams } from '../stores/streams';

/**
 * A destination's "Feed": the source stream itself or one rendition of its bitrate ladder (the rung is a
 * stream of its own, `/app/NAME_720`, so the destination takes it as it is — no second encode). Shown only
 * when the chosen stream has a ladder.
 */
export function LadderFeed({ stream, onChange, testId }: { stream: string; onChange(path: string): void; testId: string }) {
  const t = useT();
  const id = useId();
  const ladders = useLadder((s) => s.bySource);
  const streams = useStreams((s) => s.streams);
  const path = stream.trim();
  const owner = Object.values(ladders).find((l) => l.rungs.some((r) => r.path === path));
  const base = ladders[path] ? path : (owner?.source ?? (streams[path] ? rungOf(streams[path]) : null) ?? path);
  const l = ladders[base];
  const rungs: Array<{ path: string; name: string }> = l
    ? l.rungs.map((r) => ({ path: r.path, name: `${r.name}${r.fps ? r.fps : ''} · ${r.video_kbps} kbps` }))
    : Object.values(streams)
        .filter((s) => rungOf(s) === base)
        .map((s) => ({ path: s.path, name: s.publisher?.video?.height ? `${s.publisher.video.height}p` : s.name }));
  if (!rungs.length) return null;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {t('ladder.feed')}
      </label>
      <select id={id} className="input input-auto" value={path} onChange={(e) => onChange(e.target.value)} data-testid={`${testId}-feed`} aria-describedby={`${id}-hint`}>
        <option value={base}>{`${t('ladder.feed.source')} (${base})`}</option>
        {rungs.map((r) => (
          <option key={r.path} value={r.path}>
            {`${r.name} (${r.path})`}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="field-hint">
        {t('ladder.feed.hint')}
      </p>
    </div>
  );
}

import { useId, useRef, useState } from 'react';
import { useT } from '../i18n';
import { formatBitrate } from '../lib/format';
import { useHlsPlayer } from '../lib/use-hls-player';
import { MuteButton } from './mute-button';

/**
 * An hls.js player: live (latency from PROGRAM-DATE-TIME, colour-coded) or on demand (native controls),
 * with a quality switch when the playlist has more than one rendition.
 */
export function HlsPlayer({ url, label, live, lowLatency, testId = 'hls-video' }: { url: string | null; label: string; live: boolean; lowLatency?: boolean; testId?: string }) {
  const t = useT();
  const ref = useRef<HTMLVideoElement>(null);
  const qualityId = useId();
  const [muted, setMuted] = useState(true);
  const [st, setLevel] = useHlsPlayer(ref, url, { lowLatency });
  const lat = st.latency;
  const tone = lat === null ? '' : lat < (lowLatency ? 2 : 4) ? 'good' : lat < (lowLatency ? 4 : 8) ? 'fair' : 'bad';
  return (
    <div className="player card">
      <div className="player-frame">
        <video ref={ref} className="player-video" muted={muted} playsInline autoPlay controls={!live} aria-label={label} data-testid={testId} />
        {!st.playing && <div className="thumb-overlay">{st.error ?? t('tile.waiting')}</div>}
      </div>
      <div className="player-bar">
        {live && (
          <span className={`readout ${tone}`} title={t('hls.latency.hint')} data-testid={`${testId}-latency`} data-latency-ms={lat === null ? '' : Math.round(lat * 1000)}>
            {t('detail.latency')} <strong>{lat === null ? '—' : `${lat.toFixed(2)} s`}</strong>
          </span>
        )}
        {st.levels.length > 1 && (
          <label className="readout" htmlFor={qualityId}>
            {t('hls.quality')}{' '}
            <select
              id={qualityId}
              className="input input-auto input-small"
              value={st.auto ? -1 : st.level}
              onChange={(e) => setLevel(Number(e.target.value))}
              data-testid={`${testId}-quality`}
            >
              <option value={-1}>{st.auto && st.level >= 0 ? t('hls.auto.now', { h: st.levels[st.level]?.height ?? '?' }) : t('hls.auto')}</option>
              {st.levels.map((l, i) => (
                <option key={i} value={i}>
                  {`${l.height}p · ${formatBitrate(l.bitrate)}`}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="spacer" />
        <MuteButton muted={muted} onToggle={() => setMuted((m) => !m)} />
      </div>
    </div>
  );
}

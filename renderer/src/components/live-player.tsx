import { useRef, useState } from 'react';
import { useT } from '../i18n';
import { useFlvPlayer } from '../lib/use-flv-player';
import { MuteButton } from './mute-button';

/** The stream detail's low-latency preview with latency, speed and dropped-frame readouts. */
export function LivePlayer({ url, label }: { url: string | null; label: string }) {
  const t = useT();
  const ref = useRef<HTMLVideoElement>(null);
  const [muted, setMuted] = useState(true);
  const st = useFlvPlayer(ref, url, { stats: true });
  const lat = st.latency;
  const tone = lat === null ? '' : lat < 0.5 ? 'good' : lat < 1 ? 'fair' : 'bad';
  return (
    <div className="player card">
      <div className="player-frame">
        <video ref={ref} className="player-video" muted={muted} playsInline autoPlay aria-label={label} data-testid="detail-video" />
        {!st.playing && <div className="thumb-overlay">{st.error ?? t('tile.waiting')}</div>}
      </div>
      <div className="player-bar">
        <span className={`readout ${tone}`} title={t('detail.latency.hint')} data-testid="latency">
          {t('detail.latency')} <strong>{lat === null ? '—' : `${lat.toFixed(2)} s`}</strong>
        </span>
        <span className="readout">
          {t('detail.speed')} <strong>{st.rate.toFixed(2)}×</strong>
        </span>
        <span className="readout">
          {t('detail.dropped')} <strong>{st.dropped}</strong>
        </span>
        <span className="spacer" />
        <MuteButton muted={muted} onToggle={() => setMuted((m) => !m)} />
      </div>
    </div>
  );
}

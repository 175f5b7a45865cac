import { useRef } from 'react';
import { useT } from '../i18n';
import { useFlvPlayer } from '../lib/use-flv-player';

/** A muted live thumbnail of a stream; a placeholder when previews are off or video has not started. */
export function MiniPreview({ url, enabled, label }: { url: string | null; enabled: boolean; label: string }) {
  const t = useT();
  const ref = useRef<HTMLVideoElement>(null);
  const stats = useFlvPlayer(ref, enabled ? url : null);
  return (
    <div className="thumb">
      {enabled ? (
        <video ref={ref} className="thumb-video" muted playsInline autoPlay aria-label={label} data-testid="tile-preview" />
      ) : (
        <div className="thumb-placeholder">{t('tile.previewOff')}</div>
      )}
      {enabled && !stats.playing && <div className="thumb-overlay">{t('tile.waiting')}</div>}
    </div>
  );
}

import { useT } from '../i18n';

/** The players' sound toggle (they start muted so autoplay is allowed). */
export function MuteButton({ muted, onToggle }: { muted: boolean; onToggle: () => void }) {
  const t = useT();
  return (
    <button type="button" className="btn btn-small" onClick={onToggle} aria-pressed={!muted}>
      {muted ? t('detail.unmute') : t('detail.mute')}
    </button>
  );
}

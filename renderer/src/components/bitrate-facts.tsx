import { useT } from '../i18n';
import { formatBitrate } from '../lib/format';

/** The in / out bitrate pair of a stream's facts list (a fragment of <dl className="facts">). */
export function BitrateFacts({ bitrateIn, bitrateOut }: { bitrateIn: number; bitrateOut: number }) {
  const t = useT();
  return (
    <>
      <div>
        <dt>{t('tile.in')}</dt>
        <dd>{formatBitrate(bitrateIn)}</dd>
      </div>
      <div>
        <dt>{t('tile.out')}</dt>
        <dd>{formatBitrate(bitrateOut)}</dd>
      </div>
    </>
  );
}

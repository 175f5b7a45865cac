import type { DiskUsage } from '../../../core/contract';
import { useT } from '../i18n';
import { formatBytes } from '../lib/format';

/** Disk use of the recordings folder: recordings, everything else, free; a warning when space runs low. */
export function DiskBar({ disk }: { disk: DiskUsage }) {
  const t = useT();
  const total = Math.max(1, disk.total);
  const others = Math.max(0, disk.total - disk.free - disk.used);
  const pct = (n: number): string => `${Math.min(100, (n / total) * 100).toFixed(2)}%`;
  const summary = t('disk.summary', { used: formatBytes(disk.used), free: formatBytes(disk.free), total: formatBytes(disk.total) });
  const nearlyFull = !disk.low && disk.total > 0 && disk.free / disk.total < 0.1;
  return (
    <section className="card disk" aria-labelledby="disk-title" data-testid="disk-usage">
      <h3 id="disk-title" className="card-title">
        {t('disk.title')}
      </h3>
      <div
        className="disk-bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={disk.total}
        aria-valuenow={disk.total - disk.free}
        aria-valuetext={summary}
        aria-label={t('disk.title')}
      >
        <span className="disk-rec" style={{ width: pct(disk.used) }} />
        <span className="disk-other" style={{ width: pct(others) }} />
      </div>
      <p className="card-detail">
        <span className="key key-rec">{t('disk.recordings', { n: formatBytes(disk.used) })}</span>{' '}
        <span className="key key-other">{t('disk.others', { n: formatBytes(others) })}</span>{' '}
        <span className="key key-free">{t('disk.free', { n: formatBytes(disk.free) })}</span>
      </p>
      <p className="field-hint mono">{disk.folder}</p>
      {disk.low && (
        <p className="banner banner-error" role="alert" data-testid="disk-low">
          {t('disk.low', { free: formatBytes(disk.free) })}
        </p>
      )}
      {nearlyFull && (
        <p className="banner banner-warn" role="status">
          {t('disk.nearlyFull', { free: formatBytes(disk.free) })}
        </p>
      )}
    </section>
  );
}

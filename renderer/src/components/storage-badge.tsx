import type { StorageStatus, Upload } from '../../../core/contract';
import { useT } from '../i18n';

/** A recording's place in object storage: in bucket / uploading 45% / retrying (nothing when not uploaded). */
export function StorageBadge({ u }: { u: Upload | undefined }) {
  const t = useT();
  if (!u) return null;
  const pct = u.size > 0 ? Math.min(100, Math.round((u.bytes / u.size) * 100)) : 0;
  const [cls, text] =
    u.state === 'done' ? ['badge-good', t('storage.inBucket')]
      : u.state === 'uploading' ? ['badge-warn', t('storage.uploading', { pct })]
        : u.state === 'retrying' ? ['badge-bad', t('storage.retrying', { attempts: u.attempts })]
          : u.state === 'failed' ? ['badge-bad', t('storage.failed')]
            : u.state === 'verifying' ? ['badge-warn', t('storage.verifying')]
              : ['badge-warn', t('storage.queued')];
  return (
    <span className={`badge small ${cls}`} data-testid="recording-storage" data-state={u.state} title={u.error ?? u.key}>
      {text}
    </span>
  );
}

/** One line about the bucket: where it is, whether it answers, how much is stored and pending. */
export function BucketLine({ s }: { s: StorageStatus | null }) {
  const t = useT();
  if (!s?.enabled) return null;
  const pending = s.totals.queued + s.totals.uploading + s.totals.verifying + s.totals.retrying;
  return (
    <p className={`card notice${s.online === false ? ' field-error' : ''}`} data-testid="storage-bucket" title={s.last_error ?? ''}>
      {t('storage.bucket', { bucket: s.bucket ?? '', endpoint: s.endpoint ?? '' })}
      {s.online !== null && ` — ${t(s.online ? 'storage.online' : 'storage.offline')}`}
      {` · ${t('storage.counts', { done: s.totals.done, pending })}`}
    </p>
  );
}

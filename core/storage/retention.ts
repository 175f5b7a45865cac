import type { Logger } from 'pino';
import { STORAGE_KINDS } from '../contract/storage';
import type { UploadRow, UploadsRepo } from '../store/uploads-repo';
import type { ObjectStore } from './s3';

/**
 * Retention in the bucket: objects under <prefix><kind>/ last modified more than `days` ago are deleted, with
 * their upload rows (found by key); rows whose object is already gone go too. `expired` hears each deleted row
 * (the studio forgets a recording whose only copy was that object).
 */
export async function applyRetention(o: {
  store: ObjectStore; repo: UploadsRepo; prefix: string; days: number; log: Logger; now?: number; expired?: (row: UploadRow) => void;
}): Promise<{ deleted: number }> {
  if (!(o.days > 0)) return { deleted: 0 };
  const cutoff = (o.now ?? Date.now()) - o.days * 86_400_000;
  const gone: string[] = [];
  for (const kind of STORAGE_KINDS) {
    for await (const obj of o.store.list(`${o.prefix}${kind}/`)) {
      if (!obj.lastModified || obj.lastModified.getTime() >= cutoff) continue;
      await o.store.delete(obj.key);
      gone.push(obj.key);
    }
  }
  const rows = new Map<string, UploadRow>();
  for (let i = 0; i < gone.length; i += 500) for (const r of o.repo.byKeys(gone.slice(i, i + 500))) if (r.state === 'done') rows.set(r.id, r);
  for (const r of o.repo.doneBefore(cutoff)) {
    if (rows.has(r.id)) continue;
    // uploaded under another prefix (the setting changed since): its object goes by its own key
    await o.store.delete(r.key);
    gone.push(r.key);
    rows.set(r.id, r);
  }
  for (const r of rows.values()) {
    o.repo.delete(r.id);
    try {
      o.expired?.(r);
    } catch (e) {
      o.log.warn({ key: r.key, err: (e as Error).message }, 'object storage retention: could not forget what the object belonged to');
    }
  }
  if (gone.length || rows.size) o.log.info({ objects: gone.length, rows: rows.size, days: o.days }, 'object storage retention: old objects deleted');
  return { deleted: gone.length };
}

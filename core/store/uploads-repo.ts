import type BetterSqlite3 from 'better-sqlite3';
import type { StorageKind, StorageTotals, Upload, UploadState } from '../contract/storage';

/**
 * The object-storage upload queue (issue 15, core/storage), persisted so uploads resume after a restart.
 * `file` is the absolute local path (unique: one upload per file); the serving routes find a file that moved
 * to the bucket by it.
 */
export const UPLOADS_MIGRATION = `CREATE TABLE IF NOT EXISTS storage_uploads (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  ref TEXT,
  file TEXT NOT NULL,
  rel TEXT NOT NULL,
  key TEXT NOT NULL,
  state TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try_at INTEGER,
  error TEXT,
  etag TEXT,
  sha256 TEXT,
  content_type TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  uploaded_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS storage_uploads_file ON storage_uploads (file);
CREATE INDEX IF NOT EXISTS storage_uploads_key ON storage_uploads (key);
CREATE INDEX IF NOT EXISTS storage_uploads_state ON storage_uploads (state, next_try_at);`;

export interface UploadRow {
  id: string;
  kind: StorageKind;
  ref: string | null;
  file: string;
  rel: string;
  key: string;
  state: UploadState;
  size: number;
  bytes: number;
  attempts: number;
  next_try_at: number | null;
  error: string | null;
  etag: string | null;
  sha256: string | null;
  content_type: string | null;
  created_at: number;
  updated_at: number;
  uploaded_at: number | null;
}

export type UploadPatch = Partial<Pick<UploadRow, 'state' | 'size' | 'bytes' | 'attempts' | 'next_try_at' | 'error' | 'etag' | 'sha256' | 'uploaded_at'>>;

const PATCHABLE = ['state', 'size', 'bytes', 'attempts', 'next_try_at', 'error', 'etag', 'sha256', 'uploaded_at'] as const;

/** The contract's view of a row (the local path relative, no checksums). */
export function uploadView(r: UploadRow): Upload {
  return {
    id: r.id, kind: r.kind, ref: r.ref, file: r.rel, key: r.key, state: r.state, bytes: r.bytes, size: r.size,
    attempts: r.attempts, next_try_at: r.next_try_at, error: r.error, updated_at: r.updated_at,
  };
}

export class UploadsRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  /** A new upload, or the same file queued again (a finished one is replaced only when `replace`). */
  upsert(r: Omit<UploadRow, 'updated_at'>): UploadRow {
    this.db.prepare(`INSERT INTO storage_uploads (id, kind, ref, file, rel, key, state, size, bytes, attempts, next_try_at, error, etag, sha256, content_type, created_at, updated_at, uploaded_at)
      VALUES (@id, @kind, @ref, @file, @rel, @key, @state, @size, @bytes, @attempts, @next_try_at, @error, @etag, @sha256, @content_type, @created_at, @created_at, @uploaded_at)
      ON CONFLICT (file) DO UPDATE SET kind = excluded.kind, ref = excluded.ref, rel = excluded.rel, key = excluded.key, state = excluded.state,
        size = excluded.size, bytes = 0, attempts = 0, next_try_at = excluded.next_try_at, error = NULL, etag = NULL, sha256 = NULL,
        content_type = excluded.content_type, updated_at = excluded.updated_at, uploaded_at = NULL`).run(r);
    return this.byFile(r.file)!;
  }

  update(id: string, patch: UploadPatch, now = Date.now()): void {
    const keys = PATCHABLE.filter((k) => k in patch);
    const sql = `UPDATE storage_uploads SET ${[...keys.map((k) => `${k} = @${k}`), 'updated_at = @now'].join(', ')} WHERE id = @id`;
    this.db.prepare(sql).run({ ...patch, id, now });
  }

  get(id: string): UploadRow | undefined {
    return this.db.prepare('SELECT * FROM storage_uploads WHERE id = ?').get(id) as UploadRow | undefined;
  }

  byFile(file: string): UploadRow | undefined {
    return this.db.prepare('SELECT * FROM storage_uploads WHERE file = ?').get(file) as UploadRow | undefined;
  }

  /** unfinished first (oldest first), then the most recent others */
  list(o: { kind?: StorageKind; limit?: number } = {}): UploadRow[] {
    const where = o.kind ? 'WHERE kind = @kind' : '';
    return this.db.prepare(`SELECT * FROM storage_uploads ${where}
      ORDER BY CASE WHEN state IN ('done', 'failed') THEN 1 ELSE 0 END, CASE WHEN state IN ('done', 'failed') THEN -updated_at ELSE created_at END LIMIT @limit`)
      .all({ kind: o.kind ?? null, limit: o.limit ?? 500 }) as UploadRow[];
  }

  /** uploads a previous run did not finish, oldest first */
  unfinished(): UploadRow[] {
    return this.db.prepare("SELECT * FROM storage_uploads WHERE state IN ('queued', 'uploading', 'verifying', 'retrying') ORDER BY created_at").all() as UploadRow[];
  }

  /** the next upload (or object deletion) due at `now` (queued, retrying or deleting whose time has come), not one of `busy` */
  nextDue(now: number, busy: readonly string[]): UploadRow | undefined {
    const rows = this.db.prepare("SELECT * FROM storage_uploads WHERE state IN ('queued', 'retrying', 'deleting') AND COALESCE(next_try_at, 0) <= ? ORDER BY COALESCE(next_try_at, 0), created_at LIMIT ?")
      .all(now, busy.length + 1) as UploadRow[];
    return rows.find((r) => !busy.includes(r.id));
  }

  /** the earliest retry time still ahead */
  nextRetryAt(): number | null {
    const r = this.db.prepare("SELECT MIN(next_try_at) AS t FROM storage_uploads WHERE state IN ('queued', 'retrying', 'deleting') AND next_try_at IS NOT NULL").get() as { t: number | null };
    return r.t;
  }

  /** the uploads of one thing (a recording id, a job id, a DVR folder id) */
  byRef(kind: StorageKind, ref: string): UploadRow[] {
    return this.db.prepare('SELECT * FROM storage_uploads WHERE kind = ? AND ref = ?').all(kind, ref) as UploadRow[];
  }

  byKeys(keys: readonly string[]): UploadRow[] {
    if (!keys.length) return [];
    return this.db.prepare(`SELECT * FROM storage_uploads WHERE key IN (${keys.map(() => '?').join(', ')})`).all(...keys) as UploadRow[];
  }

  /** finished uploads older than `before` (retention of rows whose object is already gone) */
  doneBefore(before: number): UploadRow[] {
    return this.db.prepare("SELECT * FROM storage_uploads WHERE state = 'done' AND uploaded_at < ?").all(before) as UploadRow[];
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM storage_uploads WHERE id = ?').run(id);
  }

  totals(): StorageTotals {
    const t: StorageTotals = { queued: 0, uploading: 0, verifying: 0, done: 0, failed: 0, retrying: 0, deleting: 0, stored_bytes: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n, SUM(size) AS bytes FROM storage_uploads GROUP BY state').all() as Array<{ state: UploadState; n: number; bytes: number | null }>) {
      if (r.state in t) t[r.state] = r.n;
      if (r.state === 'done') t.stored_bytes = r.bytes ?? 0;
    }
    return t;
  }
}

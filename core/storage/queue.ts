import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { StorageKind } from '../contract/storage';
import type { UploadRow, UploadsRepo } from '../store/uploads-repo';
import { digestFile, etagMatches } from './digest';
import type { ObjectStore } from './s3';

/** Capped exponential backoff: 1 s, 2 s, 4 s … at most 5 min (a bucket outage never ends the retries). */
export function backoffMs(attempts: number, baseMs = 1000, capMs = 300_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

const TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4', '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.m4s': 'video/iso.segment',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.mpd': 'application/dash+xml',
};
export const contentTypeOf = (file: string): string => TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

export interface QueueEvents {
  /** an upload's row changed (state, progress) */
  changed: [UploadRow];
}

export interface QueueDeps {
  repo: () => UploadsRepo | null;
  store: () => ObjectStore | null;
  log: Logger;
  /** uploads at a time */
  concurrency?: number;
}

class Stopped extends Error {}

/**
 * The upload queue: rows in the store (so a restart resumes them), at most `concurrency` uploads at a time.
 * One upload: digest the local file → upload (multipart past part_size_mb) → HeadObject: size and ETag must name
 * the same bytes → only then the local file is deleted. Any failure keeps the local file and retries with capped
 * backoff; only a local file that is gone ends an upload as 'failed'.
 *
 * Resuming after a restart re-sends the object from the local file (lib-storage cannot continue another
 * process's multipart upload, and s3rver has no ListParts); parts a dead run left behind are aborted first where
 * the service lists them (AWS, MinIO).
 *
 * Deletes (remove()) go through the same rows and slots: a 'deleting' row is due like a queued one, and a delete
 * the bucket refused is retried with the same backoff.
 */
export class UploadQueue extends EventEmitter<QueueEvents> {
  private readonly running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(private readonly deps: QueueDeps) {
    super();
  }

  /** Queue a file (again). Its row is written before anything is sent, so a crash right after still uploads it. */
  enqueue(o: { kind: StorageKind; ref: string | null; file: string; rel: string; key: string; holdMs?: number }): UploadRow | null {
    const repo = this.deps.repo();
    if (!repo) return null;
    const file = path.resolve(o.file);
    const cur = repo.byFile(file);
    // already on its way; a pending delete of the same file is replaced (the new upload overwrites its key)
    if (cur && cur.state !== 'done' && cur.state !== 'failed' && cur.state !== 'deleting') return cur;
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {}
    const row = repo.upsert({
      id: cur?.id ?? randomUUID().slice(0, 12), kind: o.kind, ref: o.ref, file, rel: o.rel, key: o.key, state: 'queued', size, bytes: 0, attempts: 0,
      // held: another reader of the file (a thumbnail) goes first; release() or the hold's end lets it go
      next_try_at: o.holdMs ? Date.now() + o.holdMs : null, error: null, etag: null, sha256: null, content_type: contentTypeOf(file), created_at: Date.now(), uploaded_at: null,
    });
    this.emit('changed', row);
    this.pump();
    return row;
  }

  /** A held upload may start now. */
  release(id: string): void {
    const repo = this.deps.repo();
    const r = repo?.get(id);
    if (!repo || !r || r.state !== 'queued') return;
    repo.update(id, { next_try_at: null });
    this.pump();
  }

  /**
   * What these uploads belong to was deleted: their objects leave the bucket too. Each row becomes 'deleting'
   * (persisted, so a bucket that is down or a restart only delays the delete, retried with the same backoff);
   * an upload in flight is aborted first — its object is deleted once that upload has ended.
   */
  remove(ids: readonly string[]): void {
    const repo = this.deps.repo();
    if (!repo) return;
    for (const id of ids) {
      if (!repo.get(id)) continue;
      this.set(repo, id, { state: 'deleting', bytes: 0, attempts: 0, next_try_at: null, error: null });
      this.running.get(id)?.ctl.abort();
    }
    this.pump();
  }

  /** Re-queue what a previous run left unfinished, then start uploading. */
  start(): number {
    this.started = true;
    const repo = this.deps.repo();
    if (!repo) return 0;
    const left = repo.unfinished();
    for (const r of left) if (r.state === 'uploading' || r.state === 'verifying') repo.update(r.id, { state: 'queued', bytes: 0, next_try_at: null });
    if (left.length) this.deps.log.info({ uploads: left.length }, 'object storage: resuming uploads a previous run did not finish');
    this.pump();
    return left.length;
  }

  /** Abort the uploads in flight (their rows stay unfinished: the next start resumes them). */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const r of this.running.values()) r.ctl.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Start what is due; wake up again for the earliest retry. */
  pump(): void {
    if (!this.started) return;
    const repo = this.deps.repo();
    const store = this.deps.store();
    if (!repo || !store) return;
    const limit = this.deps.concurrency ?? 2;
    while (this.running.size < limit) {
      const next = repo.nextDue(Date.now(), [...this.running.keys()]);
      if (!next) break;
      const ctl = new AbortController();
      const done = this.run(repo, store, next, ctl.signal).finally(() => {
        this.running.delete(next.id);
        this.pump();
      });
      this.running.set(next.id, { ctl, done });
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const at = repo.nextRetryAt();
    if (at !== null && this.running.size < limit) {
      this.timer = setTimeout(() => this.pump(), Math.max(50, at - Date.now()));
      this.timer.unref();
    }
  }

  private set(repo: UploadsRepo, id: string, patch: Parameters<UploadsRepo['update']>[1]): UploadRow | null {
    repo.update(id, patch);
    const row = repo.get(id);
    if (row) this.emit('changed', row);
    return row ?? null;
  }

  private async run(repo: UploadsRepo, store: ObjectStore, row: UploadRow, signal: AbortSignal): Promise<void> {
    if (row.state === 'deleting') return this.runDelete(repo, store, row, signal);
    const check = (): void => {
      if (signal.aborted) throw new Stopped();
    };
    try {
      this.set(repo, row.id, { state: 'uploading', bytes: 0, error: null, next_try_at: null });
      let digest;
      try {
        digest = await digestFile(row.file, store.s.part_size_mb * 1024 * 1024, signal);
      } catch (e) {
        // (aborted for a delete: the file is gone because its recording was deleted; the row is 'deleting')
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !signal.aborted) {
          this.set(repo, row.id, { state: 'failed', error: 'the local file is gone; nothing to upload' });
          return;
        }
        throw e;
      }
      check();
      this.set(repo, row.id, { size: digest.size, sha256: digest.sha256 });
      if (row.attempts > 0 || row.bytes > 0) await store.abortStale(row.key);
      let lastSaved = 0;
      await store.put(row.file, row.key, {
        contentType: row.content_type ?? contentTypeOf(row.file), sha256: digest.sha256, signal,
        onProgress: (bytes) => {
          // progress is saved (and announced) at most every 250 ms
          if (Date.now() - lastSaved < 250) return;
          lastSaved = Date.now();
          this.set(repo, row.id, { bytes: Math.min(bytes, digest.size) });
        },
      });
      check();
      this.set(repo, row.id, { state: 'verifying', bytes: digest.size });
      const head = await store.head(row.key);
      if (head.size !== digest.size) throw new Error(`verify: the bucket holds ${head.size ?? '?'} bytes, the file has ${digest.size}`);
      if (!etagMatches(head.etag, digest)) throw new Error(`verify: ETag ${head.etag ?? '(none)'} does not match the file's MD5`);
      // the file must still be the one that was hashed (a writer may have appended meanwhile)
      const st = statSync(row.file);
      if (st.size !== digest.size || st.mtimeMs !== digest.mtimeMs) throw new Error('the local file changed during the upload; sending it again');
      check();
      this.set(repo, row.id, { state: 'done', etag: head.etag ?? null, uploaded_at: Date.now(), error: null, next_try_at: null });
      rmSync(row.file, { force: true });
      this.deps.log.info({ kind: row.kind, key: row.key, bytes: digest.size }, 'object storage: uploaded and verified; local copy removed');
    } catch (e) {
      if (e instanceof Stopped || signal.aborted) return; // stopping: the row stays unfinished and resumes
      const attempts = (repo.get(row.id)?.attempts ?? row.attempts) + 1;
      const wait = backoffMs(attempts);
      const msg = store.redact((e as Error).message || String(e));
      this.set(repo, row.id, { state: 'retrying', attempts, next_try_at: Date.now() + wait, error: msg });
      this.deps.log.warn({ kind: row.kind, key: row.key, attempts, retry_in_ms: wait, err: msg }, 'object storage: upload failed; the local file is kept and the upload retried');
    }
  }

  /** A 'deleting' row: its object (and any multipart upload left for its key) leaves the bucket, then the row goes. */
  private async runDelete(repo: UploadsRepo, store: ObjectStore, row: UploadRow, signal: AbortSignal): Promise<void> {
    try {
      // never verified: parts of an unfinished multipart upload may be left (AWS, MinIO; best effort)
      if (row.uploaded_at === null) await store.abortStale(row.key);
      await store.delete(row.key); // S3 answers 204 for a key that is not there
      // re-queued for upload meanwhile (the same file again): that row is no longer ours to drop
      if (repo.get(row.id)?.state !== 'deleting') return;
      repo.delete(row.id);
      this.emit('changed', { ...row, bytes: 0, updated_at: Date.now() });
      this.deps.log.info({ kind: row.kind, ref: row.ref, key: row.key }, 'object storage: object deleted (what it belonged to was deleted)');
    } catch (e) {
      if (signal.aborted) return; // stopping: the row stays 'deleting' and the next start deletes again
      const attempts = (repo.get(row.id)?.attempts ?? row.attempts) + 1;
      const wait = backoffMs(attempts);
      const msg = store.redact((e as Error).message || String(e));
      if (repo.get(row.id)?.state === 'deleting') this.set(repo, row.id, { attempts, next_try_at: Date.now() + wait, error: msg });
      this.deps.log.warn({ kind: row.kind, key: row.key, attempts, retry_in_ms: wait, err: msg }, 'object storage: could not delete an object; retried');
    }
  }
}

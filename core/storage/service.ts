import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import { mediaRoot, type OnAirConfig } from '../config';
import type { Job } from '../contract/jobs';
import type { Recording } from '../contract/recordings';
import type { StorageKind, StorageStatus, StorageTotals } from '../contract/storage';
import type { EventData } from '../contract';
import { uploadView, UploadsRepo, type UploadRow } from '../store/uploads-repo';
import { UploadQueue } from './queue';
import { applyRetention } from './retention';
import { keyPrefix, ObjectStore, publicEndpoint, type S3Settings } from './s3';
import { serveStored } from './serve';

export interface StorageDeps {
  config: () => OnAirConfig;
  db: () => BetterSqlite3.Database | null;
  log: Logger;
  /** where live recordings are written (keys are relative to it) */
  recordingsFolder: () => string;
  /** resolves when the studio's own readers of a finished recording (its thumbnail) are done with the file */
  recordingSettled?: (r: Recording) => Promise<void>;
  /** retention deleted the object of this upload and no local copy is left (the studio forgets such a recording) */
  expired?: (row: UploadRow) => void;
}

const HOUR = 3_600_000;
const NO_UPLOADS: StorageTotals = { queued: 0, uploading: 0, verifying: 0, done: 0, failed: 0, retrying: 0, deleting: 0, stored_bytes: 0 };
/** a finished recording waits at most this long for its thumbnail before its upload may start */
const HOLD_MS = 30_000;

const inside = (root: string, file: string): string | null => {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : null;
};

/** the files of an output folder (recursively; no dot files, no work folders) */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesOf(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * Object storage (issue 15): finished recordings, DVR events and VOD outputs go to the `storage.s3` bucket through
 * the persisted upload queue; files that moved there are served by redirect or proxy; retention applies there.
 * Without `storage.s3` it does nothing (and answers status { enabled: false }).
 */
export class StorageService extends EventEmitter<{ changed: [EventData<'storage.changed'>] }> {
  readonly queue: UploadQueue;
  private store: ObjectStore | null = null;
  private storeOf = '';
  private repoOf: { db: BetterSqlite3.Database; repo: UploadsRepo } | null = null;
  private pending = new Map<string, UploadRow>();
  private flushTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: StorageDeps) {
    super();
    this.queue = new UploadQueue({ repo: () => this.repo(), store: () => this.objects(), log: deps.log });
    this.queue.on('changed', (r) => this.changed(r));
  }

  settings(): S3Settings | null {
    return this.deps.config().storage.s3 ?? null;
  }

  /** the bucket client for the settings in force (made again when they change) */
  objects(): ObjectStore | null {
    const s = this.settings();
    const id = s ? JSON.stringify(s) : '';
    if (id !== this.storeOf) {
      this.store?.close();
      this.store = s ? new ObjectStore(s) : null;
      this.storeOf = id;
    }
    return this.store;
  }

  repo(): UploadsRepo | null {
    const db = this.deps.db();
    if (!db) return null;
    if (this.repoOf?.db !== db) this.repoOf = { db, repo: new UploadsRepo(db) };
    return this.repoOf.repo;
  }

  private wants(kind: StorageKind): S3Settings | null {
    const s = this.settings();
    return s && s.kinds.includes(kind) ? s : null;
  }

  private enqueue(kind: StorageKind, ref: string, file: string, rel: string, holdMs?: number): UploadRow | null {
    const s = this.settings();
    if (!s) return null;
    return this.queue.enqueue({ kind, ref, file, rel, key: `${keyPrefix(s)}${kind}/${rel}`, holdMs });
  }

  /** a recording ended: its MP4 goes once the thumbnail has been made from it */
  onRecordingStopped(r: Recording): void {
    if (!this.wants('recordings') || r.size === 0 || !existsSync(r.file)) return;
    const c = this.deps.config();
    const rel = inside(this.deps.recordingsFolder(), r.file) ?? inside(mediaRoot(c), r.file) ?? `${r.id}/${path.basename(r.file)}`;
    const row = this.enqueue('recordings', r.id, r.file, rel, HOLD_MS);
    if (!row) return;
    // after the current turn: the recorder registers the thumbnail it makes right after announcing the stop
    void Promise.resolve().then(() => this.deps.recordingSettled?.(r)).catch(() => {}).then(() => this.queue.release(row.id));
  }

  /**
   * A recording was deleted (panel, API, record retention): the objects of its file and its thumbnail leave the
   * bucket and their rows go; an upload of it in flight is aborted first. The bucket being down only delays that
   * (the rows stay 'deleting' and are retried); the local delete has already happened.
   */
  onRecordingDeleted(r: Recording): void {
    const repo = this.repo();
    if (!repo) return;
    const ids = new Set(repo.byRef('recordings', r.id).map((u) => u.id));
    for (const f of [r.file, r.thumbnail]) {
      const u = f ? repo.byFile(path.resolve(f)) : undefined;
      if (u) ids.add(u.id);
    }
    if (!ids.size) return;
    this.deps.log.info({ id: r.id, objects: ids.size }, 'object storage: deleting the objects of a deleted recording');
    this.queue.remove([...ids]);
  }

  /** a transcode finished: every file of its output folder (an HLS output is many) under the job's prefix */
  onJobDone(job: Job): void {
    const dir = job.result?.dir;
    if (!this.wants('vod') || !dir || !existsSync(dir)) return;
    const root = mediaRoot(this.deps.config());
    for (const f of filesOf(dir)) this.enqueue('vod', job.id, f, inside(root, f) ?? `${job.id}/${inside(dir, f) ?? path.basename(f)}`);
  }

  /** a DVR event is over (its playlist has ENDLIST): its segments and playlist */
  onDvrEnded(dir: string, id: string): void {
    if (!this.wants('dvr')) return;
    let playlist: string;
    try {
      playlist = readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
    } catch {
      return; // no playlist: nothing to upload
    }
    if (!playlist.includes('#EXT-X-ENDLIST')) return;
    const root = mediaRoot(this.deps.config());
    for (const f of filesOf(dir)) this.enqueue('dvr', id, f, inside(root, f) ?? `${id}/${path.basename(f)}`);
  }

  /**
   * A route's local file is missing: when it moved to the bucket, answer from there and return true (the route
   * has already passed its auth gate); false = not ours (the route answers 404 as before).
   */
  serveMissing(file: string, req: IncomingMessage, res: ServerResponse, suffix = ''): boolean {
    const store = this.objects();
    const repo = this.repo();
    if (!store || !repo) return false;
    let row = repo.byFile(path.resolve(file));
    if (!row) {
      try {
        // the route's path may go through a symlinked root; uploads are keyed by the path they were queued with
        row = repo.byFile(path.join(realpathSync(path.dirname(file)), path.basename(file)));
      } catch {}
    }
    if (!row || row.state !== 'done' || existsSync(row.file)) return false;
    void serveStored(store, row, req, res, suffix);
    return true;
  }

  status(o: { kind?: StorageKind; limit?: number } = {}): StorageStatus {
    const s = this.settings();
    const repo = this.repo();
    const store = this.objects();
    return {
      enabled: !!s, endpoint: s ? publicEndpoint(s.endpoint) : null, bucket: s?.bucket ?? null, prefix: s ? keyPrefix(s) : '',
      serve: s?.serve ?? 'redirect', kinds: s?.kinds ?? [], retention_days: s?.retention_days ?? 0,
      online: store?.online ?? null, last_error: store?.lastError ?? null,
      uploads: repo ? repo.list(o).map(uploadView) : [],
      totals: repo?.totals() ?? { ...NO_UPLOADS },
    };
  }

  /** Retention now (also at start and hourly). */
  async retention(now = Date.now()): Promise<{ deleted: number }> {
    const s = this.settings();
    const store = this.objects();
    const repo = this.repo();
    if (!s || !store || !repo || !(s.retention_days > 0)) return { deleted: 0 };
    // only what lived in the bucket alone is forgotten (a local copy keeps its owner's row)
    const expired = (r: UploadRow): void => {
      if (!existsSync(r.file)) this.deps.expired?.(r);
    };
    return applyRetention({ store, repo, prefix: keyPrefix(s), days: s.retention_days, log: this.deps.log, now, expired });
  }

  private runRetention(): void {
    this.retention().catch((e: Error) => this.deps.log.warn({ err: this.store?.redact(e.message) ?? 'error' }, 'object storage retention failed; tried again in an hour'));
  }

  start(): void {
    if (!this.settings()) return;
    const s = this.settings()!;
    this.deps.log.info({ endpoint: publicEndpoint(s.endpoint), bucket: s.bucket, prefix: keyPrefix(s), kinds: s.kinds }, 'object storage on');
    this.queue.start();
    this.runRetention();
    this.retentionTimer = setInterval(() => this.runRetention(), HOUR);
    this.retentionTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    await this.queue.stop();
    this.flush();
    this.store?.close();
    this.store = null;
    this.storeOf = '';
  }

  /** storage.changed at most every 500 ms, with the rows that changed meanwhile */
  private changed(r: UploadRow): void {
    this.pending.set(r.id, r);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), 500);
    this.flushTimer.unref();
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.size) return;
    const changed = [...this.pending.values()].map(uploadView);
    this.pending.clear();
    const repo = this.repo();
    this.emit('changed', { at: Date.now(), online: this.store?.online ?? null, totals: repo?.totals() ?? { ...NO_UPLOADS }, changed });
  }
}

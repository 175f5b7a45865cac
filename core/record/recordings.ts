import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { mediaRoot, type OnAirConfig } from '../config';
import type { DiskUsage, Recording } from '../contract/recordings';
import { OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import type { RecordingsRepo } from '../store/recordings-repo';
import { finalizeFmp4 } from './finalize';
import { Recorder } from './recorder';

export interface RecordingEvents {
  'recording.started': [Recording];
  'recording.stopped': [Recording];
  'recording.failed': [Recording];
  /** deleted (panel, API, retention) after its local files went: object storage removes its copies too */
  'recording.deleted': [Recording];
}

export interface RecordingDeps {
  config: () => OnAirConfig;
  registry: StreamRegistry;
  log: Logger;
  /** make a thumbnail JPEG next to the file (may fail quietly) */
  thumbnail?: (file: string, out: string) => Promise<boolean>;
}

/** How a recording is made; the defaults are the panel's (one recording per stream, in record.folder). */
export interface StartOptions {
  /** the recording's id (default: a random one) */
  id?: string;
  /** where the MP4 goes (default: <record folder>/<app>/<name>/<time>-<id>.mp4) */
  file?: string;
  /** end by itself after this much media time */
  maxDurationMs?: number;
  /** false: may run next to other recordings of the same stream (seed-000 /recording) */
  exclusive?: boolean;
}

const stamp = (d: Date): string => d.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');

/**
 * Recordings of live streams: start/stop from the UI or the API, automatic for configured apps
 * (and Node-Media-Server `trans.tasks` with mp4: true), an index in the SQLite store, retention.
 */
export class RecordingManager extends EventEmitter<RecordingEvents> {
  private readonly active = new Map<string, { rec: Recorder; stream: Stream; row: Recording; lastSave: number; exclusive: boolean }>();
  private repo: RecordingsRepo | null = null;
  private readonly thumbnails = new Set<Promise<void>>();

  constructor(private readonly deps: RecordingDeps) {
    super();
    deps.registry.on('published', (s) => this.onPublished(s));
  }

  /**
   * Attach the index. Recordings a dead process left behind become 'interrupted' and are finalized: a torn
   * last fragment is cut off and their size and duration are measured from the file (it plays to its end).
   */
  attach(repo: RecordingsRepo): void {
    this.repo = repo;
    for (const r of repo.markInterrupted(Date.now())) {
      let size = r.size;
      let durationMs = r.durationMs;
      try {
        const f = finalizeFmp4(r.file);
        size = f.size;
        durationMs = f.durationMs;
      } catch {
        try {
          size = statSync(r.file).size;
        } catch {}
      }
      repo.update(r.id, { size, durationMs, error: 'the app stopped while recording; the file plays up to its last fragment' });
      this.deps.log.warn({ id: r.id, path: r.stream, bytes: size, ms: durationMs }, 'recording interrupted by a crash was finalized');
    }
    this.prune();
  }

  /** Called once when any recording ends (done or failed). */
  onEnded(fn: (r: Recording) => void): void {
    this.on('recording.stopped', fn);
    this.on('recording.failed', fn);
  }

  folder(): string {
    const c = this.deps.config();
    return c.record.folder ? path.resolve(c.record.folder) : path.join(mediaRoot(c), 'recordings');
  }

  private autoFor(app: string): boolean {
    const c = this.deps.config();
    if (c.record.auto_apps.includes(app)) return true;
    return c.trans?.tasks.some((t) => t.app === app && t.mp4 === true) ?? false;
  }

  private onPublished(s: Stream): void {
    if (!this.autoFor(s.app) || !this.repo) return;
    try {
      this.start(s.path);
    } catch (e) {
      this.deps.log.warn({ path: s.path, err: (e as Error).message }, 'automatic recording did not start');
    }
  }

  private requireRepo(): RecordingsRepo {
    if (!this.repo) throw new OnAirError('INTERNAL', 'the recordings index is not open (is the data folder writable?)');
    return this.repo;
  }

  start(streamPath: string, o: StartOptions = {}): Recording {
    const repo = this.requireRepo();
    const stream = this.deps.registry.get(streamPath);
    if (!stream?.publisher) throw new OnAirError('NOT_FOUND', `${streamPath} is not live`);
    if (o.exclusive !== false) {
      for (const a of this.active.values()) if (a.stream.path === streamPath && a.exclusive) throw new OnAirError('CONFLICT', `${streamPath} is already being recorded`);
    }
    const disk = this.disk();
    if (disk.low) throw new OnAirError('IO', `only ${Math.round(disk.free / 1048576)} MB free in ${disk.folder}; free some space or lower record.min_free_mb`);
    const id = o.id ?? randomUUID().slice(0, 12);
    if (this.active.has(id) || repo.get(id)) throw new OnAirError('CONFLICT', `recording ${id} exists`);
    const started = new Date();
    const file = o.file ?? path.join(this.folder(), stream.app, stream.name, `${stamp(started)}-${id}.mp4`);
    const v = stream.videoInfo;
    const a = stream.audioInfo;
    const row: Recording = {
      id, stream: streamPath, file, status: 'recording', startedAt: started.getTime(), endedAt: null, durationMs: 0, size: 0,
      video: v ? `${v.codec} ${v.width}x${v.height}` : null, audio: a ? `${a.codec} ${a.samplerate} Hz ${a.channels} ch` : null, error: null, thumbnail: null,
    };
    repo.insert(row);
    const rec = new Recorder(id, file, {
      onProgress: (bytes, dur) => this.progress(id, bytes, dur),
      onFailed: (reason) => this.finish(id, 'failed', reason),
      onClosed: () => this.finish(id, 'done', null),
    }, o.maxDurationMs ?? null);
    this.active.set(id, { rec, stream, row, lastSave: Date.now(), exclusive: o.exclusive !== false });
    stream.addSubscriber(rec);
    this.deps.log.info({ id, path: streamPath, file }, 'recording started');
    this.emit('recording.started', row);
    return row;
  }

  private progress(id: string, bytes: number, durationMs: number): void {
    const a = this.active.get(id);
    if (!a) return;
    a.row = { ...a.row, size: bytes, durationMs };
    if (Date.now() - a.lastSave > 5000) {
      a.lastSave = Date.now();
      this.repo?.update(id, { size: bytes, durationMs });
    }
  }

  private finish(id: string, status: 'done' | 'failed', error: string | null): void {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    a.stream.removeSubscriber(a.rec);
    let size = a.rec.bytes;
    try {
      size = statSync(a.row.file).size;
    } catch {}
    const row: Recording = { ...a.row, status, error, endedAt: Date.now(), size, durationMs: a.rec.durationMs };
    this.repo?.update(id, { status, error, endedAt: row.endedAt, size, durationMs: row.durationMs });
    if (status === 'failed') {
      this.deps.log.warn({ id, path: row.stream, reason: error }, 'recording failed');
      this.emit('recording.failed', row);
      return;
    }
    this.deps.log.info({ id, path: row.stream, bytes: size, ms: row.durationMs }, 'recording stopped');
    this.emit('recording.stopped', row);
    const thumb = this.makeThumbnail(row).finally(() => this.thumbnails.delete(thumb));
    this.thumbnails.add(thumb);
    this.prune();
  }

  private async makeThumbnail(row: Recording): Promise<void> {
    if (!this.deps.thumbnail || row.size === 0) return;
    const out = row.file.replace(/\.mp4$/, '.jpg');
    const ok = await this.deps.thumbnail(row.file, out).catch(() => false);
    if (ok) {
      try {
        this.repo?.update(row.id, { thumbnail: out });
      } catch {}
    }
    else this.deps.log.warn({ id: row.id, file: row.file }, 'could not make a thumbnail for the recording');
  }

  /**
   * Stop a recording and answer its final state ('done' with its duration and size) once the recorder has
   * written and closed the file — at most `waitMs` later (then: as it is at that moment).
   */
  async stop(id: string, waitMs = 5000): Promise<Recording> {
    const a = this.active.get(id);
    if (!a) {
      const r = this.requireRepo().get(id);
      if (!r) throw new OnAirError('NOT_FOUND', `no recording ${id}`);
      return r;
    }
    let final: Recording | null = null;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('recording.stopped', onEnd);
        this.off('recording.failed', onEnd);
        resolve();
      };
      const onEnd = (r: Recording): void => {
        if (r.id !== id) return;
        final = r;
        done();
      };
      const timer = setTimeout(done, waitMs);
      this.on('recording.stopped', onEnd);
      this.on('recording.failed', onEnd);
      a.rec.end('stopped by user');
    });
    // the row as it ended (retention may already have deleted it), or as it is now when the wait ran out
    return final ?? this.get(id);
  }

  list(): Recording[] {
    const rows = this.requireRepo().list();
    return rows.map((r) => {
      const a = this.active.get(r.id);
      return a ? { ...r, size: a.rec.bytes, durationMs: a.rec.durationMs } : r;
    });
  }

  get(id: string): Recording {
    const r = this.list().find((x) => x.id === id);
    if (!r) throw new OnAirError('NOT_FOUND', `no recording ${id}`);
    return r;
  }

  delete(id: string): void {
    const r = this.get(id);
    if (this.active.has(id)) throw new OnAirError('CONFLICT', 'stop the recording before deleting it');
    rmSync(r.file, { force: true });
    if (r.thumbnail) rmSync(r.thumbnail, { force: true });
    this.requireRepo().delete(id);
    this.emit('recording.deleted', r);
  }

  /** the bytes a finished recording takes on the local disk (0 once it lives only in object storage) */
  private localSize(r: Recording): number {
    return this.active.has(r.id) || existsSync(r.file) ? r.size : 0;
  }

  disk(): DiskUsage {
    const folder = this.folder();
    let probe = folder;
    while (true) {
      try {
        statSync(probe);
        break;
      } catch {
        const up = path.dirname(probe);
        if (up === probe) break;
        probe = up;
      }
    }
    let free = 0;
    let total = 0;
    try {
      const st = statfsSync(probe);
      free = st.bavail * st.bsize;
      total = st.blocks * st.bsize;
    } catch {}
    const used = this.repo ? this.list().reduce((n, r) => n + this.localSize(r), 0) : 0;
    return { used, free, total, low: free < this.deps.config().record.min_free_mb * 1048576, folder };
  }

  /** Retention: drop finished recordings past max_age_days, then the oldest while over max_total_mb. */
  prune(now = Date.now()): string[] {
    if (!this.repo) return [];
    const { max_age_days, max_total_mb } = this.deps.config().record;
    const gone: string[] = [];
    const finished = this.repo.list().filter((r) => !this.active.has(r.id)).sort((a, b) => a.startedAt - b.startedAt);
    if (max_age_days > 0) {
      for (const r of finished) if (now - r.startedAt > max_age_days * 86_400_000) gone.push(r.id);
    }
    if (max_total_mb > 0) {
      // the local disk only: a recording that lives in object storage alone takes none of it (and is not pruned for it)
      let total = this.repo.list().reduce((n, r) => n + this.localSize(r), 0);
      for (const r of finished) {
        if (total <= max_total_mb * 1048576) break;
        const local = this.localSize(r);
        if (local === 0) continue;
        if (!gone.includes(r.id)) gone.push(r.id);
        total -= local;
      }
    }
    for (const id of gone) {
      try {
        this.delete(id);
      } catch (e) {
        this.deps.log.warn({ id, err: (e as Error).message }, 'retention could not delete a recording');
      }
    }
    if (gone.length) this.deps.log.info({ deleted: gone.length }, 'recordings pruned by retention');
    return gone;
  }

  /** Resolves when the thumbnails being made from ended recordings are done (object storage waits before moving a file). */
  async settled(): Promise<void> {
    await Promise.all([...this.thumbnails]);
  }

  /** Stop every active recording (shutdown). */
  async close(): Promise<void> {
    const waits = [...this.active.values()].map(
      (a) =>
        new Promise<void>((resolve) => {
          const done = (r: Recording): void => {
            if (r.id === a.row.id) resolve();
          };
          this.on('recording.stopped', done);
          this.on('recording.failed', done);
          a.rec.end('server stopping');
          setTimeout(resolve, 3000).unref();
        }),
    );
    await Promise.all(waits);
    // thumbnails of the recordings that just ended: their ffmpeg must not outlive the studio
    await Promise.all([...this.thumbnails]);
  }
}

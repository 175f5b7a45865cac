import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { JobProgressSchema, TranscodeResultSchema, type Job, type JobProgress } from '../contract/jobs';
import type { JobsRepo } from '../store/jobs-repo';
import { CANCELLED_REASON } from './bull-common';
import type { QueueEvents } from './queue-port';

const FINAL = new Set(['done', 'failed', 'cancelled']);

export interface MirrorDeps {
  repo: JobsRepo;
  log: Logger;
  events: EventEmitter<QueueEvents>;
  /** called once when a job reaches done / cancelled / final failure */
  settled: (job: Job) => void;
  /** ids the studio asked to cancel while a worker held them */
  cancelling: ReadonlySet<string>;
}

/**
 * How a job ended on a worker (BullMQ's completed / failed, or what a reconcile read from Redis; a reconcile also
 * knows the worker — BullMQ's processedBy — of a job whose 'active' the studio never heard).
 */
export type Outcome = ({ kind: 'done'; result: unknown } | { kind: 'failed'; reason: string }) & { worker?: string | null };

/**
 * The studio's record (the SQLite jobs table the panel reads) follows what BullMQ says happened on the workers.
 * Each method is one BullMQ event; they are called in stream order (BullQueue serializes them).
 */
export class BullMirror {
  private readonly lastEmit = new Map<string, { at: number; saved: number; stage: string }>();

  constructor(private readonly d: MirrorDeps) {}

  /** a live job of ours (not finished, known to this studio), or null */
  private live(id: string): Job | null {
    const j = this.d.repo.get(id);
    return j && !FINAL.has(j.status) ? j : null;
  }

  /** a worker took the job: `worker` (BullMQ's processedBy) is recorded as the job's worker (null: unreadable) */
  active(id: string, attemptsStarted: number | null, worker: string | null): void {
    const j = this.live(id);
    if (!j) return;
    const s = this.d.repo.update(id, { status: 'running', worker, attempts: attemptsStarted ?? j.attempts + 1, started_at: Date.now(), progress: null, error: null, finished_at: null, run_after: 0 });
    this.d.log.info({ job: id, worker, attempt: s.attempts }, 'job started on a worker');
    this.d.events.emit('job.started', s);
  }

  progress(id: string, data: unknown): void {
    const p = JobProgressSchema.safeParse(data);
    if (!p.success || !this.live(id)) return;
    const now = Date.now();
    const last = this.lastEmit.get(id) ?? { at: 0, saved: 0, stage: '' };
    const stageChanged = p.data.stage !== last.stage;
    // the same throttle as the SQLite queue: events at most every 200 ms, the row at most every second
    if (stageChanged || now - last.at >= 200) {
      last.at = now;
      this.d.events.emit('job.progress', { id, progress: p.data });
    }
    if (stageChanged || now - last.saved >= 1000) {
      last.saved = now;
      this.d.repo.update(id, { progress: p.data });
    }
    last.stage = p.data.stage;
    this.lastEmit.set(id, last);
  }

  /** a failed attempt that BullMQ will run again at `retryAt` */
  retrying(id: string, reason: string, retryAt: number): void {
    const j = this.live(id);
    if (!j) return;
    const q = this.d.repo.update(id, { status: 'queued', error: reason, run_after: retryAt, progress: null });
    this.d.log.warn({ job: id, err: reason, retryAt }, 'job failed on a worker; will retry');
    this.d.events.emit('job.failed', { job: q, will_retry: true, retry_at: retryAt });
  }

  /**
   * Back to waiting without a failure: its worker died (BullMQ emits 'waiting' then 'stalled': the second one
   * refines the note) or handed it back on SIGTERM ('waiting' only).
   */
  requeued(id: string, why: string): void {
    const j = this.live(id);
    if (!j) return;
    // the job's row names the worker that took it (active): the one that stalled or handed it back
    const worker = j.worker ?? 'a worker';
    const q = this.d.repo.update(id, { status: 'queued', progress: null, note: `re-queued: ${worker} ${why} (${new Date().toISOString()})` });
    this.d.log.warn({ job: id, worker }, `job re-queued: ${why}`);
    this.d.events.emit('job.queued', q);
  }

  finished(id: string, o: Outcome): Job | null {
    this.lastEmit.delete(id);
    const j = this.d.repo.get(id);
    if (!j) return null;
    if (FINAL.has(j.status)) {
      // the studio gave up waiting for a cancel and recorded it; what the worker did later does not change the record
      if (o.kind === 'done' && j.status === 'cancelled') this.d.log.warn({ job: id }, 'a cancelled job finished on its worker anyway; its outputs stay on disk');
      return j;
    }
    const now = Date.now();
    const w = o.worker ? { worker: o.worker } : {};
    if (o.kind === 'done') {
      const r = TranscodeResultSchema.safeParse(typeof o.result === 'string' ? safeJson(o.result) : o.result);
      if (r.success) {
        const done = this.d.repo.update(id, { status: 'done', result: r.data, finished_at: now, progress: DONE_PROGRESS, error: null, ...w });
        this.d.log.info({ job: id }, 'job done');
        this.d.settled(done);
        this.d.events.emit('job.done', done);
        return done;
      }
      o = { kind: 'failed', reason: 'the worker answered an unreadable result' };
    }
    if (o.reason === CANCELLED_REASON || this.d.cancelling.has(id)) {
      const c = this.d.repo.update(id, { status: 'cancelled', finished_at: now, progress: null, ...w });
      this.d.log.info({ job: id }, 'job cancelled');
      this.d.settled(c);
      this.d.events.emit('job.cancelled', c);
      return c;
    }
    const f = this.d.repo.update(id, { status: 'failed', error: o.reason, finished_at: now, progress: null, ...w });
    this.d.log.warn({ job: id, err: o.reason }, 'job failed');
    this.d.settled(f);
    this.d.events.emit('job.failed', { job: f, will_retry: false, retry_at: null });
    return f;
  }
}

const DONE_PROGRESS: JobProgress = { stage: 'publish', percent: 100, fps: null, speed: null, eta_seconds: 0 };

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return null;
  }
}

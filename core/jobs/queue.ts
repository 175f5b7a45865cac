import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Job, JobProgress, JobStatus, TranscodeResult } from '../contract/jobs';
import { OnAirError } from '../errors';
import type { JobsRepo } from '../store/jobs-repo';
import { permanentError, type JobQueuePort, type QueueEvents } from './queue-port';
import type { RunControl } from './transcode';

export type { QueueEvents } from './queue-port';

export type JobRunner = (job: Job, ctl: RunControl) => Promise<TranscodeResult>;

export interface QueueOptions {
  /** read on every scheduling decision, so a config change applies to the next start */
  concurrency: () => number;
  log: Logger;
  /** first retry delay; doubles each attempt (default 2000 ms, capped at retryMaxMs) */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** called once when a job reaches done / cancelled / final failure */
  onSettled?: (job: Job) => void;
}

interface Running {
  ac: AbortController;
  reason: 'cancel' | 'shutdown' | null;
  done: Promise<void>;
}

export const INTERRUPTED_NOTE = 're-queued: the studio stopped while this job was running';

/**
 * The persisted job queue: picks by priority, then position (reorder), then age; runs up to
 * `concurrency` jobs; retries transient failures with exponential backoff. A job running when the
 * studio stops stays 'running' in the store and is re-queued, with a note, by the next start().
 */
export class JobQueue extends EventEmitter<QueueEvents> implements JobQueuePort {
  private readonly running = new Map<string, Running>();
  private started = false;
  private stopping = false;
  private wake: NodeJS.Timeout | null = null;

  constructor(private readonly repo: JobsRepo, private readonly runner: JobRunner, private readonly opts: QueueOptions) {
    super();
  }

  /** Re-queue what a previous process left running, then start picking. Returns the re-queued ids. */
  start(): string[] {
    if (this.started) return [];
    this.started = true;
    this.stopping = false;
    const ids = this.repo.requeueInterrupted(`${INTERRUPTED_NOTE} (${new Date().toISOString()})`);
    for (const id of ids) this.opts.log.warn({ job: id }, 'job was running at shutdown; re-queued');
    this.pump();
    return ids;
  }

  get runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Persist and queue a job (position 0 = at the end of the queue). */
  add(job: Job): Job {
    this.repo.insert(job.position ? job : { ...job, position: this.repo.maxPosition() + 1 });
    const j = this.get(job.id);
    this.emit('job.queued', j);
    this.pump();
    return this.get(job.id);
  }

  get(id: string): Job {
    const j = this.repo.get(id);
    if (!j) throw new OnAirError('NOT_FOUND', `no job ${id}`);
    return j;
  }

  list(o: { status?: readonly JobStatus[]; limit?: number } = {}): Job[] {
    return this.repo.list(o);
  }

  /** Cancel a queued or running job; resolves once its ffmpeg is gone and its scratch files removed. */
  async cancel(id: string): Promise<Job> {
    const r = this.running.get(id);
    if (r) {
      r.reason = 'cancel';
      r.ac.abort();
      await r.done;
      return this.get(id);
    }
    const j = this.get(id);
    if (j.status !== 'queued') throw new OnAirError('CONFLICT', `job ${id} is ${j.status}; only queued or running jobs can be cancelled`);
    const c = this.repo.update(id, { status: 'cancelled', finished_at: Date.now(), progress: null });
    this.settled(c);
    this.emit('job.cancelled', c);
    return c;
  }

  /** Run a failed or cancelled job again from scratch. */
  retry(id: string): Job {
    const j = this.get(id);
    if (j.status !== 'failed' && j.status !== 'cancelled') throw new OnAirError('CONFLICT', `job ${id} is ${j.status}; only failed or cancelled jobs can be retried`);
    const q = this.repo.update(id, {
      status: 'queued', attempts: 0, error: null, result: null, progress: null, run_after: 0, started_at: null, finished_at: null, worker: null,
      position: this.repo.maxPosition() + 1, note: null,
    });
    this.emit('job.queued', q);
    this.pump();
    return q;
  }

  /** Queued jobs in `ids` run first, in that order. Returns the queued jobs in run order. */
  reorder(ids: readonly string[]): Job[] {
    this.repo.reorder(ids);
    return this.repo.list({ status: ['queued'] });
  }

  /** Stop picking; abort running jobs (their ffmpeg killed, scratch removed) and leave them for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    const all = [...this.running.values()];
    for (const r of all) {
      r.reason = 'shutdown';
      r.ac.abort();
    }
    await Promise.all(all.map((r) => r.done));
  }

  private pump(): void {
    if (!this.started || this.stopping) return;
    const limit = Math.max(1, this.opts.concurrency());
    while (this.running.size < limit) {
      const next = this.repo.next();
      if (!next) break;
      this.execute(next);
    }
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    const at = this.repo.nextWake();
    if (at !== null) {
      this.wake = setTimeout(() => this.pump(), Math.max(10, at - Date.now()));
      this.wake.unref();
    }
  }

  private settled(j: Job): void {
    try {
      this.opts.onSettled?.(j);
    } catch (e) {
      this.opts.log.warn({ err: e, job: j.id }, 'job cleanup failed');
    }
  }

  private execute(queued: Job): void {
    const ac = new AbortController();
    const entry: Running = { ac, reason: null, done: Promise.resolve() };
    this.running.set(queued.id, entry);
    const job = this.repo.update(queued.id, { status: 'running', attempts: queued.attempts + 1, started_at: Date.now(), progress: null, error: null, finished_at: null, worker: null });
    this.emit('job.started', job);
    let lastEmit = 0;
    let lastSave = 0;
    let lastStage = '';
    const progress = (p: JobProgress): void => {
      if (ac.signal.aborted) return;
      const now = Date.now();
      if (p.stage !== lastStage || now - lastEmit >= 200) {
        lastEmit = now;
        this.emit('job.progress', { id: job.id, progress: p });
      }
      if (p.stage !== lastStage || now - lastSave >= 1000) {
        lastSave = now;
        this.repo.update(job.id, { progress: p });
      }
      lastStage = p.stage;
    };
    entry.done = this.runner(job, { signal: ac.signal, progress })
      .then(
        (result) => {
          const d = this.repo.update(job.id, { status: 'done', result, finished_at: Date.now(), progress: { stage: 'publish', percent: 100, fps: null, speed: null, eta_seconds: 0 } });
          this.opts.log.info({ job: job.id }, 'job done');
          this.settled(d);
          this.emit('job.done', d);
        },
        (e: unknown) => this.onError(job, entry, e),
      )
      .catch((e: unknown) => this.opts.log.error({ err: e, job: job.id }, 'job bookkeeping failed'))
      .finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
  }

  private onError(job: Job, entry: Running, e: unknown): void {
    if (entry.reason === 'shutdown') {
      this.opts.log.info({ job: job.id }, 'job interrupted by shutdown; it will be re-queued on the next start');
      return;
    }
    if (entry.reason === 'cancel') {
      const c = this.repo.update(job.id, { status: 'cancelled', finished_at: Date.now(), progress: null });
      this.opts.log.info({ job: job.id }, 'job cancelled');
      this.settled(c);
      this.emit('job.cancelled', c);
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    const base = this.opts.retryBaseMs ?? 2000;
    if (!permanentError(e) && job.attempts < job.options.max_attempts) {
      const retryAt = Date.now() + Math.min(this.opts.retryMaxMs ?? 5 * 60_000, base * 2 ** (job.attempts - 1));
      const q = this.repo.update(job.id, { status: 'queued', error: message, run_after: retryAt, progress: null });
      this.opts.log.warn({ job: job.id, err: message, retryAt }, 'job failed; will retry');
      this.emit('job.failed', { job: q, will_retry: true, retry_at: retryAt });
      return;
    }
    const f = this.repo.update(job.id, { status: 'failed', error: message, finished_at: Date.now(), progress: null });
    this.opts.log.warn({ job: job.id, err: message }, 'job failed');
    this.settled(f);
    this.emit('job.failed', { job: f, will_retry: false, retry_at: null });
  }
}

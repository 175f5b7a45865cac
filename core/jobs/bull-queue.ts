import { Queue, QueueEvents as BullEvents, type Job as BullJob } from 'bullmq';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactRedisUrl } from '../scale-config';
import type { Job, JobStatus } from '../contract/jobs';
import { OnAirError } from '../errors';
import type { JobsRepo } from '../store/jobs-repo';
import { BULL_JOB_NAME, bullJobOptions, bullPriority, CANCEL_MARK_MS, CANCELLED_REASON, cancelChannel, cancelKey, connectionOf, type BullJobData, type BullSettings } from './bull-common';
import { BullMirror, type Outcome } from './bull-mirror';
import type { JobQueuePort, QueueEvents } from './queue-port';

export interface BullQueueOptions {
  settings: BullSettings;
  log: Logger;
  /** first retry delay; doubles each attempt up to 5 min (bull-common.ts cappedBackoff; default 2000 ms) */
  retryBaseMs?: number;
  /** how long cancel waits for the worker to stop its ffmpeg before recording the job cancelled anyway (default 15 s) */
  cancelWaitMs?: number;
  onSettled?: (job: Job) => void;
}

type BullJobT = BullJob<BullJobData>;
const WAITING_STATES = new Set(['waiting', 'prioritized', 'delayed', 'paused', 'wait']);

/**
 * jobs.queue "bullmq": the studio is the producer. A job is written to the SQLite jobs table (the panel's record,
 * same Job contract) and added to a BullMQ queue; `onair worker` processes run it. The record follows BullMQ's
 * QueueEvents (active, progress, delayed = retry, stalled, completed, failed) and is reconciled with Redis
 * whenever the connection comes (back) up, so a studio that was down while workers ran catches up.
 */
export class BullJobQueue extends EventEmitter<QueueEvents> implements JobQueuePort {
  private queue: Queue<BullJobData> | null = null;
  private events: BullEvents | null = null;
  private pub: Redis | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly cancelling = new Set<string>();
  private readonly waiters = new Map<string, Array<(j: Job) => void>>();
  private readonly mirror: BullMirror;
  private warned = false;
  private closing = false;
  private reconcileTimer: NodeJS.Timeout | null = null;

  constructor(private readonly repo: JobsRepo, private readonly opts: BullQueueOptions) {
    super();
    const settled = (j: Job): void => {
      try {
        opts.onSettled?.(j);
      } catch (e) {
        opts.log.warn({ err: e, job: j.id }, 'job cleanup failed');
      }
    };
    this.mirror = new BullMirror({ repo, log: opts.log, events: this, settled, cancelling: this.cancelling });
  }

  private get s(): BullSettings {
    return this.opts.settings;
  }

  async start(): Promise<string[]> {
    if (this.queue) return [];
    this.closing = false;
    const { url, prefix, name } = this.s;
    const stopped = (): boolean => this.closing;
    const onError = (e: Error): void => {
      // ioredis repeats its error on every reconnect attempt: one warning per outage is enough
      if (!this.warned) this.opts.log.warn({ err: e.message, redis: redactRedisUrl(url) }, 'job queue: Redis unreachable; retrying');
      this.warned = true;
    };
    this.queue = new Queue<BullJobData>(name, { connection: connectionOf(url, { failFast: true, stopped }), prefix });
    this.queue.on('error', onError);
    this.events = new BullEvents(name, { connection: connectionOf(url, { stopped }), prefix });
    this.events.on('error', onError);
    this.pub = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    this.pub.on('error', onError);
    // every (re)connection: read back what happened on the workers while we could not hear them
    this.pub.on('ready', () => {
      if (this.warned) this.opts.log.info({ redis: redactRedisUrl(url) }, 'job queue: Redis reachable again');
      this.warned = false;
      this.reconcileSoon(0);
    });
    this.listen(this.events);
    await this.pub.connect().catch(() => undefined);
    await withTimeout(this.events.waitUntilReady(), 3000).catch(() => undefined);
    await this.chain;
    return [];
  }

  async stop(): Promise<void> {
    const [q, ev, pub] = [this.queue, this.events, this.pub];
    this.queue = this.events = this.pub = null;
    this.closing = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = null;
    // workers keep running their jobs; the next start reconciles the record with what they did.
    // A close waits for Redis while it is away: bounded, then the sockets are simply dropped
    pub?.disconnect();
    await withTimeout(Promise.allSettled([ev?.close(), q?.close()]), 5000).catch(() => this.opts.log.warn('job queue: Redis connections did not close in 5 s'));
    await this.chain;
    for (const [id, ws] of this.waiters) for (const w of ws) w(this.get(id));
    this.waiters.clear();
  }

  get runningIds(): string[] {
    return this.repo.list({ status: ['running'] }).map((j) => j.id);
  }

  /**
   * A Redis round trip that fails fast: BullMQ waits for the connection however long Redis is away, but a
   * panel request must not hang — with Redis down (our own client is not ready) or slow, it answers BUSY.
   */
  private async redis<T>(fn: (q: Queue<BullJobData>, pub: Redis) => Promise<T>): Promise<T> {
    const [q, pub] = [this.queue, this.pub];
    if (!q || !pub || pub.status !== 'ready') throw new OnAirError('BUSY', 'the job queue (Redis) is unreachable; try again shortly');
    try {
      return await withTimeout(fn(q, pub), 5000);
    } catch (e) {
      throw unreachable(e);
    }
  }

  async add(job: Job): Promise<Job> {
    this.repo.insert(job.position ? job : { ...job, position: this.repo.maxPosition() + 1 });
    const j = this.get(job.id);
    try {
      await this.redis((q) => q.add(BULL_JOB_NAME, { job: j }, bullJobOptions(j, this.opts.retryBaseMs ?? 2000)));
    } catch (e) {
      this.repo.delete(job.id);
      throw e;
    }
    this.emit('job.queued', j);
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

  async cancel(id: string): Promise<Job> {
    const j = this.get(id);
    if (j.status !== 'queued' && j.status !== 'running') throw new OnAirError('CONFLICT', `job ${id} is ${j.status}; only queued or running jobs can be cancelled`);
    const bj = await this.redis(async (q) => {
      const b = await q.getJob(id);
      // a waiting job is simply taken off the queue; remove() refuses one a worker has locked meanwhile
      return b && WAITING_STATES.has(await b.getState()) && (await b.remove().then(() => true, () => false)) ? undefined : b;
    });
    if (!bj) return this.serial(() => this.settle(id, { kind: 'failed', reason: CANCELLED_REASON })).then(() => this.get(id));
    // a worker holds it: mark it (a worker that picks it up later sees the mark) and tell every worker now
    this.cancelling.add(id);
    const ended = new Promise<Job>((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
    try {
      await this.redis(async (_q, pub) => {
        await pub.set(cancelKey(this.s, id), '1', 'PX', CANCEL_MARK_MS);
        await pub.publish(cancelChannel(this.s), id);
      });
    } catch (e) {
      this.cancelling.delete(id);
      throw e;
    }
    const wait = this.opts.cancelWaitMs ?? 15_000;
    const j2 = await Promise.race([ended, sleep(wait).then(() => null)]);
    if (j2) return j2;
    this.opts.log.warn({ job: id, waitedMs: wait }, 'the worker did not confirm the cancel in time; recorded as cancelled (the worker stops when it sees the mark)');
    return this.serial(() => this.settle(id, { kind: 'failed', reason: CANCELLED_REASON })).then(() => this.get(id));
  }

  async retry(id: string): Promise<Job> {
    const j = this.get(id);
    if (j.status !== 'failed' && j.status !== 'cancelled') throw new OnAirError('CONFLICT', `job ${id} is ${j.status}; only failed or cancelled jobs can be retried`);
    await this.redis(async (q, pub) => {
      const old = await q.getJob(id);
      if (old && (await old.getState()) === 'active') throw new OnAirError('CONFLICT', `job ${id} is still running on a worker; cancel it and wait`);
      await old?.remove();
      await pub.del(cancelKey(this.s, id));
    });
    const q = this.repo.update(id, {
      status: 'queued', attempts: 0, error: null, result: null, progress: null, run_after: 0, started_at: null, finished_at: null, worker: null,
      position: this.repo.maxPosition() + 1, note: null,
    });
    try {
      await this.redis((bq) => bq.add(BULL_JOB_NAME, { job: q }, bullJobOptions(q, this.opts.retryBaseMs ?? 2000)));
    } catch (e) {
      this.repo.update(id, { status: j.status, error: j.error, finished_at: j.finished_at });
      throw e;
    }
    this.emit('job.queued', q);
    return q;
  }

  /** The record's run order becomes BullMQ's: queued jobs get consecutive priorities inside their priority band. */
  async reorder(ids: readonly string[]): Promise<Job[]> {
    this.repo.reorder(ids);
    const queued = this.repo.list({ status: ['queued'] });
    const slot = new Map<number, number>();
    for (const j of queued) {
      const n = slot.get(j.priority) ?? 0;
      slot.set(j.priority, n + 1);
      // a job a worker took meanwhile refuses a priority change: it no longer waits
      await this.redis((q) => q.getJob(j.id)).then((b) => b?.changePriority({ priority: bullPriority(j.priority, n) })).catch(() => undefined);
    }
    return queued;
  }

  private listen(ev: BullEvents): void {
    const job = (id: string): Promise<BullJobT | undefined> => this.queue?.getJob(id).catch(() => undefined) ?? Promise.resolve(undefined);
    ev.on('active', ({ jobId }) => this.serial(async () => {
      const b = await job(jobId);
      this.mirror.active(jobId, b?.attemptsStarted ?? null, b?.processedBy ?? null);
    }));
    ev.on('progress', ({ jobId, data }) => this.serial(() => this.mirror.progress(jobId, data)));
    ev.on('delayed', ({ jobId, delay }) => this.serial(async () => {
      const b = await job(jobId);
      this.mirror.retrying(jobId, b?.failedReason || 'failed', Number(delay));
    }));
    ev.on('stalled', ({ jobId }) => this.serial(() => this.mirror.requeued(jobId, 'stopped responding (its lock expired)')));
    ev.on('waiting', ({ jobId, prev }) => {
      if (prev === 'active') this.serial(() => this.mirror.requeued(jobId, 'stopped and handed the job back'));
    });
    ev.on('completed', ({ jobId, returnvalue }) => this.serial(() => this.settle(jobId, { kind: 'done', result: returnvalue })));
    ev.on('failed', ({ jobId, failedReason }) => this.serial(() => this.settle(jobId, { kind: 'failed', reason: failedReason })));
  }

  private settle(id: string, o: Outcome): void {
    const j = this.mirror.finished(id, o);
    this.cancelling.delete(id);
    const ws = this.waiters.get(id);
    this.waiters.delete(id);
    if (j) for (const w of ws ?? []) w(j);
  }

  /**
   * Reconcile after `ms`, and again every second until it succeeds. The trigger is our own client's 'ready', but
   * the Queue has its own connection with its own reconnect backoff: after an outage it may still be down (its
   * commands fail at once, enableOfflineQueue is off), and a reconcile that failed once would never run again —
   * the jobs Redis lost would stay queued/running in the record forever.
   */
  private reconcileSoon(ms: number): void {
    if (this.reconcileTimer) return;
    const q = this.queue;
    const run = (): void => {
      this.reconcileTimer = null;
      if (this.closing || !q || this.queue !== q) return;
      void this.serial(() => this.reconcile().catch((e: unknown) => {
        this.opts.log.debug({ err: (e as Error).message }, 'job queue: reconcile with Redis failed; trying again in 1 s');
        this.reconcileSoon(1000);
      }));
    };
    if (ms <= 0) return run();
    this.reconcileTimer = setTimeout(run, ms);
    this.reconcileTimer.unref();
  }

  /** Bring the record in line with Redis (the studio was down, or Redis lost the queue). */
  private async reconcile(): Promise<void> {
    for (const j of this.repo.list({ status: ['queued', 'running'], limit: 10_000 })) {
      const b = await this.queue?.getJob(j.id);
      if (!this.queue) return;
      if (!b) {
        // Redis lost it (restarted without persistence?): queue it again from the record
        await this.queue.add(BULL_JOB_NAME, { job: j }, bullJobOptions(j, this.opts.retryBaseMs ?? 2000));
        if (j.status === 'running') this.mirror.requeued(j.id, 'was lost by the queue (Redis restarted?)');
        continue;
      }
      const state = await b.getState();
      if (state === 'completed') this.settle(j.id, { kind: 'done', result: b.returnvalue, worker: b.processedBy ?? null });
      else if (state === 'failed') this.settle(j.id, { kind: 'failed', reason: b.failedReason, worker: b.processedBy ?? null });
      else if (state === 'active' && j.status === 'queued') this.mirror.active(j.id, b.attemptsStarted, b.processedBy ?? null);
      else if (WAITING_STATES.has(state) && j.status === 'running') this.mirror.requeued(j.id, 'stopped while the studio was away');
    }
  }

  /** Run event handlers one at a time, in arrival order (an await inside one must not let the next overtake it). */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.then(() => undefined, (e: unknown) => this.opts.log.error({ err: e }, 'job queue: applying a BullMQ event failed'));
    return p;
  }
}

function unreachable(e: unknown): unknown {
  if (e instanceof OnAirError) return e;
  return new OnAirError('BUSY', `the job queue (Redis) is unreachable: ${(e as Error).message}`, e);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error('timeout')))]);
}

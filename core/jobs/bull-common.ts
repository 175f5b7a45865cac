import { z } from 'zod';
import type { OnAirConfig } from '../config';
import { JobSchema, type Job } from '../contract/jobs';
import { OnAirError } from '../errors';

/**
 * What the studio (producer, bull-queue.ts) and `onair worker` (worker.ts) agree on: where the queue lives,
 * the shape of a queued job's data, priorities and the cancel signal.
 */

export interface BullSettings {
  /** the Redis URL (may carry a password: never log it, use `redactRedisUrl`) */
  url: string;
  /** BullMQ's own key prefix: every key is `<prefix>:<name>:…` */
  prefix: string;
  name: string;
  lockMs: number;
  stalledIntervalMs: number;
  maxStalled: number;
}

/** jobs.bullmq from the config: the Redis is jobs.bullmq.redis ?? cluster.redis, keys under cluster.prefix. */
export function bullSettings(cfg: OnAirConfig): BullSettings {
  const b = cfg.jobs.bullmq;
  const url = b.redis ?? cfg.cluster?.redis;
  if (!url) throw new OnAirError('CONFIG', 'jobs.queue "bullmq" needs a Redis (jobs.bullmq.redis or cluster.redis)');
  // BullMQ joins prefix and queue name with ':' itself; "onair:" would give "onair::transcode"
  const prefix = (cfg.cluster?.prefix ?? 'onair:').replace(/:+$/, '') || 'bull';
  return { url, prefix, name: b.name, lockMs: b.lock_ms, stalledIntervalMs: b.stalled_interval_ms, maxStalled: b.max_stalled };
}


export interface ConnectionOpts {
  url: string;
  maxRetriesPerRequest: number | null;
  enableOfflineQueue: boolean;
  retryStrategy: (times: number) => number | null;
}

/**
 * The ioredis/BullMQ connection options of a URL (workers and QueueEvents need maxRetriesPerRequest null).
 * Reconnects back off to 5 s and stop once `stopped()` says so: BullMQ's close() otherwise waits for a Redis
 * that is away, and a studio or worker could not shut down during an outage.
 */
export function connectionOf(url: string, o: { failFast?: boolean; stopped?: () => boolean } = {}): ConnectionOpts {
  return {
    url,
    // the producer fails fast while Redis is away (jobs.transcode answers BUSY instead of hanging); blocking clients wait
    maxRetriesPerRequest: o.failFast ? 1 : null,
    enableOfflineQueue: !o.failFast,
    retryStrategy: (times) => (o.stopped?.() ? null : Math.min(5000, 100 * 2 ** Math.min(times, 6))),
  };
}

/**
 * A queued job's BullMQ data: the whole Job as the studio stored it (the worker needs input, probe and options).
 * `worker` may be missing in jobs an older studio queued (before the field existed).
 */
export const BullJobDataSchema = z.object({ job: JobSchema.extend({ worker: JobSchema.shape.worker.default(null) }) });
export type BullJobData = z.infer<typeof BullJobDataSchema>;

/** BullMQ's job name (one kind for now) */
export const BULL_JOB_NAME = 'transcode';

/** The failedReason of a job a worker stopped because it was cancelled (the studio records it as cancelled). */
export const CANCELLED_REASON = 'cancelled by the studio';

/** Pub/sub channel the studio publishes a job id on to cancel it (every worker listens). */
export function cancelChannel(s: BullSettings): string {
  return `${s.prefix}:${s.name}:onair-cancel`;
}

/** A marker a worker checks before it starts a job, for a cancel published while no worker held it. */
export function cancelKey(s: BullSettings, id: string): string {
  return `${s.prefix}:${s.name}:onair-cancelled:${id}`;
}
export const CANCEL_MARK_MS = 24 * 3600_000;

/**
 * BullMQ priority of a job: 1 runs first (0 would mean "no priority" and jump the queue). Our priority
 * (-100…100, higher first) picks a band of 10 000; inside a band a new job takes the band's last slot (FIFO
 * among new jobs) and jobs.reorder renumbers queued jobs from the band's first slot. Max 2 009 999 < 2^21.
 */
const BAND = 10_000;
export function bullPriority(priority: number, slot: number | null = null): number {
  const base = (100 - Math.max(-100, Math.min(100, priority))) * BAND;
  return base + (slot === null ? BAND - 1 : 1 + Math.min(slot, BAND - 3));
}

/** The longest wait before a retry: the SQLite queue's retryMaxMs default (5 min). */
export const RETRY_MAX_MS = 5 * 60_000;

/**
 * Our BullMQ backoff type: BullMQ's built-in "exponential" has no ceiling (max_attempts 10 from 2 s would wait
 * 17 min before the last try), so jobs carry this custom type and every worker computes it with
 * `cappedBackoff` (Worker settings.backoffStrategy).
 */
export const BACKOFF_TYPE = 'onair-capped';

/** BullMQ backoffStrategy: `delay · 2^(attemptsMade−1)` (attemptsMade counts the failure just made), at most RETRY_MAX_MS. */
export function cappedBackoff(attemptsMade: number, _type?: string, _err?: Error, job?: { opts: { backoff?: number | { delay?: number } } }): number {
  const b = job?.opts.backoff;
  const delay = typeof b === 'number' ? b : (b?.delay ?? 2000);
  return Math.min(RETRY_MAX_MS, Math.round(delay * 2 ** Math.max(0, attemptsMade - 1)));
}

/** Retry backoff of a job: exponential from `baseMs`, capped at RETRY_MAX_MS, like the SQLite queue's. */
export function bullJobOptions(job: Job, baseMs: number): {
  jobId: string;
  attempts: number;
  backoff: { type: typeof BACKOFF_TYPE; delay: number };
  priority: number;
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
} {
  // finished jobs stay a while so a studio that was down when they ended can still read their result
  const keep = { age: 7 * 24 * 3600, count: 5000 };
  return { jobId: job.id, attempts: job.options.max_attempts, backoff: { type: BACKOFF_TYPE, delay: baseMs }, priority: bullPriority(job.priority), removeOnComplete: keep, removeOnFail: keep };
}

import type { EventEmitter } from 'node:events';
import type { Job, JobEventData, JobStatus } from '../contract/jobs';
import { isOnAirError } from '../errors';

export interface QueueEvents {
  'job.queued': [JobEventData<'job.queued'>];
  'job.started': [JobEventData<'job.started'>];
  'job.progress': [JobEventData<'job.progress'>];
  'job.done': [JobEventData<'job.done'>];
  'job.failed': [JobEventData<'job.failed'>];
  'job.cancelled': [JobEventData<'job.cancelled'>];
}

/**
 * What the job engine needs from a queue. Two implementations pass one test suite
 * (test/integration/job-queue-contract.test.ts):
 * - JobQueue (queue.ts): the embedded SQLite queue; this process runs the jobs.
 * - BullJobQueue (bull-queue.ts): jobs wait on a BullMQ queue in Redis and `onair worker` processes run them;
 *   the studio is the producer and keeps the SQLite jobs table as the panel's record, mirrored from BullMQ's events.
 * Both keep the same Job contract and emit the same events (job.queued … job.cancelled).
 */
export interface JobQueuePort extends EventEmitter<QueueEvents> {
  /** start picking (SQLite) or connect and reconcile the record with the queue (BullMQ); returns re-queued ids */
  start(): string[] | Promise<string[]>;
  /** SQLite: abort running jobs (re-queued by the next start). BullMQ: disconnect; workers keep running */
  stop(): Promise<void>;
  /** persist and queue a job (position 0 = at the end) */
  add(job: Job): Job | Promise<Job>;
  get(id: string): Job;
  list(o?: { status?: readonly JobStatus[]; limit?: number }): Job[];
  /** cancel a queued or running job; resolves once its ffmpeg is gone (or the queue gave up waiting for the worker) */
  cancel(id: string): Promise<Job>;
  /** run a failed or cancelled job again from scratch */
  retry(id: string): Job | Promise<Job>;
  /** queued jobs in `ids` run first, in that order; returns the queued jobs in run order */
  reorder(ids: readonly string[]): Job[] | Promise<Job[]>;
  /** jobs this queue believes are running */
  readonly runningIds: string[];
}

/** Errors that another attempt cannot fix (the input itself is wrong): never retried, by either queue. */
export function permanentError(e: unknown): boolean {
  return isOnAirError(e) && (e.code === 'FORMAT' || e.code === 'NOT_FOUND' || e.code === 'VALIDATION');
}

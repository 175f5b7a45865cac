import { Backoffs } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BACKOFF_TYPE, bullJobOptions, cappedBackoff, RETRY_MAX_MS } from '../../core/jobs/bull-common';
import type { Job } from '../../core/contract/jobs';

describe('BullMQ retry backoff (jobs.queue "bullmq")', () => {
  it('doubles from the job delay like the SQLite queue and stops at 5 min', () => {
    const job = { opts: { backoff: { type: BACKOFF_TYPE, delay: 2000 } } };
    expect([1, 2, 3, 4].map((n) => cappedBackoff(n, BACKOFF_TYPE, undefined, job))).toEqual([2000, 4000, 8000, 16000]);
    expect(RETRY_MAX_MS).toBe(300_000);
    expect(cappedBackoff(9, BACKOFF_TYPE, undefined, job)).toBe(300_000);
    expect(cappedBackoff(60, BACKOFF_TYPE, undefined, job)).toBe(300_000);
  });

  it("is what BullMQ computes for the studio's job options (custom type → the worker's backoffStrategy)", async () => {
    const opts = bullJobOptions({ id: 'j1', priority: 0, options: { max_attempts: 12 } } as unknown as Job, 2000);
    expect(opts.backoff).toEqual({ type: BACKOFF_TYPE, delay: 2000 });
    const job = { opts } as unknown as Parameters<typeof Backoffs.calculate>[3];
    expect(await Backoffs.calculate(opts.backoff, 1, new Error('x'), job, cappedBackoff)).toBe(2000);
    expect(await Backoffs.calculate(opts.backoff, 11, new Error('x'), job, cappedBackoff)).toBe(RETRY_MAX_MS);
  });
});

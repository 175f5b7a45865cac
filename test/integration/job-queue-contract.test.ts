import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import type { Job, JobProgress } from '../../core/contract/jobs';
import { JobEngine } from '../../core/jobs/engine';
import { TranscodeWorker } from '../../core/jobs/worker';
import { StreamRegistry } from '../../core/media/registry';
import { openStore } from '../../core/store/db';
import { cleanup, ffmpegChildren, filesUnder, makeVideo, tempDir } from '../helpers/jobs';
import { startRedis, type RedisServer } from '../helpers/redis';
import { waitFor } from '../helpers/studio';

/**
 * One suite, two queues: the embedded SQLite queue and BullMQ (Redis + an `onair worker` runner, here in-process;
 * test/integration/bullmq-workers.test.ts runs real worker processes). Both must keep the same Job contract.
 */

type Kind = 'sqlite' | 'bullmq';

interface Rig {
  engine: JobEngine;
  events: string[];
  /** the id of the BullMQ worker (null: SQLite, the studio runs its jobs) */
  workerId: string | null;
  /** with `hold`: start running jobs (SQLite: start the engine; BullMQ: start the worker) */
  go(): Promise<void>;
  stop(): Promise<void>;
}

let redis: RedisServer;
let dir: string;
let small: string;
let long: string;
let n = 0;

/** `hold`: jobs are accepted but none runs until `go()` */
async function rig(kind: Kind, jobs: Record<string, unknown> = {}, hold = false): Promise<Rig> {
  const data = path.join(dir, `${kind}-${++n}`);
  const cfg = parseConfig({
    data_dir: data,
    log_level: 'silent',
    jobs: { x264_preset: 'ultrafast', allowed_roots: [dir], ...jobs, ...(kind === 'bullmq' ? { queue: 'bullmq', bullmq: { redis: redis.url, name: `q${n}` } } : {}) },
  });
  const log = pino({ level: 'silent' });
  const registry = new StreamRegistry(() => ({ gopCache: true, gopMaxBytes: 1 << 20, gopMaxPackets: 1000, reconnectWindowMs: 0 }));
  const store = openStore(data);
  const engine = new JobEngine({ store: () => store, config: () => cfg, log, registry, httpPort: () => null });
  const events: string[] = [];
  for (const e of ['job.queued', 'job.started', 'job.done', 'job.failed', 'job.cancelled'] as const) engine.on(e, () => events.push(e));
  const worker = kind === 'bullmq' ? new TranscodeWorker({ config: cfg, log, id: `w${n}` }) : null;
  const go = async (): Promise<void> => {
    if (kind === 'sqlite') await engine.start();
    else await worker?.start();
  };
  // the BullMQ producer must be connected to accept jobs; the SQLite queue picks as soon as it starts
  if (kind === 'bullmq') await engine.start();
  if (!hold) await go();
  return {
    engine,
    events,
    workerId: worker?.id ?? null,
    go,
    async stop() {
      await worker?.stop();
      await engine.stop();
      store.close();
    },
  };
}

const settled = (e: JobEngine, id: string, ms = 60_000): Promise<Job> =>
  waitFor(() => {
    const j = e.get(id);
    return j.status === 'done' || j.status === 'failed' || j.status === 'cancelled' ? j : null;
  }, `job ${id} to end`, ms, 50);

beforeAll(async () => {
  redis = await startRedis();
  dir = tempDir('onair-qcontract-');
  small = await makeVideo(path.join(dir, 'small.mp4'), { seconds: 1 });
  long = await makeVideo(path.join(dir, 'long.mp4'), { size: '640x360', seconds: 8 });
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  cleanup(dir);
});

describe.each<Kind>(['sqlite', 'bullmq'])('the job queue contract (%s)', (kind) => {
  it('add → runs → done, with outputs under the media root', async () => {
    const r = await rig(kind);
    try {
      const job = await r.engine.transcode({ source: { type: 'path', path: small }, options: { renditions: ['360p'], covers: { count: 1 } } });
      expect(['queued', 'running']).toContain(job.status);
      const done = await settled(r.engine, job.id);
      expect(done).toMatchObject({ status: 'done', attempts: 1, error: null, progress: { percent: 100 } });
      // SQLite: null (no separate worker); BullMQ: the id of the worker that ran it
      expect(done.worker).toBe(kind === 'sqlite' ? null : `w${n}`);
      expect(done.worker).toBe(r.workerId);
      expect(job.worker).toBeNull();
      expect(existsSync(path.join(done.result!.dir, 'index.m3u8'))).toBe(true);
      // a 240p source: the 360p rung is capped at the source size
      expect(done.result!.renditions).toHaveLength(1);
      expect(done.result!.covers).toHaveLength(1);
      expect(r.events).toEqual(['job.queued', 'job.started', 'job.done']);
      expect(r.engine.list({ status: ['done'] }).map((j) => j.id)).toEqual([job.id]);
    } finally {
      await r.stop();
    }
  });

  it('reports progress: transcode stage with percent and ETA, then covers and publish', async () => {
    const r = await rig(kind, { x264_preset: 'fast' });
    const seen: JobProgress[] = [];
    r.engine.on('job.progress', (p) => seen.push(p.progress));
    try {
      const job = await r.engine.transcode({ source: { type: 'path', path: long }, options: { renditions: ['360p'] } });
      expect((await settled(r.engine, job.id)).status).toBe('done');
      const tx = seen.filter((p) => p.stage === 'transcode');
      expect(tx.length).toBeGreaterThanOrEqual(2);
      expect(tx.some((p) => p.percent > 0 && p.percent <= 90)).toBe(true);
      expect(tx.some((p) => p.eta_seconds !== null)).toBe(true);
      expect(seen.map((p) => p.stage)).toContain('covers');
      expect(seen.at(-1)?.stage).toBe('publish');
    } finally {
      await r.stop();
    }
  });

  it('cancel a running job: its ffmpeg stops, nothing is published, cancelled once', async () => {
    const r = await rig(kind, { x264_preset: 'veryslow' });
    try {
      const job = await r.engine.transcode({ source: { type: 'path', path: long } });
      // the scratch of this job (a worker has its own folder inside the work root)
      const scratch = (): string[] => filesUnder(r.engine.workRoot()).filter((f) => f.split(path.sep).includes(job.id));
      await waitFor(() => r.engine.get(job.id).status === 'running' && scratch().some((f) => f.endsWith('.ts')), 'a segment written', 30_000);
      expect(ffmpegChildren().length).toBeGreaterThan(0);
      const c = await r.engine.cancel(job.id);
      expect(c.status).toBe('cancelled');
      await waitFor(() => ffmpegChildren().length === 0, 'ffmpeg gone', 5000);
      await waitFor(() => scratch().length === 0, 'scratch removed', 5000);
      expect(filesUnder(path.dirname(r.engine.workRoot())).filter((f) => !f.startsWith('.onair-work'))).toEqual([]);
      await expect(r.engine.cancel(job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(r.events).toEqual(['job.queued', 'job.started', 'job.cancelled']);
      expect(r.engine.get(job.id).status).toBe('cancelled');
    } finally {
      await r.stop();
    }
  });

  it('cancel a queued job: it never starts', async () => {
    const r = await rig(kind, { x264_preset: 'veryslow' });
    try {
      const a = await r.engine.transcode({ source: { type: 'path', path: long } });
      const b = await r.engine.transcode({ source: { type: 'path', path: small } });
      await waitFor(() => r.engine.get(a.id).status === 'running', 'first running', 30_000);
      expect((await r.engine.cancel(b.id)).status).toBe('cancelled');
      await r.engine.cancel(a.id);
      expect(r.engine.get(b.id)).toMatchObject({ status: 'cancelled', started_at: null, attempts: 0 });
    } finally {
      await r.stop();
    }
  });

  it('runs by priority, then the reordered position; jobs.list shows the run order', async () => {
    const r = await rig(kind, {}, true);
    const started: string[] = [];
    r.engine.on('job.started', (j) => started.push(j.options.title));
    try {
      const mk = (title: string, priority = 0): Promise<Job> => r.engine.transcode({ source: { type: 'path', path: small }, options: { title, priority, covers: { count: 0 }, renditions: ['360p'] } });
      const [ja, jb, , jd] = [await mk('a'), await mk('b'), await mk('c', 5), await mk('d')];
      const order = await r.engine.reorder([jd.id, jb.id]);
      expect(order.map((j) => j.options.title)).toEqual(['c', 'd', 'b', 'a']);
      const je = await mk('e');
      expect(r.engine.list({ status: ['queued'] }).map((j) => j.options.title)).toEqual(['c', 'd', 'b', 'a', 'e']);
      await r.go();
      await settled(r.engine, je.id);
      await settled(r.engine, ja.id);
      expect(started).toEqual(['c', 'd', 'b', 'a', 'e']);
    } finally {
      await r.stop();
    }
  });

  it('a failing job is retried with backoff, then fails; jobs.retry runs it again', async () => {
    const src = path.join(dir, `flaky-${kind}.mp4`);
    copyFileSync(small, src);
    const r = await rig(kind);
    const failed: Array<[boolean, number]> = [];
    r.engine.on('job.failed', (f) => failed.push([f.will_retry, f.job.attempts]));
    try {
      // probed fine at creation, broken on disk before ffmpeg reads it ('job.queued' is emitted before any run starts)
      r.engine.once('job.queued', () => writeFileSync(src, Buffer.alloc(4096, 7)));
      const job = await r.engine.transcode({ source: { type: 'path', path: src }, options: { max_attempts: 2, covers: { count: 0 } } });
      const f = await settled(r.engine, job.id);
      expect(f).toMatchObject({ status: 'failed', attempts: 2 });
      expect(f.error).toMatch(/^ffmpeg exited 1: /);
      expect(failed).toEqual([[true, 1], [false, 2]]);
      expect(f.worker).toBe(r.workerId);
      copyFileSync(small, src);
      // a retry starts from scratch: no worker until one takes it
      expect(await r.engine.retry(job.id)).toMatchObject({ status: 'queued', worker: null });
      expect(await settled(r.engine, job.id)).toMatchObject({ status: 'done', attempts: 1, error: null, worker: r.workerId });
    } finally {
      await r.stop();
    }
  });

  it('a permanent error (the source is gone) is not retried', async () => {
    const src = path.join(dir, `gone-${kind}.mp4`);
    copyFileSync(small, src);
    const r = await rig(kind);
    const failed: Array<[boolean, number]> = [];
    r.engine.on('job.failed', (f) => failed.push([f.will_retry, f.job.attempts]));
    try {
      r.engine.once('job.queued', () => rmSync(src));
      const job = await r.engine.transcode({ source: { type: 'path', path: src }, options: { max_attempts: 3 } });
      const f = await settled(r.engine, job.id);
      expect(f).toMatchObject({ status: 'failed', attempts: 1 });
      expect(f.error).toMatch(/is gone/);
      expect(failed).toEqual([[false, 1]]);
    } finally {
      await r.stop();
    }
  });
});

describe('the BullMQ queue with Redis away', () => {
  it('jobs.transcode answers BUSY at once and keeps no record; the studio still starts', async () => {
    const down = await startRedis();
    const url = down.url;
    await down.stop();
    const data = path.join(dir, 'down');
    const cfg = parseConfig({ data_dir: data, log_level: 'silent', jobs: { allowed_roots: [dir], queue: 'bullmq', bullmq: { redis: url } } });
    const registry = new StreamRegistry(() => ({ gopCache: true, gopMaxBytes: 1 << 20, gopMaxPackets: 1000, reconnectWindowMs: 0 }));
    const store = openStore(data);
    const engine = new JobEngine({ store: () => store, config: () => cfg, log: pino({ level: 'silent' }), registry, httpPort: () => null });
    try {
      const t0 = Date.now();
      await engine.start();
      expect(Date.now() - t0).toBeLessThan(8000);
      const t1 = Date.now();
      await expect(engine.transcode({ source: { type: 'path', path: small } })).rejects.toMatchObject({ code: 'BUSY' });
      expect(Date.now() - t1).toBeLessThan(3000);
      expect(engine.list()).toEqual([]);
    } finally {
      await engine.stop();
      store.close();
    }
  });
});

import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import type { Job } from '../../core/contract/jobs';
import { JobEngine } from '../../core/jobs/engine';
import { StreamRegistry } from '../../core/media/registry';
import { openStore } from '../../core/store/db';
import { JobsRepo } from '../../core/store/jobs-repo';
import { cleanup, ffmpegChildren, filesUnder, jobsStudio, makeVideo, tempDir, waitJob } from '../helpers/jobs';
import { waitFor } from '../helpers/studio';

function engineOn(dataDir: string, jobs: Record<string, unknown>): JobEngine {
  const cfg = parseConfig({ data_dir: dataDir, log_level: 'silent', jobs: { x264_preset: 'ultrafast', ...jobs } });
  const registry = new StreamRegistry(() => ({ gopCache: true, gopMaxBytes: 1 << 20, gopMaxPackets: 1000, reconnectWindowMs: 0 }));
  const store = openStore(dataDir);
  const engine = new JobEngine({ store: () => store, config: () => cfg, log: pino({ level: 'silent' }), registry, httpPort: () => null });
  const stop = engine.stop.bind(engine);
  engine.stop = async () => {
    await stop();
    store.close();
  };
  return engine;
}

describe('the job queue', () => {
  let dir: string;
  let small: string;
  let long: string;

  beforeAll(async () => {
    dir = tempDir();
    small = await makeVideo(path.join(dir, 'small.mp4'), { seconds: 1 });
    long = await makeVideo(path.join(dir, 'long.mp4'), { size: '640x360', seconds: 8 });
  });
  afterAll(() => cleanup(dir));

  it('cancel mid-job: ffmpeg is gone, scratch removed, nothing published', async () => {
    const data = path.join(dir, 'cancel');
    // veryslow keeps ffmpeg busy long enough to be caught mid-run
    const t = await jobsStudio(data, { allowed_roots: [dir], x264_preset: 'veryslow' });
    try {
      const events: string[] = [];
      for (const e of ['job.queued', 'job.started', 'job.cancelled', 'job.done', 'job.failed'] as const) t.studio.jobs.on(e, () => events.push(e));
      const job = await t.studio.jobs.transcode({ source: { type: 'path', path: long } });
      await waitFor(() => ffmpegChildren().length > 0 && existsSync(path.join(data, 'media', '.onair-work', job.id)), 'ffmpeg running');
      await waitFor(() => filesUnder(path.join(data, 'media', '.onair-work', job.id)).some((f) => f.endsWith('.ts')), 'a segment written', 30_000);
      const c = await t.studio.jobs.cancel(job.id);
      expect(c.status).toBe('cancelled');
      expect(ffmpegChildren()).toEqual([]);
      expect(filesUnder(path.join(data, 'media'))).toEqual([]);
      expect(events).toEqual(['job.queued', 'job.started', 'job.cancelled']);
      await expect(t.studio.jobs.cancel(job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await t.stop();
    }
  });

  it('restart: a running and a queued job both finish in the next studio; the running one says it was re-queued', async () => {
    const data = path.join(dir, 'restart');
    const a = await jobsStudio(data, { allowed_roots: [dir], x264_preset: 'veryslow', concurrency: 1 });
    const running = await a.studio.jobs.transcode({ source: { type: 'path', path: long } });
    const queued = await a.studio.jobs.transcode({ source: { type: 'path', path: small } });
    await waitFor(() => ffmpegChildren().length > 0, 'ffmpeg running');
    expect(a.studio.jobs.get(running.id).status).toBe('running');
    expect(a.studio.jobs.get(queued.id).status).toBe('queued');
    await a.stop();
    expect(ffmpegChildren()).toEqual([]);
    expect(filesUnder(path.join(data, 'media'))).toEqual([]);
    const store = openStore(data);
    expect(new JobsRepo(store.db).get(running.id)?.status).toBe('running');
    store.close();

    const b = await jobsStudio(data, { allowed_roots: [dir], concurrency: 1 });
    try {
      const r = await waitJob(b, running.id);
      const q = await waitJob(b, queued.id);
      expect([r.status, q.status]).toEqual(['done', 'done']);
      expect(r.note).toMatch(/^re-queued: the studio stopped while this job was running/);
      expect(r.attempts).toBe(2);
      expect(q.note).toBeNull();
      expect(existsSync(path.join(r.result!.dir, 'index.m3u8'))).toBe(true);
    } finally {
      await b.stop();
    }
  });

  it('runs by priority, then the reordered position; jobs.list shows the run order', async () => {
    const e = engineOn(path.join(dir, 'order'), { allowed_roots: [dir], concurrency: 1 });
    const started: string[] = [];
    e.on('job.started', (j) => started.push(j.options.title));
    const mk = (title: string, priority = 0): Promise<Job> => e.transcode({ source: { type: 'path', path: small }, options: { title, priority, covers: { count: 0 } } });
    const [ja, jb, , jd] = [await mk('a'), await mk('b'), await mk('c', 5), await mk('d')];
    const order = await e.reorder([jd.id, jb.id]);
    expect(order.map((j) => j.options.title)).toEqual(['c', 'd', 'b', 'a']);
    expect(e.list().map((j) => j.options.title)).toEqual(['c', 'd', 'b', 'a']);
    await e.start();
    try {
      await waitFor(() => e.get(ja.id).status === 'done', 'all done', 60_000);
      expect(started).toEqual(['c', 'd', 'b', 'a']);
      expect(e.list({ status: ['done'] })).toHaveLength(4);
      expect(e.get(ja.id).result?.covers).toEqual([]);
    } finally {
      await e.stop();
    }
  });

  it('runs `jobs.concurrency` jobs at once', async () => {
    const e = engineOn(path.join(dir, 'conc'), { allowed_roots: [dir], concurrency: 2 });
    let now = 0;
    let peak = 0;
    e.on('job.started', () => (peak = Math.max(peak, ++now)));
    e.on('job.done', () => now--);
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await e.transcode({ source: { type: 'path', path: small }, options: { covers: { count: 0 } } }));
    await e.start();
    try {
      await waitFor(() => jobs.every((j) => e.get(j.id).status === 'done'), 'all done', 60_000);
      expect(peak).toBe(2);
    } finally {
      await e.stop();
    }
  });

  it('a transient failure is retried with backoff, then fails for good; jobs.retry runs it again', async () => {
    const src = path.join(dir, 'flaky.mp4');
    copyFileSync(small, src);
    const e = engineOn(path.join(dir, 'retry'), { allowed_roots: [dir] });
    const failed: Array<{ will_retry: boolean; attempts: number; error: string | null }> = [];
    e.on('job.failed', (f) => failed.push({ will_retry: f.will_retry, attempts: f.job.attempts, error: f.job.error }));
    await e.start();
    try {
      // probed fine at creation, then broken on disk before ffmpeg reads it
      const job = await e.transcode({ source: { type: 'path', path: src }, options: { max_attempts: 2 } });
      writeFileSync(src, Buffer.alloc(4096, 7));
      await waitFor(() => e.get(job.id).status === 'failed', 'final failure', 30_000);
      expect(failed.map((f) => [f.will_retry, f.attempts])).toEqual([[true, 1], [false, 2]]);
      expect(failed[1].error).toMatch(/^ffmpeg exited 1: /);
      expect(filesUnder(path.join(dir, 'retry', 'media'))).toEqual([]);
      copyFileSync(small, src);
      expect((await e.retry(job.id)).status).toBe('queued');
      await waitFor(() => e.get(job.id).status === 'done', 'done after retry', 30_000);
      expect(e.get(job.id)).toMatchObject({ attempts: 1, error: null });
      await expect(e.retry(job.id)).rejects.toThrow(/only failed or cancelled/);
    } finally {
      await e.stop();
    }
  });
});

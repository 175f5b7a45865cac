import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../core/contract/jobs';
import { connectWs, expectOk } from '../helpers/contract-ws';
import { cleanup, descendants, filesUnder, makeVideo, tempDir } from '../helpers/jobs';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 15 acceptance, Redis restart: the queue's Redis restarts without persistence (its data is gone) while one
 * `onair worker` process runs a job and two more wait. On reconnect the studio re-queues from its SQLite record
 * what Redis lost; the worker reconnects and drains them. Every job ends done exactly once, with one output folder.
 * The running job's first attempt is lost with Redis (its worker's lock renewal fails, ffmpeg is stopped) and
 * runs again from scratch.
 */

const root = path.resolve(import.meta.dirname, '../..');

let redis: RedisServer;
let dir: string;
let data: string;
let t: TestStudio;
let worker: ChildProcess;
let out = '';
/** ffmpeg the worker left behind if it is killed in afterAll */
let orphans: number[] = [];

interface LogLine {
  time: number;
  msg: string;
  job?: string;
}

/** the worker's pino lines (JSON on stdout) */
function workerLog(): LogLine[] {
  const lines: LogLine[] = [];
  for (const l of out.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(l) as LogLine);
    } catch {}
  }
  return lines;
}
const startedOnWorker = (): LogLine[] => workerLog().filter((l) => l.msg === 'job started');
const workerFfmpeg = (): number[] => descendants(worker.pid ?? -1).filter((p) => p.comm.includes('ffmpeg')).map((p) => p.pid);
const studioSaid = (msg: string): number[] => t.studio.logs.list(1000).filter((r) => r.msg === msg).map((r) => r.time);

const jobOf = (id: string): Job => t.studio.jobs.get(id);
const ended = (id: string, ms = 60_000): Promise<Job> => waitFor(() => (['done', 'failed', 'cancelled'].includes(jobOf(id).status) ? jobOf(id) : null), `job ${id} to end`, ms, 50);

let first: string;
let small: string;
const doneEvents: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dir = tempDir('onair-redis-restart-');
  data = path.join(dir, 'data');
  // veryslow keeps the first job on the worker for a few seconds; the small ones take about a second
  first = await makeVideo(path.join(dir, 'first.mp4'), { seconds: 4 });
  small = await makeVideo(path.join(dir, 'small.mp4'), { seconds: 1 });
  const jobs = { queue: 'bullmq', x264_preset: 'veryslow', allowed_roots: [dir], bullmq: { redis: redis.url, name: 'restart', lock_ms: 2000, stalled_interval_ms: 1000, max_stalled: 3 } };
  const cfgFile = path.join(dir, 'worker.json');
  writeFileSync(cfgFile, JSON.stringify({ data_dir: data, log_level: 'info', jobs }));
  t = await startStudio({ data_dir: data, jobs });
  t.studio.jobs.on('job.done', (j) => doneEvents.push(j.id));
  worker = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'worker', '--config', cfgFile, '--concurrency', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  worker.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => {
    if (worker.exitCode !== null) throw new Error(`the worker exited:\n${out}`);
    return /^READY /m.test(out);
  }, 'the worker to connect', 30_000);
}, 90_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    orphans = workerFfmpeg();
    worker.kill('SIGKILL');
  }
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await t?.stop();
  await redis?.stop();
  cleanup(dir);
});

describe('BullMQ: the queue\'s Redis restarts and loses its data', () => {
  it('the studio re-queues what Redis lost, the worker reconnects and drains it; every job done exactly once', async () => {
    const opts = (title: string): { renditions: ['360p']; covers: { count: 0 }; title: string } => ({ renditions: ['360p'], covers: { count: 0 }, title });
    const a = await t.studio.jobs.transcode({ source: { type: 'path', path: first }, options: opts('a') });
    // the first job is on the worker (its ffmpeg runs) before the others are queued: they wait behind it
    await waitFor(() => startedOnWorker().some((l) => l.job === a.id) && workerFfmpeg().length > 0 && jobOf(a.id).status === 'running', 'the first job running on the worker', 20_000);
    const b = await t.studio.jobs.transcode({ source: { type: 'path', path: small }, options: opts('b') });
    const c = await t.studio.jobs.transcode({ source: { type: 'path', path: small }, options: opts('c') });
    expect([jobOf(b.id).status, jobOf(c.id).status]).toEqual(['queued', 'queued']);
    const ids = [a.id, b.id, c.id];

    // 3 s down: the studio's own client is back well before the Queue's connection (slower backoff), which is the
    // case that used to lose the reconcile (a 500 ms outage usually lets both come back together)
    const downAt = Date.now();
    await redis.restart(3000);
    const upAt = Date.now();

    // the studio noticed the outage and says Redis is back; it accepts jobs again (no BUSY)
    await waitFor(() => studioSaid('job queue: Redis reachable again').some((at) => at >= downAt), 'the studio to reconnect to Redis', 15_000);
    expect(studioSaid('job queue: Redis unreachable; retrying').some((at) => at >= downAt)).toBe(true);

    const done = await Promise.all(ids.map((id) => ended(id)));
    expect(done.map((j) => j.status)).toEqual(['done', 'done', 'done']);

    // the worker reconnected: it took the jobs after Redis came back (the lost ones, re-queued by the studio).
    // The running one lost its first attempt with Redis and ran again; the waiting ones ran once.
    const starts = (id: string): LogLine[] => startedOnWorker().filter((l) => l.job === id);
    expect(starts(a.id).map((l) => (l.time < downAt ? 'before' : l.time >= upAt ? 'after' : 'during'))).toEqual(['before', 'after']);
    for (const id of [b.id, c.id]) expect(starts(id).map((l) => l.time >= upAt)).toEqual([true]);
    expect(jobOf(a.id).note).toMatch(/^re-queued: .* was lost by the queue \(Redis restarted\?\)/);

    // exactly once: one job.done each, one output folder each
    expect(doneEvents.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    for (const j of done) expect(existsSync(path.join(j.result!.dir, 'index.m3u8'))).toBe(true);
    expect(new Set(done.map((j) => j.result!.dir)).size).toBe(3);
    for (const j of done) expect(readdirSync(path.dirname(j.result!.dir)).filter((n) => n.includes(j.id))).toEqual([path.basename(j.result!.dir)]);
    // statuses as the panel reads them (jobs.list over the contract): all done, nothing left queued or running
    const ws = await connectWs(t.wsUrl('/api/ws'));
    try {
      const listed = expectOk<Job[]>(await ws.call('jobs.list', { limit: 100 })).filter((j) => ids.includes(j.id));
      expect(listed.map((j) => `${j.id}:${j.status}`).sort()).toEqual(ids.map((id) => `${id}:done`).sort());
      expect(expectOk<Job[]>(await ws.call('jobs.list', { status: ['queued', 'running'] }))).toEqual([]);
    } finally {
      ws.close();
    }
    // the lost attempt's ffmpeg was stopped and its scratch removed
    await waitFor(() => workerFfmpeg().length === 0, "the worker's ffmpeg to end", 10_000);
    expect(filesUnder(path.join(data, 'media', '.onair-work')).filter((f) => ids.some((id) => f.includes(id)))).toEqual([]);

    // Redis works for new jobs: one more goes through the restarted queue
    const d = await t.studio.jobs.transcode({ source: { type: 'path', path: small }, options: opts('d') });
    expect(await ended(d.id)).toMatchObject({ status: 'done' });
    expect(doneEvents.filter((id) => id === d.id)).toHaveLength(1);
  }, 120_000);
});

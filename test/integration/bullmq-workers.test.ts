import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../core/contract/jobs';
import { connectWs } from '../helpers/contract-ws';
import { cleanup, descendants, filesUnder, makeVideo, tempDir } from '../helpers/jobs';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 15 acceptance: a studio with jobs.queue "bullmq" and two `onair worker` processes (the real CLI) drain
 * one queue; a worker killed with SIGKILL mid-job loses the job to the other (lock 2 s, stall check 1 s);
 * jobs.cancel over the contract (as the panel sends it) stops the worker's ffmpeg.
 */

const root = path.resolve(import.meta.dirname, '../..');

interface WorkerProc {
  child: ChildProcess;
  pid: number;
  /** the id it announced on its READY line ("<hostname>:<pid>"), what jobs record as their `worker` */
  id: () => string;
  out: () => string;
  /** job ids this worker logged as started */
  started: () => string[];
  ffmpeg: () => number[];
}

let redis: RedisServer;
let dir: string;
let data: string;
let t: TestStudio;
let cfgFile: string;
const workers: WorkerProc[] = [];
/** ffmpeg a SIGKILLed worker left behind (reparented away from us): ended in afterAll */
const orphans: number[] = [];

async function spawnWorker(): Promise<WorkerProc> {
  const child = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'worker', '--config', cfgFile, '--concurrency', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const pid = child.pid ?? -1;
  const w: WorkerProc = {
    child,
    pid,
    id: () => /^READY (\S+)$/m.exec(out)?.[1] ?? '',
    out: () => out,
    started: () => [...out.matchAll(/"job":"([^"]+)"[^\n]*"msg":"job started"/g)].map((m) => m[1]),
    ffmpeg: () => descendants(pid).filter((p) => p.comm.includes('ffmpeg')).map((p) => p.pid),
  };
  workers.push(w);
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the worker exited:\n${out}`);
    return /^READY /m.test(out);
  }, 'the worker to connect', 30_000);
  return w;
}

const jobOf = (id: string): Job => t.studio.jobs.get(id);
const ended = (id: string, ms = 40_000): Promise<Job> => waitFor(() => (['done', 'failed', 'cancelled'].includes(jobOf(id).status) ? jobOf(id) : null), `job ${id} to end`, ms, 50);

let small: string;
let long: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = tempDir('onair-workers-');
  data = path.join(dir, 'data');
  small = await makeVideo(path.join(dir, 'small.mp4'), { seconds: 1 });
  long = await makeVideo(path.join(dir, 'long.mp4'), { size: '640x360', seconds: 8 });
  // veryslow keeps the long job on a worker for seconds; the small ones stay well under a second
  const jobs = { queue: 'bullmq', x264_preset: 'veryslow', allowed_roots: [dir], bullmq: { redis: redis.url, name: 'accept', lock_ms: 2000, stalled_interval_ms: 1000, max_stalled: 3 } };
  // the studio and the workers share the data folder: the same media root (and inputs), like a shared disk
  cfgFile = path.join(dir, 'worker.json');
  writeFileSync(cfgFile, JSON.stringify({ data_dir: data, log_level: 'info', jobs }));
  t = await startStudio({ data_dir: data, jobs });
  await spawnWorker();
  await spawnWorker();
}, 90_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await t?.stop();
  await redis?.stop();
  cleanup(dir);
});

describe('BullMQ transcode workers (two `onair worker` processes)', () => {
  it('drain 6 jobs from one queue; both workers take jobs', async () => {
    const jobs: Job[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await t.studio.jobs.transcode({ source: { type: 'path', path: small }, options: { renditions: ['360p'], covers: { count: 0 }, title: `j${i}` } }));
    const done = await Promise.all(jobs.map((j) => ended(j.id)));
    expect(done.map((j) => j.status)).toEqual(Array(6).fill('done'));
    for (const j of done) expect(existsSync(path.join(j.result!.dir, 'index.m3u8'))).toBe(true);
    const [a, b] = workers.map((w) => w.started().filter((id) => jobs.some((j) => j.id === id)));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(new Set([...a, ...b]).size).toBe(6);
    // the record says which worker ran each job: one of the two, and both appear
    const ids = workers.map((w) => w.id());
    expect(ids[0]).toBe(`${os.hostname()}:${workers[0].pid}`);
    for (const j of done) expect(ids).toContain(j.worker);
    expect(new Set(done.map((j) => j.worker))).toEqual(new Set(ids));
    for (const j of done) expect(j.worker).toBe(a.includes(j.id) ? ids[0] : ids[1]);
  }, 60_000);

  it('a worker killed with SIGKILL mid-job: the job is taken over and finishes on the other', async () => {
    const job = await t.studio.jobs.transcode({ source: { type: 'path', path: long }, options: { renditions: ['360p'], covers: { count: 0 } } });
    const holder = await waitFor(() => workers.find((w) => w.started().includes(job.id) && w.ffmpeg().length > 0), 'a worker running the job', 20_000);
    const other = workers.find((w) => w !== holder)!;
    expect(jobOf(job.id).status).toBe('running');
    orphans.push(...holder.ffmpeg());
    holder.child.kill('SIGKILL');
    await waitFor(() => other.started().includes(job.id), 'the other worker to take the job over', 15_000);
    const d = await ended(job.id);
    expect(d).toMatchObject({ status: 'done', attempts: 2 });
    expect(d.note).toMatch(/^re-queued: .* stopped responding/);
    expect(d.note).toContain(holder.id());
    expect(d.worker).toBe(other.id());
    expect(existsSync(path.join(d.result!.dir, 'index.m3u8'))).toBe(true);
  }, 60_000);

  it('jobs.cancel over the contract reaches the worker: its ffmpeg stops, the job is cancelled', async () => {
    const w = workers.find((x) => x.child.exitCode === null && x.child.signalCode === null)!;
    const job = await t.studio.jobs.transcode({ source: { type: 'path', path: long }, options: { renditions: ['360p'], covers: { count: 0 } } });
    await waitFor(() => w.started().includes(job.id) && w.ffmpeg().length > 0 && jobOf(job.id).status === 'running', 'ffmpeg running on the worker', 20_000);
    const ws = await connectWs(t.wsUrl('/api/ws'));
    try {
      const reply = await ws.call('jobs.cancel', { id: job.id });
      expect(reply).toMatchObject({ ok: true, result: { id: job.id, status: 'cancelled' } });
      await waitFor(() => w.ffmpeg().length === 0, "the worker's ffmpeg to stop", 5000);
      expect(w.out()).toMatch(new RegExp(`"job":"${job.id}"[^\\n]*cancel received`));
      expect(filesUnder(path.join(data, 'media', '.onair-work')).filter((f) => f.includes(job.id))).toEqual([]);
      expect(w.child.exitCode).toBeNull();
    } finally {
      ws.close();
    }
  }, 60_000);

  it('SIGTERM: the worker hands its running job back and exits; a new worker finishes it', async () => {
    const w = workers.find((x) => x.child.exitCode === null && x.child.signalCode === null)!;
    const job = await t.studio.jobs.transcode({ source: { type: 'path', path: long }, options: { renditions: ['360p'], covers: { count: 0 } } });
    await waitFor(() => w.started().includes(job.id) && w.ffmpeg().length > 0, 'ffmpeg running on the worker', 20_000);
    const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
    w.child.kill('SIGTERM');
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
    await waitFor(() => jobOf(job.id).status === 'queued', 'the job back in the queue', 5000);
    expect(jobOf(job.id).note).toMatch(/handed the job back/);
    await spawnWorker();
    expect(await ended(job.id)).toMatchObject({ status: 'done' });
  }, 60_000);
});

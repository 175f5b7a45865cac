import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandNames, events, type Job } from '../../core/contract';
import { contractRig } from '../helpers/contract-ws';
import { publishTestPattern } from '../helpers/ffmpeg';
import { cleanup, jobsStudio, makeVideo, tempDir } from '../helpers/jobs';

/** jobs.* commands, recordings.fromStream and job.* events over the real WebSocket, valid and invalid arguments. */

let dir: string;
let src: string;
let long: string;
const rig = contractRig(async () => {
  dir = tempDir('onair-jobs-contract-');
  src = await makeVideo(path.join(dir, 'a.mp4'), { seconds: 2 });
  long = await makeVideo(path.join(dir, 'long.mp4'), { seconds: 60, size: '640x360' });
  return jobsStudio(path.join(dir, 'data'), { allowed_roots: [dir], concurrency: 1 });
}, () => cleanup(dir));
const { ok, fails, tested } = rig;

const transcode = async (title: string, file = src): Promise<Job> =>
  (await ok('jobs.transcode', { source: { type: 'path', path: file }, options: { renditions: ['360p'], covers: { count: 1 }, title } })) as Job;
const done = (id: string): Promise<unknown> => rig.c.waitEvent('job.done', (e) => e.data.id === id, 60_000);

describe('jobs over /api/ws', () => {
  it('refuses bad arguments before the core sees them', async () => {
    await fails('jobs.transcode', { source: { type: 'url', url: 'file:///etc/passwd' } }, 'VALIDATION');
    await fails('jobs.transcode', { source: { type: 'path', path: src }, options: { renditions: ['4k'] } }, 'VALIDATION');
    await fails('jobs.transcode', { source: { type: 'disk', path: src } }, 'VALIDATION');
    await fails('jobs.transcode', { source: { type: 'path', path: '/etc/passwd' } }, 'VALIDATION');
    await fails('jobs.transcode', { source: { type: 'path', path: path.join(dir, 'missing.mp4') } }, 'NOT_FOUND');
    await fails('jobs.list', { status: ['sleeping'] }, 'VALIDATION');
    await fails('jobs.list', { limit: 0 }, 'VALIDATION');
    for (const cmd of ['jobs.get', 'jobs.cancel', 'jobs.retry', 'jobs.reveal'] as const) {
      await fails(cmd, { id: '../x' }, 'VALIDATION');
      await fails(cmd, {}, 'VALIDATION');
      await fails(cmd, { id: 'nope' }, 'NOT_FOUND');
    }
    await fails('jobs.reorder', { ids: [] }, 'VALIDATION');
    await fails('jobs.reorder', { ids: ['a b'] }, 'VALIDATION');
  });

  it('transcode → queued/started/progress/done events; get, list, reveal; cancel/retry of a finished job refused', async () => {
    const job = await transcode('first');
    expect(['queued', 'running']).toContain(job.status);
    expect(job).toMatchObject({ input: { source: 'path', probe: { width: 320, height: 240 } }, options: { renditions: ['360p'], title: 'first' } });
    for (const name of ['job.queued', 'job.started', 'job.progress'] as const) {
      const e = await rig.c.waitEvent(name, (x) => (x.data as { id: string }).id === job.id, 30_000);
      events[name].parse(e.data);
    }
    const fin = (await done(job.id)) as { data: Job };
    events['job.done'].parse(fin.data);
    expect(fin.data.result?.master).toMatch(/\/[a-z0-9_-]+\.m3u8$/);
    expect(((await ok('jobs.get', { id: job.id })) as Job).status).toBe('done');
    expect(((await ok('jobs.list')) as Job[]).map((j) => j.id)).toContain(job.id);
    expect((await ok('jobs.list', { status: ['queued'], limit: 5 })) as Job[]).toEqual([]);
    const where = (await ok('jobs.reveal', { id: job.id })) as { file: string; folder: string };
    expect(where.folder).toBe(fin.data.result?.dir);
    expect(existsSync(where.file)).toBe(true);
    expect(path.basename(where.file)).toBe(path.posix.basename(fin.data.result!.master));
    await fails('jobs.cancel', { id: job.id }, 'VALIDATION');
    await fails('jobs.retry', { id: job.id }, 'VALIDATION');
    const r = await fetch(rig.t.httpUrl(fin.data.result!.master));
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/#EXT-X-STREAM-INF/);
  });

  it('reorder queued jobs, cancel a queued and a running one (job.cancelled), retry one, the rest finish', async () => {
    // a long job keeps the others queued (concurrency 1)
    const a = await transcode('a', long);
    await rig.c.waitEvent('job.started', (e) => e.data.id === a.id);
    const b = await transcode('b');
    const d = await transcode('d');
    await fails('jobs.reveal', { id: d.id }, 'NOT_FOUND');
    const order = (await ok('jobs.reorder', { ids: [d.id, b.id] })) as Job[];
    const queued = order.map((j) => j.id);
    expect(queued.indexOf(d.id)).toBeLessThan(queued.indexOf(b.id));
    const cancelled = (await ok('jobs.cancel', { id: b.id })) as Job;
    expect(cancelled.status).toBe('cancelled');
    const ev = await rig.c.waitEvent('job.cancelled', (e) => e.data.id === b.id);
    events['job.cancelled'].parse(ev.data);
    expect(((await ok('jobs.retry', { id: b.id })) as Job).status).toBe('queued');
    expect(((await ok('jobs.cancel', { id: a.id })) as Job).status).toBe('cancelled');
    for (const j of [b, d]) await done(j.id);
    const failed = rig.c.events.filter((e) => e.event === 'job.failed');
    for (const e of failed) events['job.failed'].parse(e.data);
  });

  it('recordings.fromStream records a live stream with ffmpeg (seed 000 /recording)', async () => {
    await fails('recordings.fromStream', { app: 'live', name: 'nobody' }, 'NOT_FOUND');
    await fails('recordings.fromStream', { app: 'live', name: 'a b' }, 'VALIDATION');
    await fails('recordings.fromStream', { app: 'live', name: 'x', callback: 'not a url' }, 'VALIDATION');
    await fails('recordings.fromStream', { app: 'live', name: 'x', duration: 0 }, 'VALIDATION');
    rig.pub = publishTestPattern(rig.t.rtmpUrl('/live/seed'), { size: '320x240', rate: 25, seconds: 30 });
    await rig.c.waitEvent('stream.published', (e) => e.data.path === '/live/seed', 15_000);
    const r = (await ok('recordings.fromStream', { app: 'live', name: 'seed', duration: 2 })) as { stream: string; status: string };
    expect(r).toMatchObject({ stream: '/live/seed', status: 'recording' });
  });

  it('covers every jobs.* command and recordings.fromStream', () => {
    const mine = commandNames.filter((n) => n.startsWith('jobs.') || n === 'recordings.fromStream');
    expect([...tested].sort()).toEqual([...mine].sort());
  });
});

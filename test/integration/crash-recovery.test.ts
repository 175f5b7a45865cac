import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procStat, reapOrphans } from '../../core/ffmpeg/processes';
import { openStore } from '../../core/store/db';
import { ProcessesRepo } from '../../core/store/processes-repo';
import { ffprobe, publishTestPattern } from '../helpers/ffmpeg';
import { cleanup, descendants, getJson, makeVideo, tempDir, testHttp, type TestHttp } from '../helpers/jobs';
import { sleep, startStudio, waitFor } from '../helpers/studio';
import { spawnStudio, type StudioProcess } from '../helpers/studio-process';

/** alive and not a zombie (a killed orphan stays a zombie until its new parent reaps it) */
const alive = (pid: number): boolean => {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
};

/** a job's ffmpeg (runTool adds -progress), not the one-off encoder listing */
const isTranscode = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('-progress');
  } catch {
    return false;
  }
};

/** kill -9 of the studio process, then a new studio on the same data folder. */
describe('crash recovery (kill -9 of the studio)', () => {
  let dir: string;
  let web: TestHttp;
  const procs: StudioProcess[] = [];

  beforeAll(async () => {
    dir = tempDir('onair-crash-');
    web = await testHttp();
  });
  afterAll(async () => {
    for (const p of procs) await p.kill9();
    await web?.close();
    cleanup(dir);
  });

  it('a transcode ffmpeg that outlived the studio is killed by the next start, and its job is re-queued with a note', async () => {
    const input = await makeVideo(path.join(dir, 'in.mp4'), { size: '640x360', seconds: 8 });
    const dataDir = path.join(dir, 'tx');
    // veryslow: the transcode runs for minutes, so only the restart can end it
    const config = { data_dir: dataDir, auth: { api: false }, jobs: { x264_preset: 'veryslow', allowed_roots: [dir], api_keys: ['k'] } };
    const s = await spawnStudio(config);
    procs.push(s);
    const r = await getJson<{ id: string }>(s.httpUrl(`/hls?key=k&way=disk&uri=${encodeURIComponent(input)}`));
    expect(r.code, s.output()).toBe('200');
    const ff = await waitFor(() => descendants(s.pid).find((p) => p.comm === 'ffmpeg' && isTranscode(p.pid)), 'the transcode ffmpeg', 30_000);
    await sleep(500);
    await s.kill9();
    // the bug this guards against: the ffmpeg outlives its studio
    await sleep(1000);
    expect(alive(ff.pid)).toBe(true);

    const t = await startStudio(config);
    try {
      // gone by the time the new studio is up
      expect(alive(ff.pid)).toBe(false);
      const job = t.studio.jobs.get(r.data.id);
      expect(['queued', 'running']).toContain(job.status);
      expect(job.note).toMatch(/re-queued: the studio stopped while this job was running/);
      expect(job.attempts).toBeGreaterThanOrEqual(1);
      // the new run's ffmpeg is written down, the dead one is not
      const running = await waitFor(() => descendants().find((p) => p.comm === 'ffmpeg' && isTranscode(p.pid)), 'the re-queued transcode to run', 30_000);
      const peek = openStore(dataDir);
      const rows = new ProcessesRepo(peek.db).list();
      peek.close();
      expect(rows.map((x) => x.pid)).not.toContain(ff.pid);
      expect(rows.find((x) => x.pid === running.pid)).toMatchObject({ kind: 'transcode', jobId: r.data.id, cmd: 'ffmpeg' });
      expect((await t.studio.jobs.cancel(r.data.id)).status).toBe('cancelled');
    } finally {
      await t.stop();
    }
    expect(descendants().filter((p) => p.comm === 'ffmpeg')).toEqual([]);
  });

  it('kills only processes that are still the one recorded (same start time, same program)', async () => {
    const store = openStore(path.join(dir, 'pids'));
    const repo = new ProcessesRepo(store.db);
    const sleeper = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const st = procStat(sleeper.pid!)!;
      const base = { bootId: null, kind: 'transcode', jobId: null, groupLeader: true, createdAt: Date.now() };
      // a reused pid: another program now, or the same name but started at another time
      repo.add({ ...base, pid: sleeper.pid!, startTime: st.startTime, cmd: 'ffmpeg' });
      repo.add({ ...base, pid: other.pid!, startTime: '1', cmd: 'sleep' });
      const killed = await reapOrphans(repo, pino({ level: 'silent' }), new Set());
      expect(killed).toEqual([]);
      expect(alive(sleeper.pid!) && alive(other.pid!)).toBe(true);
      expect(repo.list()).toEqual([]);
      // the real one is killed, with its process group
      repo.add({ ...base, pid: sleeper.pid!, startTime: st.startTime, cmd: 'sleep' });
      const gone = await reapOrphans(repo, pino({ level: 'silent' }), new Set());
      expect(gone.map((g) => g.pid)).toEqual([sleeper.pid]);
      expect(alive(sleeper.pid!)).toBe(false);
      expect(alive(other.pid!)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      other.kill('SIGKILL');
      store.close();
    }
  });

  it('a seed-000 /recording cut by kill -9 is published at the next start, with its real duration, and its callback is sent', async () => {
    const dataDir = path.join(dir, 'rec');
    const config = { data_dir: dataDir, auth: { api: false }, net: { allow_private: ['127.0.0.1'] }, jobs: { api_keys: ['k'] } };
    const s = await spawnStudio(config);
    procs.push(s);
    const pub = publishTestPattern(s.rtmpUrl('/live/x'), { size: '320x240', rate: 25, seconds: 60 });
    let answer: { id: string; diskuri: string; neturi: string };
    try {
      await waitFor(async () => (await fetch(s.httpUrl('/api/streams/live/x'))).status === 200, 'stream live', 20_000);
      const r = await getJson<typeof answer>(s.httpUrl(`/recording?key=k&m3u8=/live/x&callback=${encodeURIComponent(web.url('/cb?id=7'))}`));
      expect(r.code, s.output()).toBe('200');
      answer = r.data;
      await sleep(4500);
      await s.kill9();
    } finally {
      pub.child.kill('SIGKILL');
    }
    expect(web.received.filter((x) => x.url.pathname === '/cb')).toEqual([]);

    const t = await startStudio(config);
    try {
      const rec = t.studio.jobs.recorder.get(answer.id);
      expect(rec).toMatchObject({ status: 'done', file: answer.diskuri, error: null });
      const live = t.studio.recordings.get(answer.id);
      expect(live.status).toBe('interrupted');
      expect(live.durationMs).toBeGreaterThan(2000);
      expect(live.durationMs).toBeLessThan(6000);

      const cb = await waitFor(() => web.received.find((x) => x.url.pathname === '/cb'), 'the owed callback', 15_000);
      const q = Object.fromEntries(cb.url.searchParams);
      expect(q).toMatchObject({ id: '7', diskuri: answer.diskuri, neturi: answer.neturi });
      expect(Number(q.t)).toBeGreaterThan(0);
      // neturi names the first process's port; the same path is served by the new one
      const url = t.httpUrl(new URL(answer.neturi).pathname);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      await res.arrayBuffer();
      const probe = await ffprobe(url);
      expect(probe.streams.map((x) => x.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(Math.abs(Number(probe.format?.duration) * 1000 - live.durationMs)).toBeLessThan(600);
    } finally {
      await t.stop();
    }
    // delivered once: a third start does not send it again
    const again = await startStudio(config);
    try {
      await sleep(500);
      expect(web.received.filter((x) => x.url.pathname === '/cb')).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });
});

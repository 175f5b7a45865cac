import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { cleanup, ffmpegChildren, filesUnder, getJson, jobsStudio, tempDir, testHttp, type TestHttp } from '../helpers/jobs';
import { waitFor, type TestStudio } from '../helpers/studio';

const seedConfig = { auth: { api: false }, net: { allow_private: ['127.0.0.1'] } };

/** Seed 000's GET /recording, made by the live fMP4 recorder (no ffmpeg), then a GET callback. */
describe('GET /recording', () => {
  let dir: string;
  let t: TestStudio;
  let web: TestHttp;
  let pub: Run;

  beforeAll(async () => {
    dir = tempDir();
    web = await testHttp();
    t = await jobsStudio(path.join(dir, 'data'), { api_keys: ['k'] }, seedConfig);
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '320x240', rate: 25, seconds: 6 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.publisher, 'stream live', 15_000);
  });
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t?.stop();
    await web?.close();
    cleanup(dir);
  });

  it('records for `duration` seconds and until the stream ends; calls back with the callback URL fields, diskuri, neturi, t', async () => {
    const cb = web.url('/done?id=1&room=blue');
    const short = await getJson<{ id: string; diskuri: string; neturi: string }>(
      t.httpUrl(`/recording?key=k&m3u8=${encodeURIComponent(t.httpUrl('/live/cam.m3u8'))}&duration=2&callback=${encodeURIComponent(cb)}`),
    );
    expect(short.code).toBe('200');
    expect(short.data.neturi).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d{4}\/\d{2}\/\d{2}\/(\d+)\/\1\.mp4$/);
    expect(short.data.id).toBe(/\/(\d+)\.mp4$/.exec(short.data.neturi)?.[1]);
    // one recorder in the product: the seed recording is a live recording with the same id
    expect(t.studio.recordings.get(short.data.id)).toMatchObject({ status: 'recording', file: short.data.diskuri });
    const full = await getJson<{ id: string }>(t.httpUrl(`/recording?key=k&m3u8=/live/cam&callback=${encodeURIComponent(web.url('/done?id=2'))}`));
    expect(full.code).toBe('200');
    // the live recorder spawns no process
    expect(ffmpegChildren().filter((c) => c.pid !== pub.child.pid)).toEqual([]);

    const first = await waitFor(() => web.received.find((r) => r.url.searchParams.get('id') === '1'), 'callback 1', 20_000);
    expect(first.method).toBe('GET');
    const q = Object.fromEntries(first.url.searchParams);
    expect(Object.keys(q).sort()).toEqual(['diskuri', 'id', 'neturi', 'room', 't']);
    expect(q).toMatchObject({ id: '1', room: 'blue', diskuri: short.data.diskuri, neturi: short.data.neturi });
    expect(Math.abs(Number(q.t) - Date.now())).toBeLessThan(20_000);
    expect(existsSync(q.diskuri)).toBe(true);
    const r = await fetch(q.neturi);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    await r.arrayBuffer();
    const probe = await ffprobe(q.neturi);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format?.duration) - 2)).toBeLessThan(0.6);

    // the second recording ends with the stream (the publisher sends 6 s)
    const second = await waitFor(() => web.received.find((x) => x.url.searchParams.get('id') === '2'), 'callback 2', 30_000);
    const p2 = await ffprobe(second.url.searchParams.get('neturi')!);
    expect(Number(p2.format?.duration)).toBeGreaterThan(3);
    expect(t.studio.jobs.recorder.list().map((x) => x.status)).toEqual(['done', 'done']);
    expect(web.received.filter((x) => x.url.pathname === '/done')).toHaveLength(2);
    expect(filesUnder(path.join(dir, 'data', 'media', '.onair-work'))).toEqual([]);
  });

  it('answers 40504 for a stream that is not live, and records nothing', async () => {
    const before = t.studio.recordings.list().length;
    const r = await getJson(t.httpUrl('/recording?key=k&m3u8=/live/nobody'));
    expect(r.code).toBe('40504');
    expect(t.studio.recordings.list()).toHaveLength(before);
  });
});

describe('recordings at shutdown', () => {
  it('studio.stop() ends a recording cleanly: the MP4 is finished and published, its callback sent, no ffmpeg is left', async () => {
    const dir = tempDir();
    const web = await testHttp();
    const t = await jobsStudio(path.join(dir, 'data'), {}, seedConfig);
    const pub = publishTestPattern(t.rtmpUrl('/live/bye'), { size: '320x240', rate: 25, seconds: 20 });
    try {
      await waitFor(() => t.studio.registry.get('/live/bye')?.publisher, 'stream live', 15_000);
      const rec = await t.studio.jobs.recorder.start({ app: 'live', name: 'bye', callback: { url: web.url('/bye'), extra: {} } });
      expect(rec.status).toBe('recording');
      await waitFor(() => t.studio.recordings.get(rec.id).size > 10_000, 'recording written');
      await new Promise((r) => setTimeout(r, 1500));
      await t.stop();
      expect(ffmpegChildren().filter((c) => c.pid !== pub.child.pid)).toEqual([]);
      expect(web.received.map((x) => x.url.searchParams.get('diskuri'))).toEqual([rec.file]);
      const probe = await ffprobe(rec.file);
      expect(Number(probe.format?.duration)).toBeGreaterThan(1);
    } finally {
      pub.child.kill('SIGKILL');
      await web.close();
      cleanup(dir);
    }
  });
});

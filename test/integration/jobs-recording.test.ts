import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { cleanup, ffmpegChildren, filesUnder, getJson, jobsStudio, tempDir, testHttp, type TestHttp } from '../helpers/jobs';
import { waitFor, type TestStudio } from '../helpers/studio';

/** Seed 000's GET /recording: a live stream to MP4 via our own HTTP-FLV, then a GET callback. */
describe('GET /recording', () => {
  let dir: string;
  let t: TestStudio;
  let web: TestHttp;
  let pub: Run;

  beforeAll(async () => {
    dir = tempDir();
    web = await testHttp();
    t = await jobsStudio(path.join(dir, 'data'));
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '320x240', rate: 25, seconds: 6 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.publisher, 'stream live', 15_000);
  });
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t?.stop();
    await web?.close();
    cleanup(dir);
  });

  it('records for `duration` seconds and until the stream ends; calls back with the caller fields, diskuri, neturi, t', async () => {
    const cb = web.url('/done?id=1');
    const short = await getJson<{ id: string; diskuri: string; neturi: string }>(
      t.httpUrl(`/recording?m3u8=${encodeURIComponent(t.httpUrl('/live/cam.m3u8'))}&duration=2&callback=${encodeURIComponent(cb)}&room=blue`),
    );
    expect(short.code).toBe('200');
    expect(short.data.neturi).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d{4}\/\d{2}\/\d{2}\/(\d+)\/\1\.mp4$/);
    const full = await getJson<{ id: string }>(t.httpUrl(`/recording?m3u8=/live/cam&callback=${encodeURIComponent(web.url('/done?id=2'))}`));
    expect(full.code).toBe('200');

    const first = await waitFor(() => web.received.find((r) => r.url.searchParams.get('id') === '1'), 'callback 1', 20_000);
    expect(first.method).toBe('GET');
    const q = Object.fromEntries(first.url.searchParams);
    expect(Object.keys(q).sort()).toEqual(['diskuri', 'id', 'neturi', 'room', 't']);
    expect(q).toMatchObject({ id: '1', room: 'blue', diskuri: short.data.diskuri, neturi: short.data.neturi });
    expect(Math.abs(Number(q.t) - Date.now())).toBeLessThan(20_000);
    expect(existsSync(q.diskuri)).toBe(true);
    const r = await fetch(q.neturi);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    const probe = await ffprobe(q.neturi);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format?.duration) - 2)).toBeLessThan(0.6);

    // the second recording ends with the stream (the publisher sends 6 s)
    const second = await waitFor(() => web.received.find((x) => x.url.searchParams.get('id') === '2'), 'callback 2', 30_000);
    const p2 = await ffprobe(second.url.searchParams.get('neturi')!);
    expect(Number(p2.format?.duration)).toBeGreaterThan(3);
    expect(t.studio.jobs.recorder.list().map((x) => x.status)).toEqual(['done', 'done']);
    expect(ffmpegChildren().filter((c) => c.comm !== 'ffmpeg' || c.pid !== pub.child.pid)).toEqual([]);
    expect(filesUnder(path.join(dir, 'data', 'media', '.onair-work'))).toEqual([]);
  });
});

describe('recordings at shutdown', () => {
  it('studio.stop() ends a recording cleanly: the MP4 is finished and published, no ffmpeg is left', async () => {
    const dir = tempDir();
    const t = await jobsStudio(path.join(dir, 'data'));
    const pub = publishTestPattern(t.rtmpUrl('/live/bye'), { size: '320x240', rate: 25, seconds: 20 });
    try {
      await waitFor(() => t.studio.registry.get('/live/bye')?.publisher, 'stream live', 15_000);
      const rec = await t.studio.jobs.recorder.start({ app: 'live', name: 'bye' });
      await waitFor(() => filesUnder(path.join(dir, 'data', 'media', '.onair-work')).length > 0, 'recording started');
      await new Promise((r) => setTimeout(r, 2000));
      await t.stop();
      expect(ffmpegChildren().filter((c) => c.pid !== pub.child.pid)).toEqual([]);
      expect(t.studio.jobs.recorder.get(rec.id)?.status).toBe('done');
      const probe = await ffprobe(rec.file);
      expect(Number(probe.format?.duration)).toBeGreaterThan(1);
    } finally {
      pub.child.kill('SIGKILL');
      cleanup(dir);
    }
  });
});

import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe } from '../helpers/ffmpeg';
import { cleanup, filesUnder, getJson, jobsStudio, makeVideo, tempDir, testHttp, waitJob, type TestHttp } from '../helpers/jobs';
import { waitFor, type TestStudio } from '../helpers/studio';

interface Addresses {
  liveAddress: string;
  hdAddress: string;
  cover: string[];
  masterAddress: string;
  id: string;
}

/** JPEG width/height from the SOF0/SOF2 marker. */
function jpegSize(b: Buffer): { width: number; height: number } {
  expect(b.subarray(0, 2).toString('hex')).toBe('ffd8');
  let i = 2;
  while (i < b.length) {
    const marker = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** Seed 000's three ways in (disk path, URL, multipart upload), each to multi-bitrate HLS with covers and a callback. */
describe('transcode to HLS: disk, URL and upload', () => {
  let dir: string;
  let src: string;
  let t: TestStudio;
  let web: TestHttp;

  beforeAll(async () => {
    dir = tempDir();
    src = await makeVideo(path.join(dir, 'clip.mp4'), { size: '854x480', seconds: 3 });
    web = await testHttp({
      '/clip.mp4': (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': statSync(src).size });
        createReadStream(src).pipe(res);
      },
    });
    // the download and callback server is on loopback, which outbound requests refuse unless allowed
    t = await jobsStudio(path.join(dir, 'data'), { allowed_roots: [dir] }, { auth: { api: false }, net: { allow_private: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await t?.stop();
    await web?.close();
    cleanup(dir);
  });

  /** ffprobe every rendition and the master; check the covers, the callback and the scratch folder. */
  async function checkOutputs(a: Addresses, coverSize: { width: number; height: number }, covers: number): Promise<void> {
    const job = await waitJob(t, a.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('done');
    // seed 000's HD + SD: 720p would upscale an 854x480 source, so 480p is both
    expect(job.result?.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['480p 854x480']);
    for (const u of [a.liveAddress, a.hdAddress, a.masterAddress]) {
      const r = await fetch(u);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      const probe = await ffprobe(u);
      const v = probe.streams.find((s) => s.codec_type === 'video');
      expect(v).toMatchObject({ codec_name: 'h264', width: 854, height: 480 });
      expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
      expect(Math.abs(Number(probe.format?.duration) - 3)).toBeLessThan(0.3);
    }
    const master = await (await fetch(a.masterAddress)).text();
    expect(master).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=854x480,FRAME-RATE=25\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    expect(a.cover).toHaveLength(covers);
    for (const c of a.cover) {
      const r = await fetch(c);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      expect(jpegSize(Buffer.from(await r.arrayBuffer()))).toEqual(coverSize);
    }
    // the callback got the documented envelope with the same addresses
    const cb = await waitFor(() => web.received.find((x) => x.url.pathname === '/cb' && x.body.includes(`"id":"${a.id}"`)), 'callback');
    expect(cb.method).toBe('POST');
    expect(JSON.parse(cb.body)).toEqual({ code: '200', data: a, msg: null });
    // nothing left in scratch
    expect(filesUnder(path.join(dir, 'data', 'media', '.onair-work'))).toEqual([]);
  }

  it('way=disk: a local path inside the allowed roots', async () => {
    const res = await getJson<Addresses>(t.httpUrl(`/hls?way=disk&uri=${encodeURIComponent(src)}&cover=0.5&cover=2&callback=${encodeURIComponent(web.url('/cb'))}`));
    expect(res.code).toBe('200');
    expect(res.msg).toBeNull();
    expect(res.data.liveAddress).toMatch(new RegExp(`^${t.httpUrl('/')}\\d{4}/\\d{2}/\\d{2}/\\d+/480p\\.m3u8$`));
    await checkOutputs(res.data, { width: 854, height: 480 }, 2);
    expect(readFileSync(src).length).toBeGreaterThan(0); // the user's file is left alone
  });

  it('way=url: downloaded from a local HTTP server, with a cover list "[1,2,2.5]"', async () => {
    const res = await getJson<Addresses>(t.httpUrl(`/hls?way=url&uri=${encodeURIComponent(web.url('/clip.mp4'))}&cover=${encodeURIComponent('[1,2,2.5]')}&callback=${encodeURIComponent(web.url('/cb'))}`));
    expect(res.code).toBe('200');
    await checkOutputs(res.data, { width: 854, height: 480 }, 3);
    // the downloaded copy belonged to the job and is gone
    expect(filesUnder(path.join(dir, 'data', 'jobs'))).toEqual([]);
  });

  it('POST /update: multipart upload with cover and callback fields', async () => {
    const fd = new FormData();
    fd.append('file', new Blob([readFileSync(src)], { type: 'video/mp4' }), 'clip.mp4');
    fd.append('cover', '1.5');
    fd.append('callback', web.url('/cb'));
    const res = await getJson<Addresses>(t.httpUrl('/update'), { method: 'POST', body: fd });
    expect(res.code).toBe('200');
    await checkOutputs(res.data, { width: 854, height: 480 }, 1);
    expect(filesUnder(path.join(dir, 'data', 'jobs'))).toEqual([]);
  });

  it('a contract-style job: two renditions (480p + 360p), covers at a chosen size, served with the right types', async () => {
    const job = await t.studio.jobs.transcode({ source: { type: 'path', path: src }, options: { renditions: ['360p', '480p', '1080p'], covers: { count: 2, width: 160 } } });
    const done = await waitJob(t, job.id);
    expect(done.status).toBe('done');
    const r = done.result!;
    expect(r.renditions.map((x) => [x.name, x.width, x.height])).toEqual([['480p', 854, 480], ['360p', 640, 360]]);
    for (const x of r.renditions) {
      expect(x.bandwidth).toBeGreaterThanOrEqual(x.average_bandwidth);
      expect(x.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      const probe = await ffprobe(t.httpUrl(x.playlist));
      expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: x.width, height: x.height });
      expect(Math.abs(Number(probe.format?.duration) - 3)).toBeLessThan(0.3);
    }
    const master = await ffprobe(t.httpUrl(r.master));
    expect(master.streams.filter((s) => s.codec_type === 'video').map((s) => s.height).sort()).toEqual([360, 480]);
    for (const c of r.covers) expect(jpegSize(Buffer.from(await (await fetch(t.httpUrl(c))).arrayBuffer()))).toEqual({ width: 160, height: 90 });
    const seg = readFileSync(path.join(r.dir, '360p.m3u8'), 'utf8').match(/360p_\d+\.ts/)![0];
    const s = await fetch(t.httpUrl(r.master.replace('index.m3u8', seg)));
    expect(s.headers.get('content-type')).toBe('video/mp2t');
    expect(s.headers.get('cache-control')).toContain('max-age=31536000');
    const ranged = await fetch(t.httpUrl(r.covers[0]), { headers: { range: 'bytes=0-1' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).toString('hex')).toBe('ffd8');
  });

  it('the media route refuses traversal, unknown types, listings and other methods', async () => {
    const job = t.studio.jobs.list({ status: ['done'] })[0];
    const base = job.result!.master.replace('/index.m3u8', '');
    writeFileSync(path.join(job.result!.dir, 'notes.txt'), 'secret');
    const id = base.split('/').pop()!;
    const raw = [
      `${base}/notes.txt`, `${base}/..%2F..%2F..%2F..%2F..%2Fonair.db`, `${base}/%2e%2e%2fx.jpg`, `${base.replace(id, '..')}/${id}`,
      `${base.replace(id, '%2e%2e')}/index.m3u8`, '/2024/13/01/1/index.m3u8', `${base.replace(id, '.onair-work')}/x.ts`,
    ];
    for (const p of raw) {
      // raw request paths: fetch() would normalise the dots away before they reach the server
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: t.ports.http, path: p }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      // 404 from the media route, or 400/404 from whatever answers paths it does not match: never the file
      expect([400, 404], p).toContain(status);
    }
    const post = await fetch(t.httpUrl(`${base}/index.m3u8`), { method: 'POST' });
    expect(post.status).toBe(405);
    const head = await fetch(t.httpUrl(`${base}/index.m3u8`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('no-cache');
  });

  it('GET /version', async () => {
    const v = await getJson(t.httpUrl('/version'));
    expect(v).toMatchObject({ code: '200', msg: null, data: { version: expect.any(String) } });
  });
});

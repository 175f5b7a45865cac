import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, filesUnder, getJson, jobsStudio, makeVideo, tempDir, testHttp, type TestHttp } from '../helpers/jobs';
import type { TestStudio } from '../helpers/studio';

/** Every seed-000 error code, produced for real; and after each refusal no scratch file is left. */
describe('seed-000 API error codes', () => {
  let dir: string;
  let roots: string;
  let video: string;
  let t: TestStudio;
  let web: TestHttp;
  const q = (params: Record<string, string>): string => new URLSearchParams(params).toString();

  beforeAll(async () => {
    dir = tempDir();
    roots = path.join(dir, 'allowed');
    mkdirSync(roots);
    video = await makeVideo(path.join(roots, 'ok.mp4'), { seconds: 2 });
    writeFileSync(path.join(roots, 'notes.txt'), 'this is not a video\n'.repeat(100));
    writeFileSync(path.join(dir, 'outside.mp4'), readFileSync(video));
    symlinkSync(path.join(dir, 'outside.mp4'), path.join(roots, 'escape.mp4'));
    web = await testHttp({
      '/missing.mp4': (_req, res) => {
        res.writeHead(404);
        res.end('nope');
      },
      '/text.mp4': (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end('not really a video');
      },
      // headers, a few bytes, then nothing: the download must give up at download_timeout_ms
      '/never-ends.mp4': (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.write(Buffer.alloc(1000));
      },
      '/huge.mp4': (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end(Buffer.alloc(300_000));
      },
    });
    t = await jobsStudio(path.join(dir, 'data'), { allowed_roots: [roots], api_keys: ['k1'], download_timeout_ms: 800, max_download_bytes: 200_000, max_upload_bytes: 200_000 }, { auth: { api: false }, net: { allow_private: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await t?.stop();
    await web?.close();
    cleanup(dir);
  });

  const hls = (p: Record<string, string>) => getJson(t.httpUrl(`/hls?${q({ key: 'k1', ...p })}`));
  const upload = (file: Blob | null, fields: Record<string, string> = {}, key = 'k1') => {
    const fd = new FormData();
    // the key goes before the file: it is checked before a byte of the file is written
    fd.append('key', key);
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    if (file) fd.append('file', file, 'clip.mp4');
    return getJson(t.httpUrl('/update'), { method: 'POST', body: fd });
  };

  it('444: a missing or wrong key (when jobs.api_keys is set)', async () => {
    expect(await getJson(t.httpUrl(`/hls?${q({ way: 'disk', uri: video })}`))).toEqual({ code: '444', data: null, msg: 'bad key' });
    expect((await hls({ key: 'nope', way: 'disk', uri: video })).code).toBe('444');
    expect((await upload(new Blob(['tiny']), {}, 'nope')).code).toBe('444');
    expect((await getJson(t.httpUrl('/recording?m3u8=/live/x&key=bad'))).code).toBe('444');
  });

  it('40502: a callback that is not an http(s) URL', async () => {
    for (const callback of ['not a url', 'ftp://example.com/x', 'javascript:alert(1)', 'file:///etc/passwd']) {
      expect((await hls({ way: 'disk', uri: video, callback })).code, callback).toBe('40502');
    }
    expect((await upload(new Blob(['tiny']), { callback: 'nope' })).code).toBe('40502');
    expect((await getJson(t.httpUrl('/recording?m3u8=/live/x&key=k1&callback=nope'))).code).toBe('40502');
  });

  it('40503: a disk file that is missing, outside the allowed roots, behind "..", or a symlink out', async () => {
    for (const uri of [path.join(roots, 'missing.mp4'), path.join(dir, 'outside.mp4'), `${roots}/../outside.mp4`, path.join(roots, 'escape.mp4'), '/etc/passwd']) {
      const r = await hls({ way: 'disk', uri });
      expect(r.code, uri).toBe('40503');
      expect(r.msg).toBeTruthy();
    }
  });

  it('40501: not a supported video (a text file on disk, a text download, an upload of text or of 0 bytes)', async () => {
    expect((await hls({ way: 'disk', uri: path.join(roots, 'notes.txt') })).code).toBe('40501');
    expect((await hls({ way: 'url', uri: web.url('/text.mp4') })).code).toBe('40501');
    expect((await upload(new Blob(['hello, not a video']))).code).toBe('40501');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
      + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201ab5d9a2f0000000049454e44ae426082', 'hex');
    expect((await upload(new Blob([png]))).code).toBe('40501');
    const empty = await upload(new Blob([]));
    expect(empty.code).toBe('40501');
    expect(empty.msg).toMatch(/empty|0 bytes/);
  });

  it('40504: a download that 404s, never ends, is too big, or is not http(s); a stream that is not live', async () => {
    for (const uri of [web.url('/missing.mp4'), web.url('/never-ends.mp4'), web.url('/huge.mp4'), 'ftp://127.0.0.1/x.mp4', 'http://127.0.0.1:1/x.mp4']) {
      const r = await hls({ way: 'url', uri });
      expect(r.code, uri).toBe('40504');
      expect(r.msg, uri).not.toMatch(/nope|\/tmp\//); // neither the remote's answer nor a local path
    }
    expect((await hls({ way: 'url', uri: web.url('/missing.mp4') })).msg).toBe('download failed: HTTP 404');
    const rec = await getJson(t.httpUrl('/recording?m3u8=/live/nobody&key=k1'));
    expect(rec.code).toBe('40504');
    expect(rec.msg).toMatch(/not live/);
  });

  it('40500: bad parameters and uploads over the size limit', async () => {
    expect((await hls({ way: 'ftp', uri: video })).code).toBe('40500');
    expect((await hls({ way: 'disk' })).code).toBe('40500');
    expect((await hls({ way: 'disk', uri: video, cover: 'abc' })).code).toBe('40500');
    expect((await hls({ way: 'disk', uri: 'relative/path.mp4' })).code).toBe('40500');
    expect((await upload(null, { cover: '1' })).code).toBe('40500');
    const big = await upload(new Blob([Buffer.alloc(300_000)]));
    expect(big.code).toBe('40500');
    expect(big.msg).toMatch(/limit/);
    const notMultipart = await getJson(t.httpUrl('/update?key=k1'), { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notMultipart.code).toBe('40500');
    expect((await getJson(t.httpUrl('/recording?m3u8=../../etc&key=k1'))).code).toBe('40500');
    expect((await getJson(t.httpUrl('/recording?m3u8=/live/x&duration=-1&key=k1'))).code).toBe('40500');
  });

  it('no scratch files are left by any refusal', () => {
    expect(filesUnder(path.join(dir, 'data', 'jobs'))).toEqual([]);
    expect(filesUnder(path.join(dir, 'data', 'media'))).toEqual([]);
    expect(t.studio.jobs.list()).toEqual([]);
  });
});

describe('seed-000 API: 500 when the studio cannot take the job', () => {
  let dir: string;
  let t: TestStudio;

  beforeAll(async () => {
    dir = tempDir();
    await makeVideo(path.join(dir, 'ok.mp4'), { seconds: 1 });
    // the media root is a regular file: nothing can be written under it
    writeFileSync(path.join(dir, 'media-is-a-file'), 'x');
    t = await jobsStudio(path.join(dir, 'data'), { allowed_roots: [dir] }, { auth: { api: false }, http: { port: 0, mediaroot: path.join(dir, 'media-is-a-file') } });
  });
  afterAll(async () => {
    await t?.stop();
    cleanup(dir);
  });

  it('500: the media folder is not writable', async () => {
    const r = await getJson(t.httpUrl(`/hls?way=disk&uri=${encodeURIComponent(path.join(dir, 'ok.mp4'))}`));
    expect(r.code).toBe('500');
    expect(r.msg).toMatch(/media folder is not writable/);
    expect(r.msg).not.toContain(dir); // where files live stays in the log
    expect(r.data).toBeNull();
  });
});

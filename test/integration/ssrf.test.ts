import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../../core/net/outbound';
import { cleanup, filesUnder, getJson, makeVideo, tempDir, testHttp, type TestHttp } from '../helpers/jobs';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 8 item 3: URL downloads and callbacks of a real studio refuse loopback, private and link-local
 * addresses (also spelled as numbers, and behind redirects), and their errors name neither the
 * remote's answer nor local files. Non-loopback ranges come from a resolver stub: nothing is sent off
 * this machine (a refused address is never connected to).
 */
describe('outbound requests of a studio (SSRF)', () => {
  let dir: string;
  let t: TestStudio;
  let web: TestHttp;
  let port: string;
  let video: Buffer;
  const slow = { closed: 0, sent: 0 };

  // made-up names: "front.example" stands in for a public server (allowed by name, lives on loopback)
  const resolver: Resolver = async (host) => {
    const table: Record<string, string> = { 'front.example': '127.0.0.1', 'media.example': '10.0.0.1', 'meta.example': '169.254.169.254', 'v6.example': '::1' };
    if (!table[host]) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return [{ address: table[host], family: table[host].includes(':') ? 6 : 4 }];
  };

  beforeAll(async () => {
    dir = tempDir();
    video = readFileSync(await makeVideo(path.join(dir, 'clip.mp4'), { seconds: 1 }));
    web = await testHttp({
      '/clip.mp4': (_q, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end(video);
      },
      '/to-loopback': (_q, res) => {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/clip.mp4` });
        res.end();
      },
      '/to-private-name': (_q, res) => {
        res.writeHead(301, { location: `http://media.example:${port}/clip.mp4` });
        res.end();
      },
      '/to-front': (_q, res) => {
        res.writeHead(302, { location: '/clip.mp4' });
        res.end();
      },
      '/secret.mp4': (_q, res) => {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end('admin console: token=s3cr3t-body');
      },
      '/notes.mp4': (_q, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end('just some text, not a video\n'.repeat(50));
      },
      '/slow.mp4': (req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '10000000' });
        const tick = setInterval(() => {
          res.write(Buffer.alloc(512));
          slow.sent++;
        }, 50);
        req.socket.once('close', () => {
          clearInterval(tick);
          slow.closed = Date.now();
        });
      },
    });
    port = new URL(web.url('/')).port;
    t = await startStudio(
      { data_dir: path.join(dir, 'data'), auth: { api: false }, net: { allow_private: ['front.example'] }, jobs: { x264_preset: 'ultrafast', download_timeout_ms: 30_000 } },
      { resolver },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await web?.close();
    cleanup(dir);
  });

  const hls = (params: Record<string, string>) => getJson(t.httpUrl(`/hls?${new URLSearchParams(params).toString()}`));
  const requested = (p: string): number => web.received.filter((r) => r.url.pathname === p).length;

  it('way=url to loopback (any spelling), 10.x, 169.254.x, ::1 is refused before a connection', async () => {
    const uris = [
      `http://127.0.0.1:${port}/clip.mp4`, `http://2130706433:${port}/clip.mp4`, `http://0x7f000001:${port}/clip.mp4`, `http://0177.0.0.1:${port}/clip.mp4`,
      `http://127.1:${port}/clip.mp4`, `http://[::ffff:127.0.0.1]:${port}/clip.mp4`, `http://[::1]:${port}/clip.mp4`, `http://localhost:${port}/clip.mp4`.replace('localhost', 'v6.example'),
      `http://media.example:${port}/clip.mp4`, `http://meta.example/latest/meta-data/`, 'http://10.0.0.1/x.mp4', 'http://169.254.169.254/x.mp4', `http://0.0.0.0:${port}/clip.mp4`,
    ];
    for (const uri of uris) expect(await hls({ way: 'url', uri }), uri).toEqual({ code: '40504', data: null, msg: 'download refused: private address' });
    expect(requested('/clip.mp4')).toBe(0);
    expect(filesUnder(path.join(dir, 'data', 'jobs'))).toEqual([]);
  });

  it('a redirect is checked again: to loopback or to a name resolving to 10.x is refused; to an allowed host it is followed', async () => {
    expect(await hls({ way: 'url', uri: `http://front.example:${port}/to-loopback` })).toEqual({ code: '40504', data: null, msg: 'download refused: private address' });
    expect(await hls({ way: 'url', uri: `http://front.example:${port}/to-private-name` })).toEqual({ code: '40504', data: null, msg: 'download refused: private address' });
    expect(requested('/to-loopback') + requested('/to-private-name')).toBe(2);
    expect(requested('/clip.mp4')).toBe(0);
    const ok = await hls({ way: 'url', uri: `http://front.example:${port}/to-front` });
    expect(ok.code).toBe('200');
    expect(requested('/clip.mp4')).toBe(1);
  });

  it("errors carry neither the remote's answer nor local paths", async () => {
    const denied = await hls({ way: 'url', uri: `http://front.example:${port}/secret.mp4` });
    expect(denied).toEqual({ code: '40504', data: null, msg: 'download failed: HTTP 403' });
    const text = await hls({ way: 'url', uri: `http://front.example:${port}/notes.mp4` });
    expect(text.code).toBe('40501');
    const gone = await hls({ way: 'url', uri: 'http://127.0.0.1:1/x.mp4'.replace('127.0.0.1', 'front.example') });
    expect(gone).toEqual({ code: '40504', data: null, msg: 'download failed: connection refused' });
    for (const r of [denied, text, gone]) {
      expect(r.msg).not.toContain(dir);
      expect(r.msg).not.toContain('s3cr3t');
      expect(r.msg).not.toMatch(/\/(tmp|home|var)\//);
    }
  });

  it('callbacks to 127.0.0.1, ::1, 10.x and 169.254.x are refused at request time with 40502', async () => {
    const refused = { code: '40502', data: null, msg: 'callback refused: private address' };
    for (const callback of [web.url('/cb'), `http://[::1]:${port}/cb`, `http://2130706433:${port}/cb`, `http://media.example:${port}/cb`, 'http://169.254.169.254/cb']) {
      expect(await hls({ way: 'url', uri: `http://front.example:${port}/clip.mp4`, callback }), callback).toEqual(refused);
      expect(await getJson(t.httpUrl(`/recording?m3u8=/live/x&callback=${encodeURIComponent(callback)}`)), callback).toEqual(refused);
    }
    const fd = new FormData();
    fd.append('file', new Blob([new Uint8Array(video)]), 'clip.mp4');
    fd.append('callback', 'http://[::1]/cb');
    expect(await getJson(t.httpUrl('/update'), { method: 'POST', body: fd })).toEqual(refused);
    // the engine itself (contract, REST) refuses too
    await expect(t.studio.jobs.transcode({ source: { type: 'url', url: `http://front.example:${port}/clip.mp4` }, options: { callback: 'http://10.0.0.1/cb' } })).rejects.toThrow('callback refused: private address');
    expect(requested('/cb')).toBe(0);
  });

  it('a client that hangs up cancels its download: the remote sees its connection closed and no partial file stays', async () => {
    const ac = new AbortController();
    const asked = fetch(t.httpUrl(`/hls?way=url&uri=${encodeURIComponent(`http://front.example:${port}/slow.mp4`)}`), { signal: ac.signal }).catch(() => null);
    const incoming = path.join(dir, 'data', 'jobs', 'incoming');
    await waitFor(() => slow.sent >= 3 && filesUnder(incoming).length === 1, 'the download to be under way');
    ac.abort();
    const hungUp = Date.now();
    await asked;
    await waitFor(() => slow.closed, 'the remote to see its connection closed', 2000);
    expect(slow.closed - hungUp).toBeLessThan(2000);
    await waitFor(() => filesUnder(incoming).length === 0, 'the partial download to be removed', 2000);
    expect(filesUnder(path.join(dir, 'data', 'jobs', 'inputs'))).not.toContainEqual(expect.stringMatching(/slow/));
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../core/api/stats';
import { UC, userControlMsg } from '../../core/format/rtmp/rtmp-messages';
import { decodeFrames, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * What a Node-Media-Server 2.x user brings along: the panel at /admin/ (seed 004), a `trans.tasks` config
 * (hls/dash switches and flags, mp4 auto-recording), rtmp.ping/ping_timeout, and the version in /api/server.
 */
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

interface Rec {
  id: string;
  stream: string;
  status: string;
  durationMs: number;
  size: number;
}

describe('a Node-Media-Server 2.x config and URLs', () => {
  let t: TestStudio;
  let dir: string;
  const pubs: Run[] = [];
  const started = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'onair-nms-'));
    const web = path.join(dir, 'web');
    mkdirSync(path.join(web, 'assets'), { recursive: true });
    // like the real build: relative asset URLs (vite base './'), which only resolve from the root
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>panel</title><script type="module" src="./assets/app-1.js"></script>');
    writeFileSync(path.join(web, 'assets', 'app-1.js'), 'console.log(1)');
    t = await startStudio({
      data_dir: path.join(dir, 'data'),
      http: { webroot: web },
      record: { min_free_mb: 0 },
      hls: { apps: { over: { hls: false } } },
      trans: {
        ffmpeg: '/usr/local/bin/ffmpeg',
        tasks: [
          { app: 'live', hls: true, hlsFlags: '[hls_time=1:hls_list_size=3:hls_flags=delete_segments]', dash: true, dashFlags: '[f=dash:window_size=3:extra_window_size=5]', mp4: true, mp4Flags: '[movflags=frag_keyframe+empty_moov]' },
          { app: 'quiet', hls: false, dash: false },
          { app: 'over', hls: true },
        ],
      },
    });
    for (const p of ['/live/nms', '/quiet/nms', '/over/nms']) pubs.push(publishTestPattern(t.rtmpUrl(p), { size: '320x240', seconds: 40 }));
    for (const p of ['/live/nms', '/quiet/nms', '/over/nms']) await waitFor(() => t.studio.registry.get(p)?.ready, `${p} live`, 15_000);
  });

  afterAll(async () => {
    for (const p of pubs) p.child.kill('SIGKILL');
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('/admin and /admin/ (seed 004) open the panel: redirected to /, keeping ?token=, and its assets load', async () => {
    for (const [from, location] of [['/admin/', '../'], ['/admin', './']]) {
      const r = await fetch(t.httpUrl(`${from}?token=abc`), { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe(`${location}?token=abc`);
      const page = await fetch(t.httpUrl(`${from}?token=abc`), { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.url).toBe(t.httpUrl('/?token=abc'));
      const html = await page.text();
      expect(html).toContain('<title>panel</title>');
      // the asset URL as the browser resolves it against the page it landed on
      const src = /src="([^"]+)"/.exec(html)![1];
      const asset = await fetch(new URL(src, page.url));
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    const head = await fetch(t.httpUrl('/admin/'), { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(302);
    // only those two paths: other /admin… paths are not the panel
    expect((await fetch(t.httpUrl('/admin/x.js'))).status).toBe(404);
  });

  it('trans.tasks hls/hlsFlags/dash map onto the app: 1 s segments, 3 in the list, DASH on', async () => {
    await sleep(Math.max(0, 6000 - (Date.now() - started)));
    const text = await (await fetch(t.httpUrl('/live/nms/index.m3u8'))).text();
    expect(text).toMatch(/#EXT-X-TARGETDURATION:2\n/); // ceil(1.5 x hls_time=1); the default 2 s would say 3
    const durations = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    expect(durations.length).toBe(3);
    for (const d of durations) expect(Math.abs(d - 1)).toBeLessThan(0.05);
    const mpd = await fetch(t.httpUrl('/live/nms/index.mpd'));
    expect(mpd.status).toBe(200);
    expect(await mpd.text()).toContain('<MPD');
  });

  it('a task with hls: false / dash: false turns them off for its app; hls.apps.<app> wins over a task', async () => {
    for (const [url, code] of [['/quiet/nms/index.m3u8', 'HLS_OFF'], ['/quiet/nms/index.mpd', 'DASH_OFF'], ['/over/nms/index.m3u8', 'HLS_OFF']]) {
      const r = await fetch(t.httpUrl(url));
      expect(r.status, url).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code, url).toBe(code);
    }
    // the stream itself is live: only the packagers are off
    expect((await decodeFrames(t.httpUrl('/quiet/nms.flv'), 5)).frames).toBe(5);
  });

  it('mp4: true records the app while live; the recording ends with the stream and plays', async () => {
    const list = async (): Promise<Rec[]> => ((await (await fetch(t.httpUrl('/api/recordings'))).json()) as { recordings: Rec[] }).recordings;
    const live = await waitFor(async () => (await list()).find((r) => r.stream === '/live/nms'), 'automatic recording of /live/nms');
    expect(live.status).toBe('recording');
    // apps without mp4 (or record.auto_apps) are not recorded
    expect((await list()).filter((r) => r.stream !== '/live/nms')).toEqual([]);
    // while live, the fragments written so far already play
    await waitFor(async () => (await list()).find((r) => r.id === live.id && r.size > 20_000), 'fragments on disk');
    expect((await decodeFrames(t.httpUrl(`/api/recordings/${live.id}/file`), 10)).frames).toBe(10);
    pubs[0].child.kill('SIGKILL');
    const done = await waitFor(async () => (await list()).find((r) => r.id === live.id && r.status === 'done'), 'recording done', 15_000);
    expect(done.durationMs).toBeGreaterThan(2000);
    const d = await decodeFrames(t.httpUrl(`/api/recordings/${live.id}/file`), 60);
    expect(d.stderr).toBe('');
    expect(d.frames).toBe(60);
  });

  it("/api/server and /version answer package.json's version", async () => {
    const server = (await (await fetch(t.httpUrl('/api/server'))).json()) as { version: string };
    expect(server.version).toBe(pkg.version);
    const v = (await (await fetch(t.httpUrl('/version'))).json()) as { data: { version: string } };
    expect(v.data.version).toBe(pkg.version);
    // read from package.json, not written in the source
    expect(readFileSync(path.join(root, 'core/api/stats.ts'), 'utf8')).not.toMatch(/['"`]\d+\.\d+\.\d+['"`]/);
  });
});

describe('packageVersion', () => {
  it('finds the nearest package.json named onair-studio above the module (dist/core/, electron/dist/)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onair-ver-'));
    try {
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'onair-studio', version: '9.8.7' }));
      mkdirSync(path.join(dir, 'dist/core'), { recursive: true });
      writeFileSync(path.join(dir, 'dist/package.json'), JSON.stringify({ name: 'something-else', version: '1.2.3' }));
      expect(packageVersion(pathToFileURL(path.join(dir, 'dist/core/cli.js')).href)).toBe('9.8.7');
      expect(packageVersion(pathToFileURL(path.join(dir, 'electron/dist/main.js')).href)).toBe('9.8.7');
      expect(packageVersion()).toBe(pkg.version);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rtmp.ping / rtmp.ping_timeout', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ rtmp: { ping: 1, ping_timeout: 2 } });
  });
  afterAll(() => t?.stop());

  it('closes a client that stops talking after ping_timeout; one that answers the pings stays', async () => {
    const ids = new Map<string, string>();
    const closedAt = new Map<string, number>();
    t.studio.on('postConnect', (id: string, args: unknown) => void ids.set(String((args as { app: string }).app), id));
    t.studio.on('doneConnect', (id: string) => void closedAt.set(id, Date.now()));

    const alive = await TestRtmpClient.connect(t.ports.rtmp);
    await alive.connectApp('alive', t.ports.rtmp);
    const answer = setInterval(() => alive.send(userControlMsg(UC.PING_RESPONSE, Date.now() >>> 0)), 500);
    const aliveBytes = alive.socket.bytesRead;

    const silent = await TestRtmpClient.connect(t.ports.rtmp);
    await silent.connectApp('silent', t.ports.rtmp);
    const lastSent = Date.now();
    silent.socket.pause(); // stops reading, and it sends nothing more
    try {
      const silentId = await waitFor(() => ids.get('silent'), 'silent session id');
      const at = await waitFor(() => closedAt.get(silentId), 'silent client closed by the server', 8000);
      const took = at - lastSent;
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(4500);
      silent.socket.resume();
      await silent.until(() => silent.closed, 'socket closed');

      await sleep(Math.max(0, 5000 - (Date.now() - lastSent)));
      const aliveId = ids.get('alive')!;
      expect(closedAt.has(aliveId)).toBe(false);
      expect(alive.closed).toBe(false);
      expect(t.studio.getSession(aliveId)).toBeTruthy();
      // the server pinged it about once a second the whole time (the only traffic on an idle connection)
      expect(alive.socket.bytesRead - aliveBytes).toBeGreaterThanOrEqual(4 * 18);
    } finally {
      clearInterval(answer);
      alive.close();
      silent.close();
    }
  });
});

import { mkdirSync, readdirSync, statSync, watch, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSign } from '../../core/auth/sign';
import { API_TOKEN_FILE } from '../../core/auth/api-token';
import { mediaRoot } from '../../core/config';
import { connectWs } from '../helpers/contract-ws';
import { rawRequest, upgradeStatus } from '../helpers/raw-http';
import { startStudio, type TestStudio } from '../helpers/studio';

const future = (): number => Math.floor(Date.now() / 1000) + 3600;

function multipart(parts: Array<{ name: string; value: string; filename?: string }>): { body: Buffer; type: string } {
  const b = 'XyZboundary42';
  const chunks = parts.map((p) =>
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.filename ? 'Content-Type: video/mp4\r\n' : ''}\r\n${p.value}\r\n`),
  );
  return { body: Buffer.concat([...chunks, Buffer.from(`--${b}--\r\n`)]), type: `multipart/form-data; boundary=${b}` };
}

describe('the API gate is on by default', () => {
  let t: TestStudio;
  let token: string;
  beforeAll(async () => {
    // the product's defaults: no auth section at all beyond what the test helper would switch off
    t = await startStudio({ auth: { api: true } });
    token = readFileSync(path.join(t.studio.config.data_dir, API_TOKEN_FILE), 'utf8').trim();
  });
  afterAll(() => t.stop());

  it('generates a token at first start, stored 0600 in the data folder', () => {
    const st = statSync(path.join(t.studio.config.data_dir, API_TOKEN_FILE));
    expect(st.mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('REST, /metrics and /api/ws need the token; Bearer, ?token= and the panel login work', async () => {
    expect((await fetch(t.httpUrl('/api/server'))).status).toBe(401);
    expect((await fetch(t.httpUrl('/metrics'))).status).toBe(401);
    expect(await upgradeStatus(t.ports.http, '/api/ws')).toBe(401);
    expect((await fetch(t.httpUrl('/api/server'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(t.httpUrl(`/api/server?token=${token}`))).status).toBe(200);
    const login = await fetch(t.httpUrl('/panel/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const panel = ((await login.json()) as { token: string }).token;
    const ws = await connectWs(t.wsUrl(`/api/ws?token=${panel}`));
    expect((await ws.call('server.status')).ok).toBe(true);
    ws.close();
  });

  it('with the gate on, no seed route works without a key', async () => {
    for (const p of ['/hls?way=url&uri=http://example.invalid/a.mp4', '/recording?m3u8=/live/x']) {
      const r = (await (await fetch(t.httpUrl(p))).json()) as { code: string };
      expect(r.code).toBe('444');
    }
    // the API token works as the seed's key
    const ok = (await (await fetch(t.httpUrl(`/recording?key=${token}&m3u8=not-a-stream`))).json()) as { code: string };
    expect(ok.code).toBe('40500');
  });

  it('/update checks the key before a byte of the file is written (key missing, wrong, or after the file)', async () => {
    const dir = path.join(t.studio.config.data_dir, 'jobs', 'incoming');
    mkdirSync(dir, { recursive: true });
    const created: string[] = [];
    const w = watch(dir, (_ev, f) => created.push(String(f)));
    try {
      const cases = [
        multipart([{ name: 'file', value: 'x'.repeat(200_000), filename: 'a.mp4' }]),
        multipart([{ name: 'key', value: 'wrong' }, { name: 'file', value: 'x'.repeat(200_000), filename: 'a.mp4' }]),
        multipart([{ name: 'file', value: 'x'.repeat(200_000), filename: 'a.mp4' }, { name: 'key', value: token }]),
      ];
      for (const c of cases) {
        const r = await fetch(t.httpUrl('/update'), { method: 'POST', headers: { 'content-type': c.type }, body: new Uint8Array(c.body) });
        expect(((await r.json()) as { code: string }).code).toBe('444');
      }
      const q = multipart([{ name: 'file', value: 'x'.repeat(1000), filename: 'a.mp4' }]);
      const wrongQuery = await fetch(t.httpUrl('/update?key=nope'), { method: 'POST', headers: { 'content-type': q.type }, body: new Uint8Array(q.body) });
      expect(((await wrongQuery.json()) as { code: string }).code).toBe('444');
      await new Promise((r) => setTimeout(r, 200));
      expect(created).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      w.close();
    }
  });

  it('throttles wrong passwords per address: after a few failures even the right token waits (429 + Retry-After)', async () => {
    const t2 = await startStudio({ auth: { api: true, api_pass: 'correct horse' } });
    try {
      const basic = (p: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${p}`).toString('base64')}` });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(t2.httpUrl('/api/server'), { headers: basic(`guess${i}`) })).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(6)).toEqual([429, 429]);
      const locked = await fetch(t2.httpUrl('/api/server'), { headers: basic('correct horse') });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      const login = await fetch(t2.httpUrl('/panel/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', pass: 'correct horse' }) });
      expect(login.status).toBe(429);
    } finally {
      await t2.stop();
    }
  });
});

describe('Host and Origin checks (gate off: the explicit choice)', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ auth: { api: false } });
  });
  afterAll(() => t.stop());

  it('a foreign Host gets 421 on every kind of route and on WebSocket upgrades (DNS rebinding)', async () => {
    for (const p of ['/api/server', '/', '/live/x.flv', '/live/x/index.m3u8', '/recording?m3u8=/live/x', '/2026/01/01/abc/a.mp4']) {
      const r = await rawRequest(t.ports.http, { path: p, headers: { host: `evil.example:${t.ports.http}` } });
      expect(r.status, p).toBe(421);
    }
    expect(await upgradeStatus(t.ports.http, '/api/ws', { host: 'evil.example' })).toBe(421);
    expect(await upgradeStatus(t.ports.http, '/live/x.flv', { host: 'evil.example' })).toBe(421);
    // loopback names and the bound address pass
    for (const host of ['localhost', `127.0.0.1:${t.ports.http}`, `[::1]:${t.ports.http}`, 'studio.localhost']) {
      expect((await rawRequest(t.ports.http, { path: '/api/server', headers: { host } })).status, host).toBe(200);
    }
  });

  it('http.allowed_hosts lets a configured name in', async () => {
    const t2 = await startStudio({ auth: { api: false }, http: { port: 0, allowed_hosts: ['studio.lan'] } });
    try {
      expect((await rawRequest(t2.ports.http, { path: '/api/server', headers: { host: 'studio.lan' } })).status).toBe(200);
      expect((await rawRequest(t2.ports.http, { path: '/api/server', headers: { host: 'other.lan' } })).status).toBe(421);
    } finally {
      await t2.stop();
    }
  });

  it('a request from another origin can neither change nor read the API, the seed routes or uploads', async () => {
    const host = `127.0.0.1:${t.ports.http}`;
    const foreign = { host, origin: 'http://127.0.0.1:9' };
    expect((await rawRequest(t.ports.http, { method: 'DELETE', path: '/api/streams/live/x', headers: foreign })).status).toBe(403);
    expect((await rawRequest(t.ports.http, { method: 'DELETE', path: '/api/recordings/abc', headers: foreign })).status).toBe(403);
    expect((await rawRequest(t.ports.http, { method: 'POST', path: '/api/jobs/upload', headers: foreign })).status).toBe(403);
    expect((await rawRequest(t.ports.http, { method: 'POST', path: '/update', headers: foreign })).status).toBe(403);
    const read = await rawRequest(t.ports.http, { path: '/api/server', headers: foreign });
    expect(read.status).toBe(403);
    // <img src> / <script src> from another site: no Origin, but Sec-Fetch-Site says so
    expect((await rawRequest(t.ports.http, { path: '/recording?m3u8=/live/x', headers: { host, 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await rawRequest(t.ports.http, { path: '/api/recordings', headers: { host, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(await upgradeStatus(t.ports.http, '/api/ws', { host, origin: 'http://localhost:9' })).toBe(403);
    // no CORS on /api, even for a same-origin answer
    const own = await rawRequest(t.ports.http, { path: '/api/server', headers: { host, origin: `http://${host}` } });
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await rawRequest(t.ports.http, { method: 'OPTIONS', path: '/api/streams/live/x', headers: { host, origin: 'http://127.0.0.1:9', 'access-control-request-method': 'DELETE' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('media keeps CORS * for players, without Allow-Credentials', async () => {
    const r = await rawRequest(t.ports.http, { path: '/live/nothing/index.m3u8', headers: { origin: 'http://player.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('server.config.set refuses the ffmpeg path and the storage folder over /api/ws', async () => {
    const ws = await connectWs(t.wsUrl('/api/ws'));
    for (const patch of [{ ffmpeg: '/bin/sh' }, { storage_dir: '/tmp' }]) {
      const r = await ws.call('server.config.set', patch);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('FORBIDDEN');
    }
    expect(t.studio.config.ffmpeg).toBeUndefined();
    ws.close();
  });

  it('the ffmpeg path still works from the config file', async () => {
    const { FFMPEG } = await import('../helpers/ffmpeg');
    const t2 = await startStudio({ auth: { api: false }, ffmpeg: FFMPEG });
    try {
      const ws = await connectWs(t2.wsUrl('/api/ws'));
      const r = await ws.call('server.status');
      expect(r.ok && (r.result as { ffmpeg: { path: string; source: string } | null }).ffmpeg).toMatchObject({ path: FFMPEG, source: 'config' });
      ws.close();
      await expect(t2.studio.setExecSetting('ffmpeg', '/bin/true')).rejects.toThrow(/ffmpeg/);
      await expect(t2.studio.setExecSetting('ffmpeg', FFMPEG)).resolves.toMatchObject({ ffmpeg: FFMPEG });
    } finally {
      await t2.stop();
    }
  });

  it('per-address HTTP connection limit', async () => {
    const t2 = await startStudio({ auth: { api: false }, limits: { http_max_conn_per_ip: 3 } });
    const net = await import('node:net');
    const socks: import('node:net').Socket[] = [];
    try {
      const closed: boolean[] = [];
      for (let i = 0; i < 4; i++) {
        const s = net.connect(t2.ports.http, '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        const idx = i;
        closed[idx] = false;
        s.on('close', () => (closed[idx] = true));
        s.on('error', () => undefined);
        socks.push(s);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toEqual([false, false, false, true]);
      socks[0].destroy();
      await new Promise((r) => setTimeout(r, 100));
      const r = await rawRequest(t2.ports.http, { path: '/api/server' });
      expect(r.status).toBe(200);
    } finally {
      for (const s of socks) s.destroy();
      await t2.stop();
    }
  });
});

describe('auth.play covers every output: recordings, job outputs, DVR, snapshots', () => {
  const SECRET = 'play-secret-1';
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ auth: { api: false, play: true, publish: true, secret: SECRET, publish_secret: 'publish-secret-2' } });
  });
  afterAll(() => t.stop());

  it('a file under /YYYY/MM/DD/<id>/ needs a sign for its folder; a signed playlist carries the sign to its segments', async () => {
    const dir = path.join(mediaRoot(t.studio.config), '2026', '01', '02', 'job1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg-0.ts\n#EXT-X-ENDLIST\n');
    writeFileSync(path.join(dir, 'seg-0.ts'), Buffer.alloc(188, 0x47));
    expect((await fetch(t.httpUrl('/2026/01/02/job1/seg-0.ts'))).status).toBe(401);
    const wrong = await fetch(t.httpUrl(`/2026/01/02/job1/seg-0.ts?sign=${makeSign('/2026/01/02/other', future(), SECRET)}`));
    expect(wrong.status).toBe(403);
    const sign = makeSign('/2026/01/02/job1', future(), SECRET);
    const pl = await fetch(t.httpUrl(`/2026/01/02/job1/index.m3u8?sign=${sign}`));
    expect(pl.status).toBe(200);
    const text = await pl.text();
    expect(text).toContain(`seg-0.ts?sign=${sign}`);
    expect(text).toContain(`URI="init.mp4?sign=${sign}"`);
    expect((await fetch(t.httpUrl(`/2026/01/02/job1/seg-0.ts?sign=${sign}`))).status).toBe(200);
  });

  it('secrets never come back whole from the API; a mask sent back changes nothing', async () => {
    const ws = await connectWs(t.wsUrl('/api/ws'));
    const got = await ws.call('server.config.get');
    expect(got.ok).toBe(true);
    const auth = (got.ok ? got.result : null) as { auth: { secret: string } };
    expect(auth.auth.secret).toBe('••••et-1');
    expect(JSON.stringify(got)).not.toContain(SECRET);
    const set = await ws.call('server.config.set', { auth: { secret: auth.auth.secret, play: true } });
    expect(set.ok).toBe(true);
    expect(JSON.stringify(set)).not.toContain(SECRET);
    expect(t.studio.config.auth.secret).toBe(SECRET);
    ws.close();
  });

  it('snapshots, HLS and FLV of a stream need the play sign; an expired sign answers the same code everywhere', async () => {
    const expired = `?sign=${makeSign('/live/s', 1503458721, SECRET)}`;
    for (const p of ['/api/streams/live/s/snapshot.jpg', '/live/s/index.m3u8', '/live/s.flv']) {
      const r = await fetch(t.httpUrl(p));
      expect(r.status, p).toBe(401);
      const e = await fetch(t.httpUrl(p + expired));
      expect(e.status, p).toBe(403);
      expect(((await e.json()) as { error: { code: string } }).error.code, p).toBe('SIGN_EXPIRED');
    }
  });
});

describe('publish and play signs use different secrets when auth.publish_secret is set', () => {
  it("a viewer's play link cannot publish; the publish sign can", async () => {
    const { TestRtmpClient } = await import('../helpers/rtmp-client');
    const t = await startStudio({ auth: { api: false, play: true, publish: true, secret: 'viewers', publish_secret: 'streamer' } });
    try {
      const attempt = async (secret: string) => {
        const c = await TestRtmpClient.connect(t.ports.rtmp);
        await c.connectApp('live', t.ports.rtmp);
        const sid = await c.createStream();
        const st = await c.start('publish', sid, `cam?sign=${makeSign('/live/cam', future(), secret)}`);
        c.socket.destroy();
        return st;
      };
      expect(await attempt('viewers')).toMatchObject({ level: 'error', code: 'NetStream.publish.Unauthorized' });
      expect(await attempt('streamer')).toMatchObject({ code: 'NetStream.Publish.Start' });
    } finally {
      await t.stop();
    }
  });
});

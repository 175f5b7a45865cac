import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSign } from '../../core/auth/sign';
import { decodeFrames, publishTestPattern } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const SECRET = 'nodemedia2017privatekey';
const future = (): number => Math.floor(Date.now() / 1000) + 3600;

async function rtmpStart(t: TestStudio, kind: 'publish' | 'play', name: string) {
  const c = await TestRtmpClient.connect(t.ports.rtmp);
  await c.connectApp('live', t.ports.rtmp);
  const sid = await c.createStream();
  const st = await c.start(kind, sid, name);
  return { c, st };
}

describe('signed URLs on RTMP and HTTP (no loopback bypass)', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ auth: { publish: true, play: true, secret: SECRET } });
  });
  afterAll(() => t.stop());

  for (const [label, query, code] of [
    ['missing', '', 'missing'],
    ['expired', `?sign=${makeSign('/live/s', 1503458721, SECRET)}`, 'expired'],
    ['wrong hash', `?sign=${future()}-0123456789abcdef0123456789abcdef`, 'mismatch'],
  ] as const) {
    it(`RTMP publish with a ${label} sign gets NetStream.publish.Unauthorized and is closed`, async () => {
      const { c, st } = await rtmpStart(t, 'publish', `s${query}`);
      expect(st).toMatchObject({ level: 'error', code: 'NetStream.publish.Unauthorized' });
      expect(st!.description).toContain(code);
      await c.until(() => c.closed, 'server closes the connection');
    });
    it(`RTMP play with a ${label} sign is refused and closed`, async () => {
      const { c, st } = await rtmpStart(t, 'play', `s${query}`);
      expect(st).toMatchObject({ level: 'error', code: 'NetStream.play.Unauthorized' });
      await c.until(() => c.closed, 'server closes the connection');
    });
    it(`HTTP-FLV and WS-FLV with a ${label} sign get ${code === 'missing' ? 401 : 403} + JSON`, async () => {
      const r = await fetch(t.httpUrl(`/live/s.flv${query}`));
      expect(r.status).toBe(code === 'missing' ? 401 : 403);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code === 'missing' ? 'SIGN_REQUIRED' : code === 'expired' ? 'SIGN_EXPIRED' : 'SIGN_INVALID');
      const status = await new Promise<number>((resolve) => {
        const req = http.get(t.httpUrl(`/live/s.flv${query}`), { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('upgrade', () => resolve(101));
      });
      expect(status).toBe(code === 'missing' ? 401 : 403);
    });
  }

  it('a valid sign publishes (ffmpeg) and plays over RTMP and HTTP-FLV', async () => {
    const q = `?sign=${makeSign('/live/ok', future(), SECRET)}`;
    const pub = publishTestPattern(t.rtmpUrl(`/live/ok${q}`), { size: '320x240', seconds: 20 });
    await waitFor(() => t.studio.registry.get('/live/ok')?.ready, 'signed publisher live');
    expect((await decodeFrames(t.rtmpUrl(`/live/ok${q}`), 10)).frames).toBe(10);
    expect((await decodeFrames(t.httpUrl(`/live/ok.flv${q}`), 10)).frames).toBe(10);
    pub.child.kill('SIGKILL');
  });
});

describe('event handlers and webhooks can reject', () => {
  let t: TestStudio;
  let hookServer: http.Server;
  let hookPort = 0;
  const received: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    hookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const j = JSON.parse(body) as Record<string, unknown>;
        received.push(j);
        const deny = typeof j.streamPath === 'string' && j.streamPath.includes('webhookdeny');
        res.writeHead(deny ? 403 : 200).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookPort = (hookServer.address() as { port: number }).port;
    t = await startStudio({ webhooks: [{ url: `http://127.0.0.1:${hookPort}/hook`, events: ['prePublish', 'postPublish', 'donePublish'] }] });
  });
  afterAll(async () => {
    await t.stop();
    hookServer.close();
  });

  it('a synchronous handler calling getSession(id).reject() refuses the publish', async () => {
    const h = (id: unknown, path: unknown) => {
      if (String(path).endsWith('/syncdeny')) t.studio.getSession(String(id))?.reject();
    };
    t.studio.on('prePublish', h);
    const { c, st } = await rtmpStart(t, 'publish', 'syncdeny');
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.Rejected' });
    await c.until(() => c.closed, 'closed');
    expect(t.studio.registry.get('/live/syncdeny')?.publisher ?? null).toBeNull();
    t.studio.off('prePublish', h);
  });

  it('an async handler is awaited before the publish is accepted, and can reject after a delay', async () => {
    const order: string[] = [];
    const h = async (id: unknown, path: unknown, args: unknown) => {
      order.push('handler-start');
      await sleep(300);
      order.push('handler-end');
      if ((args as Record<string, string>).token !== 'good') t.studio.getSession(String(id))?.reject();
    };
    t.studio.on('prePublish', h);
    const denied = await rtmpStart(t, 'publish', 'asyncdeny?token=bad');
    expect(denied.st).toMatchObject({ code: 'NetStream.Publish.Rejected' });
    const ok = await rtmpStart(t, 'publish', 'asyncok?token=good');
    order.push('status');
    expect(ok.st).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(order.slice(-3)).toEqual(['handler-start', 'handler-end', 'status']);
    ok.c.close();
    t.studio.off('prePublish', h);
  });

  it('a webhook answering 403 to prePublish rejects; post/done hooks are delivered with the seed arguments', async () => {
    const { c, st } = await rtmpStart(t, 'publish', 'webhookdeny');
    expect(st).toMatchObject({ code: 'NetStream.Publish.Rejected' });
    expect(st!.description).toContain('403');
    await c.until(() => c.closed, 'closed');
    const ok = await rtmpStart(t, 'publish', 'webhookok?k=v');
    expect(ok.st).toMatchObject({ code: 'NetStream.Publish.Start' });
    ok.c.close();
    await waitFor(() => received.some((r) => r.event === 'donePublish' && r.streamPath === '/live/webhookok'), 'donePublish webhook');
    expect(received.find((r) => r.event === 'postPublish' && r.streamPath === '/live/webhookok')).toMatchObject({ id: expect.any(String), streamPath: '/live/webhookok', args: { k: 'v' } });
  });

  it('a rejecting preConnect handler gets NetConnection.Connect.Rejected', async () => {
    const h = (id: unknown, args: unknown) => {
      if ((args as Record<string, unknown>).app === 'private') t.studio.getSession(String(id))?.reject();
    };
    t.studio.on('preConnect', h);
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    const r = await c.connectApp('private', t.ports.rtmp);
    expect(r[0]).toBe('_error');
    expect(r[2]).toMatchObject({ code: 'NetConnection.Connect.Rejected' });
    await c.until(() => c.closed, 'closed');
    t.studio.off('preConnect', h);
  });

  it('postConnect and doneConnect get (id, connect args) after the connect succeeded and after the close', async () => {
    const calls: Array<{ event: string; id: string; args: Record<string, unknown> }> = [];
    const rec = (event: string) => (id: string, args: unknown) => calls.push({ event, id, args: args as Record<string, unknown> });
    const post = rec('postConnect');
    const done = rec('doneConnect');
    t.studio.on('postConnect', post);
    t.studio.on('doneConnect', done);
    try {
      const c = await TestRtmpClient.connect(t.ports.rtmp);
      expect(calls).toEqual([]);
      const r = await c.connectApp('live', t.ports.rtmp);
      expect(r[0]).toBe('_result');
      const connected = await waitFor(() => calls.find((x) => x.event === 'postConnect' && x.args.app === 'live'), 'postConnect');
      expect(connected.args).toMatchObject({ app: 'live', tcUrl: `rtmp://127.0.0.1:${t.ports.rtmp}/live`, flashVer: 'FMLE/3.0' });
      expect(t.studio.getSession(connected.id)).toBeTruthy();
      expect(calls.some((x) => x.event === 'doneConnect')).toBe(false);
      c.close();
      const ended = await waitFor(() => calls.find((x) => x.event === 'doneConnect' && x.id === connected.id), 'doneConnect');
      expect(ended.args).toMatchObject({ app: 'live', tcUrl: `rtmp://127.0.0.1:${t.ports.rtmp}/live` });
      expect(calls.filter((x) => x.id === connected.id).map((x) => x.event)).toEqual(['postConnect', 'doneConnect']);
      expect(t.studio.getSession(connected.id) ?? null).toBeNull();
    } finally {
      t.studio.off('postConnect', post);
      t.studio.off('doneConnect', done);
    }
  });

  it('prePlay, postPlay and donePlay get (id, stream path, query args) for RTMP and HTTP-FLV players', async () => {
    const calls: Array<{ event: string; id: string; path: string; args: Record<string, unknown> }> = [];
    const rec = (event: string) => (id: string, path: unknown, args: unknown) =>
      calls.push({ event, id, path: String(path), args: args as Record<string, unknown> });
    const handlers = { prePlay: rec('prePlay'), postPlay: rec('postPlay'), donePlay: rec('donePlay') };
    for (const [e, h] of Object.entries(handlers)) t.studio.on(e as keyof typeof handlers, h);
    const pub = publishTestPattern(t.rtmpUrl('/live/evplay'), { size: '320x240', seconds: 30 });
    try {
      await waitFor(() => t.studio.registry.get('/live/evplay')?.ready, 'publisher live', 15_000);
      // RTMP player
      const { c, st } = await rtmpStart(t, 'play', 'evplay?who=rtmp');
      expect(st).toMatchObject({ code: 'NetStream.Play.Reset' });
      await c.until(() => c.media.some((m) => m.type === 9), 'video over RTMP');
      const rtmpId = (await waitFor(() => calls.find((x) => x.event === 'postPlay' && x.args.who === 'rtmp'), 'postPlay (rtmp)')).id;
      c.close();
      await waitFor(() => calls.find((x) => x.event === 'donePlay' && x.id === rtmpId), 'donePlay (rtmp)');
      expect(calls.filter((x) => x.id === rtmpId).map(({ event, path, args }) => ({ event, path, args }))).toEqual(
        ['prePlay', 'postPlay', 'donePlay'].map((event) => ({ event, path: '/live/evplay', args: { who: 'rtmp' } })),
      );
      // HTTP-FLV player
      const ac = new AbortController();
      const res = await fetch(t.httpUrl('/live/evplay.flv?who=flv'), { signal: ac.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value!).subarray(0, 3).toString()).toBe('FLV');
      const flvId = (await waitFor(() => calls.find((x) => x.event === 'postPlay' && x.args.who === 'flv'), 'postPlay (flv)')).id;
      expect(flvId).not.toBe(rtmpId);
      ac.abort();
      await reader.cancel().catch(() => undefined);
      await waitFor(() => calls.find((x) => x.event === 'donePlay' && x.id === flvId), 'donePlay (flv)');
      expect(calls.filter((x) => x.id === flvId).map(({ event, path, args }) => ({ event, path, args }))).toEqual(
        ['prePlay', 'postPlay', 'donePlay'].map((event) => ({ event, path: '/live/evplay', args: { who: 'flv' } })),
      );
    } finally {
      pub.child.kill('SIGKILL');
      for (const [e, h] of Object.entries(handlers)) t.studio.off(e as keyof typeof handlers, h);
    }
  });

  it('a prePlay handler that rejects refuses an RTMP player (NetStream.Play.Rejected) and an HTTP-FLV player (403); no postPlay', async () => {
    const posts: string[] = [];
    const deny = (id: unknown, path: unknown) => {
      if (String(path) === '/live/nowatch') t.studio.getSession(String(id))?.reject();
    };
    const post = (_id: unknown, path: unknown) => posts.push(String(path));
    t.studio.on('prePlay', deny);
    t.studio.on('postPlay', post);
    try {
      const { c, st } = await rtmpStart(t, 'play', 'nowatch');
      expect(st).toMatchObject({ level: 'error', code: 'NetStream.Play.Rejected' });
      await c.until(() => c.closed, 'closed');
      const r = await fetch(t.httpUrl('/live/nowatch.flv'));
      expect(r.status).toBe(403);
      expect(await r.json()).toMatchObject({ error: { code: 'REJECTED' } });
      const ok = await rtmpStart(t, 'play', 'canwatch');
      expect(ok.st).toMatchObject({ code: 'NetStream.Play.Reset' });
      await waitFor(() => posts.includes('/live/canwatch'), 'postPlay for the allowed player');
      ok.c.close();
      expect(posts).not.toContain('/live/nowatch');
    } finally {
      t.studio.off('prePlay', deny);
      t.studio.off('postPlay', post);
    }
  });
});

describe('API protection', () => {
  it('requires Basic auth or a bearer token when auth.api is on', async () => {
    const t = await startStudio({ auth: { api: true, api_user: 'admin', api_pass: 'nms2018', api_token: 'tok123' } });
    try {
      const none = await fetch(t.httpUrl('/api/streams'));
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      const basic = await fetch(t.httpUrl('/api/streams'), { headers: { authorization: `Basic ${Buffer.from('admin:nms2018').toString('base64')}` } });
      expect(basic.status).toBe(200);
      const wrong = await fetch(t.httpUrl('/api/streams'), { headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const bearer = await fetch(t.httpUrl('/metrics'), { headers: { authorization: 'Bearer tok123' } });
      expect(bearer.status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

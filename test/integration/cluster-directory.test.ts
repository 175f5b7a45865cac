/**
 * Issue 15, the cluster directory (core/cluster) on a real redis-server: in-process studios A, B (redirect) and
 * C (proxy) on one Redis, plus one child-process studio that is killed without releasing its stream.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../core/contract';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startRedis, type RedisServer } from '../helpers/redis';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { spawnStudio } from '../helpers/studio-process';

const HB = 300;
const TTL = 1500;
const PW = 'hunter2-redis-pw';

async function rtmpPublish(port: number, name: string): Promise<{ c: TestRtmpClient; code: string; description: string }> {
  const c = await TestRtmpClient.connect(port);
  await c.connectApp('live', port);
  const sid = await c.createStream();
  const st = await c.start('publish', sid, name);
  return { c, code: st?.code ?? 'closed', description: st?.description ?? '' };
}

async function status(s: TestStudio): Promise<ClusterStatus> {
  const r = await s.studio.api.dispatch('cluster.status', {});
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.result as ClusterStatus;
}

describe('cluster directory (real redis-server)', () => {
  let r: RedisServer;
  let raw: Redis;
  let a: TestStudio;
  let b: TestStudio;
  let c: TestStudio;
  const clients: TestRtmpClient[] = [];
  let ff: Run | null = null;
  const node = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    cluster: { redis: r.url, node_id: id, heartbeat_ms: HB, ttl_ms: TTL, prefix: 'it:', ...extra },
  });

  beforeAll(async () => {
    r = await startRedis();
    raw = new Redis(r.url, { lazyConnect: false, retryStrategy: () => 100 });
    raw.on('error', () => undefined); // the outage tests stop the server under it
    // A's URL carries a password (Redis without requirepass accepts it): it must never come back in an answer
    a = await startStudio({ cluster: { ...(node('node-a').cluster as object), redis: r.url.replace('redis://', `redis://default:${PW}@`) } });
    b = await startStudio(node('node-b'));
    c = await startStudio(node('node-c', { hls: 'proxy' }));
  }, 60_000);

  afterAll(async () => {
    ff?.child.kill('SIGKILL');
    for (const x of clients) x.close();
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    raw?.disconnect();
    await r?.stop();
  });

  it('registers every node; cluster.status, GET /api/cluster and cluster.changed agree', async () => {
    const s = await waitFor(async () => {
      const v = await status(a);
      return v.nodes.length === 3 ? v : null;
    }, 'three nodes', 10_000);
    expect(s).toMatchObject({ enabled: true, node_id: 'node-a', state: 'connected', hls: 'redirect' });
    expect(s.nodes.map((n) => n.id)).toEqual(['node-a', 'node-b', 'node-c']);
    expect(s.nodes.filter((n) => n.self).map((n) => n.id)).toEqual(['node-a']);
    expect(s.nodes[1].http).toBe(`http://127.0.0.1:${b.ports.http}`);
    expect(s.nodes[1].rtmp).toBe(`rtmp://127.0.0.1:${b.ports.rtmp}`);
    expect(JSON.stringify(s)).not.toContain(PW);
    expect(s.redis).toContain('***');
    const rest = (await (await fetch(a.httpUrl('/api/cluster'))).json()) as ClusterStatus;
    expect(rest.nodes.length).toBe(3);
    expect(JSON.stringify(rest)).not.toContain(PW);
    expect(a.studio.logs.list(1000).map((l) => JSON.stringify(l)).join('\n')).not.toContain(PW);
    const seen = new Promise<ClusterStatus>((resolve) => {
      const off = b.studio.api.events.subscribe((e) => {
        if (e.event === 'cluster.changed') {
          off();
          resolve(e.data);
        }
      });
    });
    const ev = await Promise.race([seen, new Promise<null>((res) => setTimeout(() => res(null), 5000))]);
    expect(ev?.node_id).toBe('node-b');
  });

  it('one owner per stream: a second publish of the name on another node is refused, naming the owner', async () => {
    const first = await rtmpPublish(a.ports.rtmp, 'one');
    clients.push(first.c);
    expect(first.code).toBe('NetStream.Publish.Start');
    expect(await raw.get('it:stream:/live/one')).toBe('node-a');
    const second = await rtmpPublish(b.ports.rtmp, 'one');
    clients.push(second.c);
    expect(second.code).toBe('NetStream.Publish.BadName');
    expect(second.description).toContain('node-a');
    // A's stream is untouched
    expect(a.studio.registry.get('/live/one')?.publisher).not.toBeNull();
    expect(first.c.closed).toBe(false);
    expect(b.studio.registry.get('/live/one')?.publisher ?? null).toBeNull();
    const s = await status(b);
    expect(s.streams.find((x) => x.path === '/live/one')).toMatchObject({ owner: 'node-a', edges: [] });
  });

  it('unpublish releases the claim at once', async () => {
    const p = await rtmpPublish(a.ports.rtmp, 'gone');
    expect(p.code).toBe('NetStream.Publish.Start');
    expect(await raw.get('it:stream:/live/gone')).toBe('node-a');
    p.c.close();
    await waitFor(async () => (await raw.get('it:stream:/live/gone')) === null, 'the owner key to go', 3000);
    expect(await raw.sismember('it:streams', '/live/gone')).toBe(0);
    const again = await rtmpPublish(b.ports.rtmp, 'gone');
    clients.push(again.c);
    expect(again.code).toBe('NetStream.Publish.Start');
  });

  it('a node killed without releasing: its stream and registration are forgotten within ttl_ms', async () => {
    const child = await spawnStudio({ data_dir: mkdtempSync(path.join(os.tmpdir(), 'onair-cl-')), cluster: node('node-k').cluster });
    try {
      const p = await rtmpPublish(child.ports.rtmp, 'killed');
      clients.push(p.c);
      expect(p.code).toBe('NetStream.Publish.Start');
      await waitFor(async () => (await raw.get('it:stream:/live/killed')) === 'node-k', 'node-k to own /live/killed', 5000);
      const goneEvent = new Promise<number>((resolve) => a.studio.cluster!.directory.on('owner.gone', (o) => o.path === '/live/killed' && resolve(Date.now())));
      await child.kill9();
      const t0 = Date.now();
      await waitFor(async () => (await raw.get('it:stream:/live/killed')) === null, 'the dead node\'s claim to lapse', TTL + 1000, 25);
      expect(Date.now() - t0).toBeLessThanOrEqual(TTL + 100);
      // the sweep tells the others (within ttl + one heartbeat) and drops the node from the registry
      const at = await Promise.race([goneEvent, new Promise<null>((res) => setTimeout(() => res(null), TTL + 3 * HB))]);
      expect(at).not.toBeNull();
      await waitFor(async () => !(await status(a)).nodes.some((n) => n.id === 'node-k'), 'node-k to leave the registry', 3000);
    } finally {
      await child.kill9();
    }
  }, 60_000);

  it('HLS on a node that does not hold the stream: 302 to the owner (redirect) or the owner\'s playlist (proxy)', async () => {
    ff = publishTestPattern(a.rtmpUrl('/live/hls'), { size: '320x240', rate: 15, seconds: 40, audioRate: 22050, channels: 1 });
    await waitFor(async () => (await fetch(a.httpUrl('/live/hls/index.m3u8'))).status === 200, 'HLS on A', 20_000, 200);
    const red = await fetch(b.httpUrl('/live/hls/index.m3u8?x=1'), { redirect: 'manual' });
    expect(red.status).toBe(302);
    expect(red.headers.get('location')).toBe(`http://127.0.0.1:${a.ports.http}/live/hls/index.m3u8?x=1`);
    const ll = await fetch(b.httpUrl('/live/hls/ll.m3u8'), { redirect: 'manual' });
    expect(ll.status).toBe(302);
    const abr = await fetch(b.httpUrl('/live/hls/abr.m3u8'), { redirect: 'manual' });
    expect(abr.status).toBe(302);
    expect(abr.headers.get('location')).toBe(`http://127.0.0.1:${a.ports.http}/live/hls/abr.m3u8`);
    // proxy: C answers with A's playlist, and A's segments through the same route
    const px = await fetch(c.httpUrl('/live/hls/index.m3u8'), { redirect: 'manual' });
    expect(px.status).toBe(200);
    expect(px.headers.get('x-onair-origin')).toBe('node-a');
    const body = await px.text();
    expect(body).toContain('#EXTM3U');
    const seg = body.split('\n').find((l) => l.endsWith('.ts') || l.includes('.ts?'));
    expect(seg).toBeTruthy();
    const sr = await fetch(c.httpUrl(`/live/hls/${seg}`));
    expect(sr.status).toBe(200);
    expect((await sr.arrayBuffer()).byteLength).toBeGreaterThan(188);
    // nobody holds it → the usual 404
    expect((await fetch(b.httpUrl('/live/nobody/index.m3u8'), { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(c.httpUrl('/live/nobody/index.m3u8'), { redirect: 'manual' })).status).toBe(404);
  }, 60_000);

  it('Redis restarted mid-stream: reconnecting then connected, ownership re-established, one owner', async () => {
    const states: string[] = [];
    a.studio.cluster!.directory.onState((s) => states.push(s));
    expect(await raw.get('it:stream:/live/one')).toBe('node-a');
    await r.restart(800);
    await waitFor(() => a.studio.cluster!.directory.state() === 'connected', 'A to reconnect', 15_000);
    expect(states.slice(0, 2)).toEqual(['reconnecting', 'connected']);
    await waitFor(async () => (await raw.get('it:stream:/live/one').catch(() => null)) === 'node-a', 'A to re-claim /live/one', 5000);
    await waitFor(async () => (await raw.get('it:stream:/live/gone').catch(() => null)) === 'node-b', 'B to re-claim /live/gone', 5000);
    expect(a.studio.registry.get('/live/one')?.publisher).not.toBeNull();
    const s = await status(c);
    expect(s.state).toBe('connected');
    const second = await rtmpPublish(c.ports.rtmp, 'one');
    clients.push(second.c);
    expect(second.code).toBe('NetStream.Publish.BadName');
  }, 60_000);

  it('a claim found in another node\'s hands (a wipe during an outage): the local publisher is kicked, never two owners', async () => {
    const p = await rtmpPublish(a.ports.rtmp, 'wiped');
    clients.push(p.c);
    expect(p.code).toBe('NetStream.Publish.Start');
    // what a Redis wiped during an outage and a quicker node would leave behind
    await raw.set('it:stream:/live/wiped', 'node-z', 'PX', 10_000);
    await p.c.until(() => p.c.closed, 'A to kick its publisher', 5000);
    expect(a.studio.registry.get('/live/wiped')?.publisher ?? null).toBeNull();
    expect(await raw.get('it:stream:/live/wiped')).toBe('node-z');
    expect(a.studio.logs.list(1000).some((l) => String((l as { msg?: string }).msg).includes('ownership lost to another node'))).toBe(true);
  });

  it('Redis gone: live streams go on, new publishes are refused (fail closed)', async () => {
    r.kill();
    await waitFor(() => b.studio.cluster!.directory.state() === 'reconnecting', 'B to notice', 10_000);
    const p = await rtmpPublish(b.ports.rtmp, 'during-outage');
    clients.push(p.c);
    expect(p.code).toBe('NetStream.Publish.Failed');
    expect(p.description).toBe('cluster directory unreachable');
    expect(a.studio.registry.get('/live/one')?.publisher).not.toBeNull();
    expect((await status(b)).state).toBe('reconnecting');
  }, 30_000);
});

describe('without cluster.redis', () => {
  it('is not a cluster node: no service, no seam, cluster.status says so', async () => {
    const s = await startStudio();
    try {
      expect(s.studio.cluster).toBeNull();
      expect(s.studio.ctx.cluster).toBeUndefined();
      const st = await status(s);
      expect(st).toMatchObject({ enabled: false, node_id: null, state: 'off', redis: null, nodes: [], streams: [] });
      const p = await rtmpPublish(s.ports.rtmp, 'solo');
      expect(p.code).toBe('NetStream.Publish.Start');
      p.c.close();
    } finally {
      await s.stop();
    }
  });

  it('GET /api/cluster is behind the API gate', async () => {
    const s = await startStudio({ auth: { api: true } });
    try {
      expect((await fetch(s.httpUrl('/api/cluster'))).status).toBe(401);
    } finally {
      await s.stop();
    }
  });
});

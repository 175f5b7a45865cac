import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandNames, events, type Reply } from '../../core/contract';
import { contractRig } from '../helpers/contract-ws';
import { publishTestPattern } from '../helpers/ffmpeg';
import { startStudio, waitFor } from '../helpers/studio';

/** Every contract command over the real WebSocket transport, with valid and invalid arguments. */

let dataDir: string;
const rig = contractRig(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-contract-'));
  return startStudio({ data_dir: dataDir });
}, () => rmSync(dataDir, { recursive: true, force: true }));
const { ok, tested } = rig;

/** Unlike rig.fails: any command name, not counted as tested, and the error is returned for further checks. */
async function fails(cmd: string, args: unknown, code: string): Promise<Extract<Reply, { ok: false }>['error']> {
  const r = await rig.c.call(cmd, args);
  expect(r.ok, `${cmd} ${JSON.stringify(args)} should fail`).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error.code).toBe(code);
  expect(typeof r.error.message).toBe('string');
  return r.error;
}

describe('contract over /api/ws', () => {
  it('server.status', async () => {
    const s = (await ok('server.status')) as { ports: { rtmp: number; http: number }; mode: string; ffmpeg: { version: string } | null; data_dir: string };
    expect(s.ports.rtmp).toBe(rig.t.ports.rtmp);
    expect(s.ports.http).toBe(rig.t.ports.http);
    expect(s.mode).toBe('headless');
    expect(s.ffmpeg?.version).toBeTruthy();
    expect(s.data_dir).toBe(dataDir);
    await ok('server.status', {});
    const e = await fails('server.status', { verbose: true }, 'VALIDATION');
    expect(e.issues?.length).toBeGreaterThan(0);
    await fails('server.status', 'now', 'VALIDATION');
  });

  it('server.config.get', async () => {
    const s = (await ok('server.config.get')) as { host: string; rtmp: { port: number; gop_cache: boolean } };
    expect(s.host).toBe('127.0.0.1');
    expect(s.rtmp).toEqual({ port: 0, gop_cache: true });
    await fails('server.config.get', [1, 2], 'VALIDATION');
  });

  it('server.config.set: applies, persists, and refuses bad types before they reach the core', async () => {
    const r = (await ok('server.config.set', { rtmp: { gop_cache: false } })) as { settings: { rtmp: { gop_cache: boolean } }; restarted: string[]; saved_to: string };
    expect(r.settings.rtmp.gop_cache).toBe(false);
    expect(r.restarted).toEqual([]);
    expect(rig.t.studio.config.rtmp.gop_cache).toBe(false);
    expect(r.saved_to).toBe(path.join(dataDir, 'config.json'));
    expect(JSON.parse(readFileSync(r.saved_to, 'utf8'))).toEqual({ rtmp: { gop_cache: false } });
    // settings that execute things never come over the contract (config file or the desktop picker only)
    await fails('server.config.set', { ffmpeg: '' }, 'FORBIDDEN');
    await fails('server.config.set', { storage_dir: '/tmp' }, 'FORBIDDEN');

    const before = JSON.stringify(rig.t.studio.config);
    let e = await fails('server.config.set', { rtmp: { port: 'abc' } }, 'VALIDATION');
    expect(e.issues?.[0]?.path).toBe('rtmp.port');
    e = await fails('server.config.set', { rtmp: { port: 70000 } }, 'VALIDATION');
    expect(e.issues?.[0]?.path).toBe('rtmp.port');
    await fails('server.config.set', { nonsense: 1 }, 'VALIDATION');
    e = await fails('server.config.set', { auth: { publish: true, secret: '' } }, 'VALIDATION');
    expect(e.issues?.[0]?.path).toBe('auth.secret');
    await fails('server.config.set', 42, 'VALIDATION');
    expect(JSON.stringify(rig.t.studio.config)).toBe(before);
  });

  it('streams.list / streams.get / streams.urls with no stream', async () => {
    expect(await ok('streams.list')).toEqual([]);
    await fails('streams.list', { all: 1 }, 'VALIDATION');
    await fails('streams.get', { app: 'live', name: 'nobody' }, 'NOT_FOUND');
    tested.add('streams.get');
    let e = await fails('streams.get', { app: '../etc', name: 'passwd' }, 'VALIDATION');
    expect(e.issues?.[0]?.path).toBe('app');
    e = await fails('streams.get', { app: 'live' }, 'VALIDATION');
    expect(e.issues?.[0]?.path).toBe('name');
    const u = (await ok('streams.urls', { app: 'live', name: 'studio', host: 'studio.local' })) as Record<string, string>;
    expect(u.rtmp_server).toBe(`rtmp://studio.local:${rig.t.ports.rtmp}/live`);
    expect(u.stream_key).toBe('studio');
    expect(u.keys).toBe(false);
    expect(u.http_flv).toBe(`http://studio.local:${rig.t.ports.http}/live/studio.flv`);
    expect(u.ws_flv).toBe(`ws://studio.local:${rig.t.ports.http}/live/studio.flv`);
    // HLS, LL-HLS and DASH are on by default (config hls.*)
    expect(u.hls).toBe(`http://studio.local:${rig.t.ports.http}/live/studio/index.m3u8`);
    expect(u.ll_hls).toBe(`http://studio.local:${rig.t.ports.http}/live/studio/ll.m3u8`);
    expect(u.dash).toBe(`http://studio.local:${rig.t.ports.http}/live/studio/index.mpd`);
    await fails('streams.urls', { app: 'live', name: 'a b' }, 'VALIDATION');
    await fails('streams.urls', { app: 'live', name: 'x', host: 'evil/host' }, 'VALIDATION');
  });

  it('a live stream: events, streams.get, sessions.kick, streams.kick', async () => {
    rig.pub = publishTestPattern(rig.t.rtmpUrl('/live/contract'), { size: '320x240', rate: 15, seconds: 60 });
    const published = await rig.c.waitEvent('stream.published', (e) => e.data.path === '/live/contract', 15_000);
    events['stream.published'].parse(published.data);
    const tick = await rig.c.waitEvent('stream.stats', (e) => e.data.streams.some((s) => s.path === '/live/contract' && s.publisher?.video?.width === 320), 15_000);
    events['stream.stats'].parse(tick.data);
    const list = (await ok('streams.list')) as Array<{ path: string; publisher: { video: { width: number; height: number } } }>;
    expect(list.map((s) => s.path)).toEqual(['/live/contract']);
    expect(list[0].publisher.video).toMatchObject({ width: 320, height: 240 });

    // a player, then kick it by session id
    const ac = new AbortController();
    const res = await fetch(rig.t.httpUrl('/live/contract.flv'), { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const info = await waitFor(async () => {
      const s = (await ok('streams.get', { app: 'live', name: 'contract' })) as { subscribers: Array<{ clientId: string; protocol: string }> };
      return s.subscribers.length === 1 ? s : null;
    }, 'subscriber listed');
    const sub = info.subscribers[0];
    expect(sub.protocol).toBe('http');
    expect(await ok('sessions.kick', { id: sub.clientId })).toEqual({ kicked: sub.clientId });
    await waitFor(async () => (await reader.read().catch(() => ({ done: true }))).done, 'player closed after kick');
    ac.abort();
    await fails('sessions.kick', { id: 'NOSUCHID' }, 'NOT_FOUND');
    await fails('sessions.kick', { id: '../x' }, 'VALIDATION');
    await fails('sessions.kick', {}, 'VALIDATION');

    // kick the publisher
    await fails('streams.kick', { app: 'live', name: 7 }, 'VALIDATION');
    const k = (await ok('streams.kick', { app: 'live', name: 'contract' })) as { kicked: string };
    expect(k.kicked).toMatch(/^[A-Z0-9]{8}$/);
    const gone = await rig.c.waitEvent('stream.unpublished', (e) => e.data.path === '/live/contract');
    events['stream.unpublished'].parse(gone.data);
    await waitFor(async () => ((await ok('streams.list')) as unknown[]).length === 0, 'stream gone from list');
    await fails('streams.kick', { app: 'live', name: 'contract' }, 'NOT_FOUND');
    await rig.pub.done;
    rig.pub = null;
  });

  it('server.stats and log events', async () => {
    const s = await rig.c.waitEvent('server.stats', undefined, 3000);
    events['server.stats'].parse(s.data);
    expect(s.data.stats.nodejs.uptime).toBeGreaterThanOrEqual(0);
    const l = await rig.c.waitEvent('log', undefined, 3000);
    events.log.parse(l.data);
  });

  it('logs.tail', async () => {
    const logs = (await ok('logs.tail', { limit: 5 })) as Array<{ msg: string; level: number }>;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThanOrEqual(5);
    const warn = (await ok('logs.tail', { level: 40 })) as Array<{ level: number }>;
    expect(warn.every((r) => r.level >= 40)).toBe(true);
    await fails('logs.tail', { limit: 0 }, 'VALIDATION');
    await fails('logs.tail', { limit: 'all' }, 'VALIDATION');
  });

  it('server.panelToken is null with the API gate off', async () => {
    expect(await ok('server.panelToken')).toEqual({ token: null });
    await fails('server.panelToken', { token: 'x' }, 'VALIDATION');
  });

  it('streams.urls leaves out what is switched off in Settings (hls.*); record.* retention is a setting too', async () => {
    await ok('server.config.set', { hls: { dash: false } });
    const u = (await ok('streams.urls', { app: 'live', name: 'x' })) as Record<string, string | null>;
    expect(u.dash).toBeNull();
    expect(u.ll_hls).toMatch(/\/live\/x\/ll\.m3u8$/);
    await ok('server.config.set', { hls: { enabled: false } });
    const off = (await ok('streams.urls', { app: 'live', name: 'x' })) as Record<string, string | null>;
    expect([off.hls, off.ll_hls, off.dash]).toEqual([null, null, null]);
    await fails('server.config.set', { hls: { segment_seconds: 0.1 } }, 'VALIDATION');
    await fails('server.config.set', { record: { max_age_days: -1 } }, 'VALIDATION');
    await fails('server.config.set', { hls: { part_ms: 100 } }, 'VALIDATION');
    const r = (await ok('server.config.set', { hls: { enabled: true, dash: true }, record: { max_total_mb: 500 } })) as { settings: { hls: unknown; record: unknown } };
    expect(r.settings.hls).toEqual({ enabled: true, ll: true, dash: true, segment_seconds: 2 });
    expect(r.settings.record).toEqual({ max_age_days: 0, max_total_mb: 500 });
    expect(rig.t.studio.config.record.max_total_mb).toBe(500);
  });

  it('unknown commands and bad frames are answered, not dropped', async () => {
    await fails('streams.explode', {}, 'UNKNOWN_COMMAND');
    let f = await rig.c.raw('not json');
    expect(f).toMatchObject({ id: null, ok: false, error: { code: 'BAD_FRAME' } });
    f = await rig.c.raw(JSON.stringify({ id: 9, args: {} }));
    expect(f).toMatchObject({ id: 9, ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('covers every server/streams/sessions/logs command of the contract', () => {
    // other command families (jobs.*, recordings.*) have their own contract tests
    const mine = commandNames.filter((n) => /^(server|streams|sessions|logs)\./.test(n));
    expect([...tested].sort()).toEqual([...mine].sort());
  });
});

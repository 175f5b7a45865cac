/**
 * Seed 002's live-room REST API over HTTP (/api/live/create, changestatus, list/:page, read/:id) in the seed's
 * `{ msg, data }` envelope, its documented errors, and the room status following the stream by itself:
 * 0 → 1 on publish → 2 on a short drop (ffmpeg killed -9) → 1 on return → 3 on stop; ended stays ended;
 * a pause longer than rooms.pause_s ends the room. With auth.keys on the key is only the push credential: the
 * stream goes live at the key's public name (play_path + play_sign), and status and viewers follow that stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySign } from '../../core/auth/sign';
import type { Room } from '../../core/contract/rooms';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

const SECRET = 'nodemedia2017privatekey';

interface Env<T = unknown> { status: number; body: { msg: string; data: T; code?: string } }
interface SeedRoom { id: number; title: string; cover: string; key: string; status: number; look_count: number; created_time: string; updated_time: string; watch_path: string }

async function call<T = unknown>(t: TestStudio, method: 'GET' | 'POST', p: string, body?: unknown, raw?: string): Promise<Env<T>> {
  const r = await fetch(t.httpUrl(p), { method, headers: { 'content-type': 'application/json' }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  return { status: r.status, body: (await r.json()) as Env<T>['body'] };
}

function pattern(url: string): Run {
  return publishTestPattern(url, { size: '320x180', rate: 15, seconds: 60, audioRate: 22050, channels: 1 });
}

async function kill(r: Run): Promise<void> {
  r.child.kill('SIGKILL');
  await r.done;
}

describe('seed 002 live-room API', () => {
  let t: TestStudio;
  const runs: Run[] = [];
  beforeAll(async () => {
    t = await startStudio({ auth: { secret: SECRET }, rooms: { pause_s: 3 }, hls: { cleanup_after_s: 20 } });
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL');
    await t?.stop();
  });

  const status = async (id: number): Promise<number> => (await call<{ data: SeedRoom }>(t, 'GET', `/api/live/read/${id}`)).body.data.data.status;

  it('create answers the seed shape: { msg: ok, data: { data: room, sign } } with a 20-character key and a valid sign', async () => {
    const r = await call<{ data: SeedRoom; sign: string }>(t, 'POST', '/api/live/create', { title: '测试直播间', cover: '' });
    expect(r.status).toBe(200);
    expect(r.body.msg).toBe('ok');
    const room = r.body.data.data;
    expect(room).toMatchObject({ title: '测试直播间', cover: '', status: 0, look_count: 0, watch_path: `/watch/${room.id}` });
    expect(room.id).toEqual(expect.any(Number));
    expect(room.key).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(room.created_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(new Date(room.updated_time).toISOString()).toBe(room.updated_time);
    expect(verifySign(`/live/${room.key}`, r.body.data.sign, SECRET)).toEqual({ ok: true });
    // the room's key is a stream key of its own
    expect(t.studio.rooms.keys.list().some((k) => k.key === room.key)).toBe(true);
    const read = await call<{ data: SeedRoom; sign: string | null }>(t, 'GET', `/api/live/read/${room.id}`);
    expect(read).toMatchObject({ status: 200, body: { msg: 'ok', data: { data: { id: room.id, key: room.key, status: 0 } } } });
    expect(verifySign(`/live/${room.key}`, read.body.data.sign ?? undefined, SECRET)).toEqual({ ok: true });
    // auth.keys off: the stream is /live/<key> (seed 002), no separate play path
    expect(read.body.data).not.toHaveProperty('play_path');
    expect(t.studio.rooms.streamOf(room.id)?.path).toBe(`/live/${room.key}`);
  });

  it('list/:page: 10 a page, newest first', async () => {
    for (let i = 0; i < 11; i++) expect((await call(t, 'POST', '/api/live/create', { title: `room ${i}`, cover: 'http://x/c.png' })).status).toBe(200);
    const p1 = await call<SeedRoom[]>(t, 'GET', '/api/live/list/1');
    const p2 = await call<SeedRoom[]>(t, 'GET', '/api/live/list/2');
    const p9 = await call<SeedRoom[]>(t, 'GET', '/api/live/list/9');
    expect(p1.body.msg).toBe('ok');
    expect(p1.body.data).toHaveLength(10);
    expect(p1.body.data[0].title).toBe('room 10');
    expect(p2.body.data).toHaveLength(2);
    expect(p2.body.data[1].title).toBe('测试直播间');
    const ids = [...p1.body.data, ...p2.body.data].map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(p9.body).toEqual({ msg: 'ok', data: [] });
  });

  it('the seed errors: not found (该直播间不存在 / 当前直播间不存在) with an English code', async () => {
    expect(await call(t, 'POST', '/api/live/changestatus', { id: 999999, type: 'play' })).toEqual({ status: 400, body: { msg: '该直播间不存在', data: null, code: 'ROOM_NOT_FOUND' } });
    expect(await call(t, 'GET', '/api/live/read/999999')).toEqual({ status: 400, body: { msg: '当前直播间不存在', data: null, code: 'ROOM_NOT_FOUND' } });
  });

  it('bad input is a 4xx in the envelope and stores nothing', async () => {
    const before = t.studio.rooms.list().length;
    const bad: Array<[string, 'GET' | 'POST', string, unknown, string | undefined, number]> = [
      ['a 1 MB title', 'POST', '/api/live/create', undefined, JSON.stringify({ title: 'x'.repeat(1024 * 1024), cover: '' }), 413],
      ['a 200 KB title', 'POST', '/api/live/create', { title: 'x'.repeat(200_000), cover: '' }, undefined, 400],
      ['no title', 'POST', '/api/live/create', { cover: '' }, undefined, 400],
      ['a number title', 'POST', '/api/live/create', { title: 5, cover: '' }, undefined, 400],
      ['a blank title', 'POST', '/api/live/create', { title: '   ', cover: '' }, undefined, 400],
      ['an object cover', 'POST', '/api/live/create', { title: 'a', cover: {} }, undefined, 400],
      ['not JSON', 'POST', '/api/live/create', undefined, '{title:', 400],
      ['a string id', 'POST', '/api/live/changestatus', { id: 'abc', type: 'play' }, undefined, 400],
      ['a fractional id', 'POST', '/api/live/changestatus', { id: 1.5, type: 'play' }, undefined, 400],
      ['a negative id', 'POST', '/api/live/changestatus', { id: -1, type: 'play' }, undefined, 400],
      ['an array id', 'POST', '/api/live/changestatus', { id: [1], type: 'play' }, undefined, 400],
      ['an unknown type', 'POST', '/api/live/changestatus', { id: 1, type: 'resume' }, undefined, 400],
      ['page 0', 'GET', '/api/live/list/0', undefined, undefined, 400],
      ['page abc', 'GET', '/api/live/list/abc', undefined, undefined, 400],
      ['a huge page', 'GET', `/api/live/list/${'9'.repeat(40)}`, undefined, undefined, 400],
      ['read id abc', 'GET', '/api/live/read/abc', undefined, undefined, 400],
      ['read id 1e3', 'GET', '/api/live/read/1e3', undefined, undefined, 400],
    ];
    for (const [what, method, p, body, raw, code] of bad) {
      const r = await call(t, method, p, body, raw);
      expect(r.status, what).toBe(code);
      expect(r.body.data, what).toBeNull();
      expect(typeof r.body.msg, what).toBe('string');
      expect(r.body.code, what).toEqual(expect.any(String));
    }
    expect(t.studio.rooms.list()).toHaveLength(before);
  });

  it('status follows the stream: 0 → 1 on publish → 2 on a short drop → 1 on return → 3 on stop; ended stays ended', async () => {
    const c = await call<{ data: SeedRoom }>(t, 'POST', '/api/live/create', { title: 'live one', cover: '' });
    const room = c.body.data.data;
    const seen: number[] = [];
    const onChange = (r: Room): void => {
      if (r.id === room.id && seen[seen.length - 1] !== r.status) seen.push(r.status);
    };
    t.studio.rooms.on('room.changed', onChange);
    try {
      expect(await status(room.id)).toBe(0);
      let ff = pattern(t.rtmpUrl(`/live/${room.key}`));
      runs.push(ff);
      await waitFor(async () => (await status(room.id)) === 1, 'room live (1)', 20_000, 100);
      // the HLS muxer waits for the publisher, so the stream is inside its reconnect window
      await waitFor(() => t.studio.registry.get(`/live/${room.key}`)?.ready, 'stream ready', 20_000);
      await kill(ff);
      await waitFor(async () => (await status(room.id)) === 2, 'room paused (2)', 10_000, 50);
      expect(t.studio.registry.get(`/live/${room.key}`)?.reconnecting).toBe(true);
      ff = pattern(t.rtmpUrl(`/live/${room.key}`));
      runs.push(ff);
      await waitFor(async () => (await status(room.id)) === 1, 'room live again (1)', 20_000, 100);
      // the pause timer was cleared: still live after pause_s
      await new Promise((r) => setTimeout(r, 3500));
      expect(await status(room.id)).toBe(1);
      expect(await call(t, 'POST', '/api/live/changestatus', { id: room.id, type: 'stop' })).toEqual({ status: 200, body: { msg: 'ok', data: 'ok' } });
      expect(await status(room.id)).toBe(3);
      // ended stays ended: by hand, and when the publisher drops and returns
      expect(await call(t, 'POST', '/api/live/changestatus', { id: room.id, type: 'play' })).toEqual({ status: 400, body: { msg: '该直播间已结束', data: null, code: 'ROOM_ENDED' } });
      await kill(ff);
      ff = pattern(t.rtmpUrl(`/live/${room.key}`));
      runs.push(ff);
      await waitFor(() => t.studio.registry.get(`/live/${room.key}`)?.publisher, 'publisher back');
      expect(await status(room.id)).toBe(3);
      const read = await call<{ data: SeedRoom; sign: string | null }>(t, 'GET', `/api/live/read/${room.id}`);
      expect(read.body.data.sign).toBeNull();
      await kill(ff);
      const r = await t.studio.api.dispatch('rooms.status', { id: room.id, type: 'pause' });
      expect(r).toMatchObject({ ok: false });
      expect(seen).toEqual([1, 2, 1, 3]);
    } finally {
      t.studio.rooms.off('room.changed', onChange);
    }
  });

  it('a drop longer than rooms.pause_s ends the room', async () => {
    const room = (await call<{ data: SeedRoom }>(t, 'POST', '/api/live/create', { title: 'drops', cover: '' })).body.data.data;
    const ff = pattern(t.rtmpUrl(`/live/${room.key}`));
    runs.push(ff);
    await waitFor(async () => (await status(room.id)) === 1, 'room live (1)', 20_000, 100);
    await waitFor(() => t.studio.registry.get(`/live/${room.key}`)?.ready, 'stream ready', 20_000);
    await kill(ff);
    await waitFor(async () => (await status(room.id)) === 2, 'room paused (2)', 10_000, 50);
    const pausedAt = Date.now();
    await waitFor(async () => (await status(room.id)) === 3, 'room ended (3) after pause_s', 15_000, 100);
    expect(Date.now() - pausedAt).toBeGreaterThan(2000);
  });

  it('changestatus by hand: play → 1, pause → 2, stop → 3 (a room that never went live)', async () => {
    const room = (await call<{ data: SeedRoom }>(t, 'POST', '/api/live/create', { title: 'manual', cover: '' })).body.data.data;
    for (const [type, want] of [['play', 1], ['pause', 2], ['play', 1], ['stop', 3]] as const) {
      expect((await call(t, 'POST', '/api/live/changestatus', { id: room.id, type })).body).toEqual({ msg: 'ok', data: 'ok' });
      expect(await status(room.id)).toBe(want);
    }
    expect((await call(t, 'POST', '/api/live/changestatus', { id: String(room.id), type: 'pause' })).body.code).toBe('ROOM_ENDED');
  });
});

describe('seed 002 rooms with auth.keys on', () => {
  let t: TestStudio;
  const runs: Run[] = [];
  beforeAll(async () => {
    t = await startStudio({ auth: { secret: SECRET, keys: true }, rooms: { pause_s: 30 } });
  });
  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL');
    await t?.stop();
  });

  it('create keeps the seed shape (key + push sign) and adds play_path/play_sign; status and viewers follow the public stream', async () => {
    type Created = { data: SeedRoom; sign: string; play_path: string; play_sign: string };
    const c = await call<Created>(t, 'POST', '/api/live/create', { title: 'keyed', cover: '' });
    expect(c.status).toBe(200);
    const { data: room, sign, play_path, play_sign } = c.body.data;
    expect(room.key).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(verifySign(`/live/${room.key}`, sign, SECRET)).toEqual({ ok: true });
    const k = t.studio.rooms.keys.list().find((x) => x.key === room.key)!;
    expect(play_path).toBe(`/live/${k.stream}`);
    expect(play_path).not.toContain(room.key);
    expect(verifySign(play_path, play_sign, SECRET)).toEqual({ ok: true });
    expect(t.studio.rooms.streamOf(room.id)).toEqual({ app: 'live', name: k.stream, path: play_path });
    expect(t.studio.rooms.get(room.id).stream).toBe(k.stream);
    const read = await call<Created>(t, 'GET', `/api/live/read/${room.id}`);
    expect(read.body.data.play_path).toBe(play_path);

    const ff = pattern(t.rtmpUrl(`/live/${room.key}`));
    runs.push(ff);
    await waitFor(() => t.studio.rooms.get(room.id).status === 1, 'room live (1)', 20_000, 100);
    await waitFor(() => t.studio.registry.get(play_path)?.ready, 'public stream ready', 20_000);
    expect(t.studio.registry.get(`/live/${room.key}`)).toBeUndefined();
    // an FLV player of the public path is a viewer of the room
    const ac = new AbortController();
    const res = await fetch(t.httpUrl(`${play_path}.flv`), { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    try {
      await waitFor(() => t.studio.rooms.get(room.id).viewers.flv === 1, 'flv viewer counted', 10_000, 100);
    } finally {
      ac.abort();
      await reader.cancel().catch(() => undefined);
    }
    await kill(ff);
    await waitFor(() => t.studio.rooms.get(room.id).status === 2, 'room paused (2)', 10_000, 50);
    expect((await call(t, 'POST', '/api/live/changestatus', { id: room.id, type: 'stop' })).status).toBe(200);
    expect(t.studio.rooms.get(room.id).status).toBe(3);
  });
});

describe('seed 002 routes behind the API gate', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ auth: { api: true, api_token: 'tok-rooms-1234567890' } });
  });
  afterAll(() => t?.stop());

  it('without credentials: 401; with the token: the envelope', async () => {
    const r = await fetch(t.httpUrl('/api/live/list/1'));
    expect(r.status).toBe(401);
    const c = await fetch(t.httpUrl('/api/live/create'), { method: 'POST', body: JSON.stringify({ title: 'x', cover: '' }) });
    expect(c.status).toBe(401);
    expect(t.studio.rooms.list()).toHaveLength(0);
    const ok = await fetch(t.httpUrl('/api/live/list/1'), { headers: { authorization: 'Bearer tok-rooms-1234567890' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ msg: 'ok', data: [] });
  });
});

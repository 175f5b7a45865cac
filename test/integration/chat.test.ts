import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** The socket.io chat (issue 13) with the real socket.io-client: seed-002 events, bounds, moderation, presence. */

interface Client {
  s: Socket;
  errors: string[];
  got: Map<string, unknown[]>;
}

let t: TestStudio;
let room: number;
const clients: Socket[] = [];

function connect(opts: { transports?: string[] } = {}): Promise<Client> {
  const s = io(t.httpUrl(''), { transports: opts.transports ?? ['websocket'], forceNew: true, reconnection: false, timeout: 5000 });
  clients.push(s);
  const c: Client = { s, errors: [], got: new Map() };
  s.onAny((ev: string, p: { data?: { action?: string; payload?: unknown } }) => {
    if (ev === s.id && p?.data?.action === 'error') c.errors.push(String(p.data.payload));
    else (c.got.get(ev) ?? c.got.set(ev, []).get(ev)!).push(p);
  });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(c));
    s.once('connect_error', reject);
  });
}

const last = <T,>(c: Client, ev: string): T | undefined => c.got.get(ev)?.at(-1) as T | undefined;
const all = <T,>(c: Client, ev: string): T[] => (c.got.get(ev) ?? []) as T[];
type Online = { count: number; data: Array<{ name: string }>; action: string; clients: string[] };
type Comment = { user: { id: string; name: string }; content: string; id: string; at: number; kind?: string };

async function joined(c: Client, live: number, name: string): Promise<void> {
  c.s.emit('joinLive', { live_id: live, name });
  await waitFor(() => all<Online>(c, 'online').some((o) => o.data.some((u) => u.name === name)), `${name} in the online list`);
}

async function cmd<T>(name: string, args: unknown): Promise<T> {
  const r = await t.studio.api.dispatch(name, args);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

beforeAll(async () => {
  t = await startStudio({ hls: { cleanup_after_s: 2 } });
  room = (await cmd<{ id: number }>('rooms.add', { title: 'Chat room' })).id;
});

afterAll(async () => {
  for (const s of clients) s.disconnect();
  await t?.stop();
});

describe('socket.io chat (seed 002 events)', () => {
  it('two clients: online changes as the second joins and leaves; a comment reaches both and is stored', async () => {
    const a = await connect();
    const b = await connect({ transports: ['polling'] }); // long-polling through the HTTP front too
    await joined(a, room, 'alice');
    expect(last<Online>(a, 'online')!.count).toBe(1);
    await joined(b, room, 'bob');
    await waitFor(() => last<Online>(a, 'online')?.count === 2, 'alice sees 2 online');
    expect(last<Online>(a, 'online')!.data.map((u) => u.name).sort()).toEqual(['alice', 'bob']);
    expect(last<Online>(a, 'online')!.action).toBe('join');

    a.s.emit('comment', { live_id: room, data: '<b>hi</b> all' });
    await waitFor(() => all(a, 'comment').length && all(b, 'comment').length, 'comment at both');
    const got = last<Comment>(b, 'comment')!;
    expect(got.user.name).toBe('alice');
    expect(got.content).toBe('<b>hi</b> all'); // raw text, never rendered here
    expect(got.id).toMatch(/^[0-9a-f]{16}$/);
    const history = await cmd<Array<{ id: string; text: string; name: string }>>('chat.history', { room });
    expect(history.at(-1)).toMatchObject({ id: got.id, text: '<b>hi</b> all', name: 'alice' });

    b.s.emit('leaveLive', { live_id: room });
    await waitFor(() => last<Online>(a, 'online')?.count === 1 && last<Online>(a, 'online')?.action === 'leave', 'alice sees bob leave');
    b.s.disconnect();
    a.s.disconnect();
  });

  it('a flood from one socket is refused with errors (then dropped) while the others still chat', async () => {
    const a = await connect();
    const b = await connect();
    const f = await connect();
    await joined(a, room, 'ann');
    await joined(b, room, 'ben');
    await joined(f, room, 'flood');
    let dropped = false;
    f.s.on('disconnect', () => (dropped = true));
    for (let i = 0; i < 50; i++) {
      if (f.s.connected) f.s.emit('comment', { live_id: room, data: `spam ${i}` });
      await sleep(20);
    }
    await waitFor(() => f.errors.length >= 20, 'errors to the flooder');
    expect(f.errors.some((e) => /too many/.test(e))).toBe(true);
    await waitFor(() => dropped, 'the flooder dropped');
    const spam = all<Comment>(b, 'comment').filter((c) => c.content.startsWith('spam'));
    expect(spam.length).toBeLessThanOrEqual(5);
    a.s.emit('comment', { live_id: room, data: 'still here' });
    await waitFor(() => all<Comment>(b, 'comment').some((c) => c.content === 'still here'), 'others still chat');
    expect(a.errors).toEqual([]);
    a.s.disconnect();
    b.s.disconnect();
  });

  it('a banned viewer is refused; unban lets them talk; a timeout ends by itself', async () => {
    const e = await connect();
    await joined(e, room, 'eve');
    await cmd('chat.ban', { room, name: 'eve' });
    e.s.emit('comment', { live_id: room, data: 'let me in' });
    await waitFor(() => e.errors.some((x) => /banned/.test(x)), 'ban refusal');
    expect(all(e, 'comment')).toEqual([]);
    await cmd('chat.unban', { room, name: 'eve' });
    await cmd('chat.ban', { room, name: 'eve', seconds: 1 });
    e.s.emit('comment', { live_id: room, data: 'now?' });
    await waitFor(() => e.errors.some((x) => /timed out/.test(x)), 'timeout refusal');
    await sleep(1100);
    e.s.emit('comment', { live_id: room, data: 'back' });
    await waitFor(() => all<Comment>(e, 'comment').some((c) => c.content === 'back'), 'talks after the timeout');
    e.s.disconnect();
  });

  it('delete removes from history and tells the room; slow mode; oversize refused and not stored', async () => {
    const a = await connect();
    const b = await connect();
    await joined(a, room, 'amy');
    await joined(b, room, 'bo');
    const moderated: unknown[] = [];
    const off = t.studio.api.events.subscribe((ev) => ev.event === 'chat.moderated' && moderated.push(ev.data));
    a.s.emit('comment', { live_id: room, data: 'delete me' });
    const msg = await waitFor(() => all<Comment>(b, 'comment').find((c) => c.content === 'delete me'), 'comment');
    await cmd('chat.delete', { room, message_id: msg.id });
    await waitFor(() => all<{ id: string }>(b, 'commentDeleted').some((d) => d.id === msg.id), 'commentDeleted at bob');
    expect((await cmd<Array<{ id: string }>>('chat.history', { room })).some((m) => m.id === msg.id)).toBe(false);
    await waitFor(() => moderated.length > 0, 'chat.moderated');
    expect(moderated[0]).toMatchObject({ room, action: 'delete', message_id: msg.id });

    await cmd('chat.slow', { room, seconds: 3 });
    // bo has not spoken yet: one message, then the next is refused until 3 s have passed
    b.s.emit('comment', { live_id: room, data: 'slow 1' });
    await waitFor(() => all<Comment>(a, 'comment').some((c) => c.content === 'slow 1'), 'first slow message');
    b.s.emit('comment', { live_id: room, data: 'slow 2' });
    await waitFor(() => b.errors.some((x) => /slow mode/.test(x)), 'slow mode refusal');
    expect(all<Comment>(a, 'comment').some((c) => c.content === 'slow 2')).toBe(false);
    await cmd('chat.slow', { room, seconds: 0 });

    a.s.emit('comment', { live_id: room, data: 'x'.repeat(501) });
    await waitFor(() => a.errors.some((x) => /longer than 500/.test(x)), 'oversize refusal');
    expect((await cmd<Array<{ text: string }>>('chat.history', { room })).some((m) => m.text.length > 500)).toBe(false);
    // 100 KB is over the socket.io packet bound: the connection is cut, the others stay
    let cut = false;
    a.s.on('disconnect', () => (cut = true));
    a.s.emit('comment', { live_id: room, data: 'y'.repeat(100_000) });
    await waitFor(() => cut, 'oversize packet cuts the connection');
    b.s.emit('comment', { live_id: room, data: 'bo is fine' });
    await waitFor(() => all<Comment>(b, 'comment').some((c) => c.content === 'bo is fine'), 'others unaffected');
    off();
    b.s.disconnect();
  });

  it('the streamer (API/panel token) speaks as the streamer; an ended or unknown room refuses joins', async () => {
    const s = await connect();
    s.s.emit('joinLive', { live_id: room, token: t.studio.auth.panelToken(), name: 'ignored' });
    await waitFor(() => all<Online>(s, 'online').some((o) => o.data.some((u) => u.name === 'Streamer')), 'streamer joined');
    s.s.emit('comment', { live_id: room, data: 'welcome' });
    const c = await waitFor(() => all<Comment>(s, 'comment').find((x) => x.content === 'welcome'), 'streamer comment');
    expect(c).toMatchObject({ user: { name: 'Streamer' }, kind: 'streamer' });
    const v = await connect();
    v.s.emit('joinLive', { live_id: room, name: 'streamer' });
    await waitFor(() => v.errors.some((x) => /taken/.test(x)), 'impersonation refused');

    const ended = (await cmd<{ id: number }>('rooms.add', { title: 'Over' })).id;
    await cmd('rooms.status', { id: ended, type: 'stop' });
    v.s.emit('joinLive', { live_id: ended, name: 'late' });
    await waitFor(() => v.errors.some((x) => /ended/.test(x)), 'ended room refused');
    v.s.emit('joinLive', { live_id: 999_999, name: 'late' });
    await waitFor(() => v.errors.some((x) => /does not exist/.test(x)), 'unknown room refused');
    v.s.emit('comment', { live_id: ended, data: 'hello?', name: 'late' });
    await waitFor(() => v.errors.filter((x) => /ended/.test(x)).length >= 2, 'comment to an ended room refused');
    s.s.disconnect();
    v.s.disconnect();
  });

  it('the front door applies: a foreign Host gets 421; Origin follows http.allow_origin', async () => {
    const get = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: t.ports.http, path: '/socket.io/?EIO=4&transport=polling', headers }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        }).on('error', reject);
      });
    expect(await get({ host: 'evil.example' })).toBe(421);
    expect(await get({})).toBe(200);
    expect(await get({ origin: 'http://elsewhere.example' })).toBe(200); // allow_origin '*' (default)
    await t.studio.applyConfig({ ...t.studio.config, http: { ...t.studio.config.http, allow_origin: 'http://mine.example' } });
    try {
      expect(await get({ origin: 'http://elsewhere.example' })).toBe(403);
      expect(await get({ origin: 'http://mine.example' })).toBe(200);
      expect(await get({ origin: `http://127.0.0.1:${t.ports.http}` })).toBe(200); // same origin
    } finally {
      await t.studio.applyConfig({ ...t.studio.config, http: { ...t.studio.config.http, allow_origin: '*' } });
    }
  });
});

describe('presence', () => {
  let pub: Run | null = null;
  afterAll(() => pub?.child.kill('SIGKILL'));

  it('an HLS viewer with a vs token counts once however many playlist requests; segments never count', async () => {
    const r = await cmd<{ id: number; key: string; app: string }>('rooms.add', { title: 'Live' });
    const path = `/${r.app}/${r.key}`;
    pub = publishTestPattern(t.rtmpUrl(path), { size: '320x180', rate: 15, seconds: 60 });
    await waitFor(() => t.studio.registry.get(path)?.ready, 'stream ready', 20_000);
    const presence: Array<{ room: number; viewers: { hls: number } }> = [];
    const off = t.studio.api.events.subscribe((ev) => ev.event === 'presence.changed' && presence.push(ev.data as never));
    let seg = '';
    for (let i = 0; i < 5; i++) {
      const res = await fetch(t.httpUrl(`${path}/index.m3u8?vs=viewer-one-123`));
      expect(res.status).toBe(200);
      seg = (await res.text()).split('\n').find((l) => l.endsWith('.ts') || l.includes('.ts?')) ?? seg;
    }
    for (let i = 0; i < 5; i++) await (await fetch(t.httpUrl(`${path}/${seg}`))).arrayBuffer();
    const viewers = async (): Promise<{ hls: number; total: number }> => (await cmd<Array<{ id: number; viewers: { hls: number; total: number } }>>('rooms.list', {})).find((x) => x.id === r.id)!.viewers;
    expect((await viewers()).hls).toBe(1);
    await waitFor(() => presence.some((p) => p.room === r.id && p.viewers.hls === 1), 'presence.changed with 1 HLS viewer');
    await (await fetch(t.httpUrl(`${path}/ll.m3u8?vs=viewer-two-456`))).arrayBuffer();
    expect((await viewers()).hls).toBe(2);
    await (await fetch(t.httpUrl(`${path}/index.m3u8`))).arrayBuffer(); // no token: not counted
    await (await fetch(t.httpUrl(`${path}/index.m3u8?vs=<bad>`))).arrayBuffer();
    expect((await viewers()).hls).toBe(2);
    // sessions expire after ~3 target durations without a playlist request
    await waitFor(async () => (await viewers()).hls === 0, 'HLS sessions expire', 30_000, 500);
    off();
  });
});

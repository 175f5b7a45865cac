/**
 * Fuzz the socket.io chat: random values (bytes, huge and odd strings, numbers, nested objects, arrays,
 * binary) as the payloads of every chat event and of random event names. The server must live, the other
 * clients must still chat, and its memory must stay bounded. Cases: ONAIR_FUZZ_CASES (default 600).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { readName, readRoomId, readText } from '../../core/rooms/chat-guards';

const CASES = Number(process.env.ONAIR_FUZZ_CASES ?? 600);
let t: TestStudio;
let room: number;
const sockets: Socket[] = [];

function rnd(n: number): number {
  return Math.floor(Math.random() * n);
}

function value(depth = 0): unknown {
  switch (rnd(depth > 2 ? 7 : 10)) {
    case 0: return randomBytes(rnd(64)).toString('latin1');
    case 1: return randomBytes(rnd(4096)); // binary
    case 2: return 'x'.repeat(rnd(3) === 0 ? 20_000 : rnd(700));
    case 3: return [NaN, -1, 0, 1, 2 ** 53, 1e308, room, -room, 1.5][rnd(9)];
    case 4: return [null, undefined, true, false][rnd(4)];
    case 5: return String.fromCodePoint(...Array.from({ length: rnd(40) }, () => rnd(0x10ffff + 1)).filter((c) => c < 0xd800 || c > 0xdfff));
    case 6: return ['<script>alert(1)</script>', '\u202e\u0000name', '   ', String(room), '__proto__', 'constructor'][rnd(6)];
    case 7: return Array.from({ length: rnd(6) }, () => value(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const k of ['live_id', 'data', 'name', 'token', 'gift', 'gift_id', 'constructor', 'x'.repeat(rnd(50))]) if (rnd(2)) o[k] = k === 'live_id' && rnd(2) ? room : value(depth + 1);
      return o;
    }
  }
}

function connect(): Promise<Socket> {
  const s = io(t.httpUrl(''), { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5000 });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

beforeAll(async () => {
  // generous per-address bounds: every fuzzing socket comes from 127.0.0.1
  t = await startStudio({ chat: { per_address_5s: 100_000, connects_per_minute: 100_000, sockets_per_address: 1000 } });
  const r = await t.studio.api.dispatch('rooms.add', { title: 'Fuzz' });
  if (!r.ok) throw new Error(r.error.message);
  room = (r.result as { id: number }).id;
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.stop();
});

it('the payload readers never throw and only accept bounded text', () => {
  for (let i = 0; i < CASES * 20; i++) {
    const v = value();
    const id = readRoomId(v);
    if (id.ok) expect(Number.isSafeInteger(id.value) && id.value > 0).toBe(true);
    const n = readName(v);
    if (n.ok) {
      expect(n.value.length).toBeGreaterThan(0);
      expect(n.value.length).toBeLessThanOrEqual(32);
      expect([...n.value].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
    }
    const s = readText(v);
    if (s.ok) expect(s.value.length).toBeLessThanOrEqual(500);
  }
});

it('random payloads on every event: the server lives, others still chat, memory stays bounded', async () => {
  const watcher = await connect();
  const seen: string[] = [];
  watcher.on('comment', (c: { content: string }) => seen.push(c.content));
  watcher.emit('joinLive', { live_id: room, name: 'watcher' });
  const speaker = await connect();
  speaker.emit('joinLive', { live_id: room, name: 'speaker' });
  const rss0 = process.memoryUsage().rss;
  const events = ['joinLive', 'leaveLive', 'comment', 'gift', 'online', 'error', 'history', 'x'.repeat(rnd(30) + 1)];
  let fuzzer = await connect();
  let lastPing = 0;
  let pings = 0;
  for (let i = 0; i < CASES; i++) {
    if (!fuzzer.connected) fuzzer = await connect();
    const args = Array.from({ length: rnd(3) + 1 }, () => value());
    fuzzer.emit(events[rnd(events.length)], ...args);
    // the well-behaved client stays under its own rate limit (5 per 5 s)
    if (Date.now() - lastPing > 1100 || i === CASES - 1) {
      lastPing = Date.now();
      pings++;
      const text = `ping ${i}`;
      speaker.emit('comment', { live_id: room, data: text });
      await waitFor(() => seen.includes(text), `comment ${i} from a well-behaved client`, 10_000, 10);
    }
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
  }
  expect(pings).toBeGreaterThan(1);
  const health = await fetch(t.httpUrl('/socket.io/?EIO=4&transport=polling'));
  expect(health.status).toBe(200);
  await health.text();
  expect(watcher.connected && speaker.connected).toBe(true);
  // the studio runs in this process: its growth over the run is bounded (sockets, windows, online lists)
  expect(process.memoryUsage().rss - rss0).toBeLessThan(150 * 1024 * 1024);
  expect(t.studio.chat.chat(room).count).toBeLessThanOrEqual(sockets.length);
}, 180_000);

/**
 * What an RTMP peer that has not sent `connect` can cost the server (issue 8 item 4): memory held in
 * partial messages and chunk-stream state, a handshake or connect that never comes, and connection slots
 * per address. Real sockets against a real studio; the attackers run in this process, so they write with
 * backpressure and reuse their buffers to keep their own memory out of the measurement.
 */
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunks } from '../../core/format/rtmp/rtmp-chunk';
import { ClientHandshake } from '../../core/format/rtmp/rtmp-handshake';
import { setChunkSizeMsg } from '../../core/format/rtmp/rtmp-messages';
import { decodeFrames, publishTestPattern } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** A real GC lets the RSS baseline settle; vitest forks do not pass --expose-gc, so turn it on here. */
function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

interface Raw {
  socket: net.Socket;
  received: () => number;
  /** resolves with the ms from connect to close, and whether the server closed it (not our timer) */
  closed: Promise<{ ms: number; byServer: boolean }>;
  isClosed: () => boolean;
}

async function openRaw(port: number, giveUpMs = 30_000): Promise<Raw> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let got = 0;
  let done = false;
  let byUs = false;
  socket.on('data', (d: Buffer) => (got += d.length));
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  const t0 = Date.now();
  const timer = setTimeout(() => {
    byUs = true;
    socket.destroy();
  }, giveUpMs);
  const closed = new Promise<{ ms: number; byServer: boolean }>((res) =>
    socket.once('close', () => {
      done = true;
      clearTimeout(timer);
      res({ ms: Date.now() - t0, byServer: !byUs });
    }),
  );
  return { socket, received: () => got, closed, isClosed: () => done };
}

/**
 * Write `pieces` one at a time, each handed to the kernel before the next is asked for (so a generator may
 * refill one buffer), until they run out or the server closes the socket; returns the bytes written.
 */
async function pour(raw: Raw, pieces: Iterable<Buffer>): Promise<number> {
  let sent = 0;
  for (const p of pieces) {
    if (raw.isClosed() || raw.socket.destroyed) break;
    const ok = await Promise.race([new Promise<boolean>((r) => raw.socket.write(p, (e) => r(!e))), raw.closed.then(() => false)]);
    if (!ok) break;
    sent += p.length;
  }
  return sent;
}

const C0C1_C2 = Buffer.concat([new ClientHandshake().c0c1(), Buffer.alloc(1536)]);

/** A fmt 0 chunk header for a message of `len` bytes on any chunk-stream id (3-byte basic header form). */
function header(csid: number, len: number): Buffer {
  const b = Buffer.alloc(14);
  b[0] = 1; // fmt 0, csid in the next two bytes
  b.writeUInt16LE(csid - 64, 1);
  b.writeUIntBE(len, 6, 3);
  b[9] = 9; // video
  b.writeUInt32LE(1, 10);
  return b;
}

/** Declares 64 KiB messages on hundreds of chunk streams and sends one 65000-byte chunk of each (~39 MB offered). */
function* bigPartials(): Generator<Buffer> {
  yield C0C1_C2;
  yield encodeChunks(setChunkSizeMsg(65_000), 128); // a chunk ends after 65000 body bytes: the message stays partial
  const body = Buffer.alloc(65_000, 0x17);
  for (let csid = 64; csid < 664; csid++) {
    yield header(csid, 65_536);
    yield body;
  }
}

/** Declares 8 MiB messages (what the server allowed before) on 4 chunk streams, all but 2 bytes sent (~32 MB offered). */
function* hugeDeclared(): Generator<Buffer> {
  const len = 8 * 1024 * 1024 - 1;
  yield C0C1_C2;
  yield encodeChunks(setChunkSizeMsg(len - 1), 128);
  const body = Buffer.alloc(65_536, 0x17);
  for (let csid = 64; csid < 68; csid++) {
    yield header(csid, len);
    for (let i = 0; i < 127; i++) yield body;
    yield body.subarray(0, body.length - 2);
  }
}

/** Opens 40 000 chunk-stream ids, each with a partial 1000-byte message of which one 100-byte chunk is sent. */
function* manyStreams(): Generator<Buffer> {
  yield C0C1_C2;
  yield encodeChunks(setChunkSizeMsg(100), 128);
  const batch = Buffer.alloc(500 * 114, 0x17); // refilled for every 500 ids: 14-byte header + 100 body bytes
  for (let csid = 64; csid < 40_064; csid += 500) {
    for (let i = 0; i < 500; i++) header(csid + i, 1000).copy(batch, i * 114);
    yield batch;
  }
}

function closeReasons(t: TestStudio, msg: string): string[] {
  return t.studio.logs.list(1000).filter((r) => r.msg === msg).map((r) => String(r.reason));
}

describe('RTMP before connect: memory, deadlines and per-address slots', () => {
  let t: TestStudio;

  beforeAll(async () => {
    t = await startStudio();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('ten peers trying to hold memory before connect are each cut off; RSS moves < 20 MB; others untouched', async () => {
    const gc = getGc();
    const bystander = await TestRtmpClient.connect(t.ports.rtmp);
    await bystander.connectApp('live', t.ports.rtmp);
    const kinds = [bigPartials, hugeDeclared, manyStreams];
    const attack = async (kind: (typeof kinds)[number]): Promise<{ kind: string; sent: number; ms: number; byServer: boolean }> => {
      const raw = await openRaw(t.ports.rtmp);
      const sent = await pour(raw, kind());
      return { kind: kind.name, sent, ...(await raw.closed) };
    };
    // one round first, so code compiled and buffers pooled on first use are not counted as the attack's cost
    await Promise.all(kinds.map(attack));
    gc();
    await sleep(100);
    gc();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attack(kinds[i % kinds.length])));
    if (process.env.ONAIR_TEST_VERBOSE) console.log('rss growth MB', ((peak - rss0) / 1048576).toFixed(1), results);
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(sampler);
    for (const r of results) expect(r, `${r.kind} peer is disconnected by the server`).toMatchObject({ byServer: true });
    // the 64 KiB and 8 MiB attackers are cut off long before they have offered everything
    for (const r of results.filter((x) => x.kind !== 'manyStreams')) expect(r.sent, r.kind).toBeLessThan(30 * 1024 * 1024);
    const growth = peak - rss0;
    expect(growth, `RSS grew by ${(growth / 1048576).toFixed(1)} MB`).toBeLessThan(20 * 1024 * 1024);

    const reasons = closeReasons(t, 'rtmp session closed').filter((r) => r.startsWith('LIMIT:'));
    if (process.env.ONAIR_TEST_VERBOSE) console.log(reasons);
    expect(reasons.length).toBeGreaterThanOrEqual(13);
    for (const why of ['more than 131072 bytes in partial messages', 'message of 8388607 bytes exceeds limit 65536', 'more than 16 chunk streams']) {
      expect(reasons.filter((r) => r.endsWith(why)).length, why).toBeGreaterThanOrEqual(3);
    }
    expect(bystander.closed, 'a connected client is untouched').toBe(false);
    bystander.close();

    // the server still takes a normal publish and plays it back
    const pub = publishTestPattern(t.rtmpUrl('/live/after'), { size: '320x240', rate: 15, seconds: 30 });
    try {
      await waitFor(() => t.studio.registry.get('/live/after')?.ready, 'publish after the attack', 15_000);
      const d = await decodeFrames(t.rtmpUrl('/live/after'), 30);
      expect(d.stderr).toBe('');
      expect(d.frames).toBeGreaterThanOrEqual(30);
    } finally {
      pub.child.kill('SIGKILL');
    }
  });
});

describe('RTMP handshake and connect deadline', () => {
  let t: TestStudio;

  beforeAll(async () => {
    t = await startStudio({ limits: { rtmp_handshake_timeout_ms: 1500 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('a handshake trickled one byte every 300 ms is dropped at the deadline', async () => {
    const raw = await openRaw(t.ports.rtmp, 10_000);
    const c0c1 = new ClientHandshake().c0c1();
    const trickle = setInterval(() => {
      if (!raw.isClosed()) raw.socket.write(c0c1.subarray(0, 1));
    }, 300);
    const end = await raw.closed;
    clearInterval(trickle);
    expect(end.byServer).toBe(true);
    expect(end.ms).toBeGreaterThanOrEqual(1400);
    expect(end.ms).toBeLessThan(1500 + 700);
    expect(raw.received()).toBe(0); // C1 never completed: no S0+S1+S2
    expect(closeReasons(t, 'rtmp session closed')).toContain('LIMIT: handshake not done within 1500 ms');
  });

  it('a peer that finishes the handshake but never sends connect is dropped at the deadline', async () => {
    const raw = await openRaw(t.ports.rtmp, 10_000);
    raw.socket.write(C0C1_C2);
    const end = await raw.closed;
    expect(end.byServer).toBe(true);
    expect(raw.received()).toBe(3073);
    expect(end.ms).toBeGreaterThanOrEqual(1400);
    expect(end.ms).toBeLessThan(1500 + 700);
    expect(closeReasons(t, 'rtmp session closed')).toContain('LIMIT: connect after handshake not done within 1500 ms');
  });

  it('a client that connected in time stays past the deadline', async () => {
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    await sleep(2500);
    expect(c.closed).toBe(false);
    c.close();
  });
});

describe('RTMP connections per address', () => {
  let t: TestStudio;

  beforeAll(async () => {
    t = await startStudio({ limits: { rtmp_max_conn_per_ip: 3 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  async function handshaken(): Promise<Raw> {
    const raw = await openRaw(t.ports.rtmp);
    raw.socket.write(new ClientHandshake().c0c1());
    await waitFor(() => raw.received() >= 3073 || raw.isClosed(), 'S0+S1+S2', 5000);
    return raw;
  }

  it('the 4th connection from one address is closed at accept; after one closes a new one is accepted', async () => {
    const first = [await handshaken(), await handshaken(), await handshaken()];
    for (const r of first) expect(r.received()).toBe(3073);

    const fourth = await openRaw(t.ports.rtmp);
    fourth.socket.write(new ClientHandshake().c0c1());
    const end = await fourth.closed;
    expect(end.byServer).toBe(true);
    expect(end.ms).toBeLessThan(1000);
    expect(fourth.received()).toBe(0);
    const refused = t.studio.logs.list(1000).filter((r) => r.msg === 'rtmp connection refused');
    expect(refused.length).toBe(1);
    expect(refused[0]).toMatchObject({ ip: '127.0.0.1', code: 'LIMIT' });

    await sleep(300);
    for (const r of first) expect(r.isClosed(), 'the first three stay open').toBe(false);

    first[0].socket.destroy();
    await first[0].closed;
    // the server counts the slot free once it has seen the close; a new connection then gets a handshake
    const next = await waitFor(async () => {
      const r = await handshaken();
      if (r.received() === 3073 && !r.isClosed()) return r;
      r.socket.destroy();
      return null;
    }, 'a new connection accepted after one closed', 5000);
    await sleep(300);
    expect(next.isClosed()).toBe(false);
    for (const r of [...first.slice(1), next]) r.socket.destroy();
  });
});

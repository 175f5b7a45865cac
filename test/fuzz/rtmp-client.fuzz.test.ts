/**
 * Fuzz the RTMP client's reader (core/rtmp/client-connection.ts) with mutated SERVER responses played by a
 * scripted TCP server: S0/S1/S2, the connect _result, createStream, onStatus, control messages and media
 * (generated with the core/format/rtmp encoders). The only acceptable outcomes are a working session, an
 * OnAirError or a clean close — never a crash, a non-OnAirError or an unhandled rejection — and each case ends
 * in bounded time. A partial 16 MB message declared by the server must not cost 16 MB.
 * Cases: ONAIR_FUZZ_CASES (default 60).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmfEcmaArray } from '../../core/format/amf/amf';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import {
  MSG, UC, ackMsg, commandMsg, dataMsg, decodeCommand, setChunkSizeMsg, setPeerBandwidthMsg, userControlMsg, windowAckSizeMsg,
} from '../../core/format/rtmp/rtmp-messages';
import { OnAirError } from '../../core/errors';
import { RtmpClient } from '../../core/rtmp/client';
import { mutate } from '../helpers/mutate';
import { fuzzCases, pick, prng, randInt, randomBuffer, randomSlices, type Rand } from '../helpers/prng';

const CASES = fuzzCases(60);
const CASE_TIMEOUT_MS = 5000;
const HS = 1536;

/** S0 + S1 + S2 of a plain handshake (the client echoes S1 and does not check S2 in plain mode). */
function handshake(rand: Rand): Buffer {
  const s1 = randomBuffer(rand, HS);
  s1.fill(0, 0, 8);
  return Buffer.concat([Buffer.from([3]), s1, randomBuffer(rand, HS)]);
}

/** One FLV tag inside an aggregate message: 11-byte header, body, previous tag size. */
function aggregateTag(type: number, ts: number, body: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUIntBE(ts & 0xffffff, 4, 3);
  h[7] = (ts >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + body.length);
  return Buffer.concat([h, body, prev]);
}

/**
 * What a server answers a player, in phases: [0] S0/S1/S2 at accept, [1] after `connect`, [2] after
 * `createStream`, [3] after `play` (Play.Start, then media). Answers must follow the requests: a _result that
 * comes before its call is (rightly) ignored by the client.
 */
function serverPhases(rand: Rand): Buffer[] {
  const av = (type: number, ts: number, body: Buffer): RtmpMessage => ({ csid: type === MSG.VIDEO ? 6 : 4, type, streamId: 1, timestamp: ts, payload: body });
  const size = pick(rand, [128, 4096]);
  const enc = (msgs: RtmpMessage[]): Buffer => Buffer.concat(msgs.map((m) => encodeChunks(m, size)));
  const connect = [
    windowAckSizeMsg(5_000_000),
    setPeerBandwidthMsg(5_000_000, 2),
    commandMsg(0, ['_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'ok', objectEncoding: 0 }]),
    commandMsg(0, ['onBWDone', 0, null]),
  ];
  const media: RtmpMessage[] = [
    userControlMsg(UC.STREAM_BEGIN, 1),
    commandMsg(1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Reset', description: 'reset' }], 5),
    commandMsg(1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start', description: 'start' }], 5),
    dataMsg(1, ['onMetaData', new AmfEcmaArray({ width: 320, height: 240, framerate: 25, videocodecid: 7, audiocodecid: 10 })]),
    av(MSG.VIDEO, 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4]), randomBuffer(rand, 4), Buffer.from([1, 0, 2]), randomBuffer(rand, 2)])),
    av(MSG.AUDIO, 0, Buffer.from([0xaf, 0, 0x12, 0x10])),
  ];
  let ts = 0;
  for (let i = 0; i < 30; i++) {
    ts += 40;
    media.push(av(MSG.VIDEO, ts, Buffer.concat([Buffer.from([i % 10 === 0 ? 0x17 : 0x27, 1, 0, 0, 0]), randomBuffer(rand, randInt(rand, 20, 900))])));
    media.push(av(MSG.AUDIO, ts + 3, Buffer.concat([Buffer.from([0xaf, 1]), randomBuffer(rand, randInt(rand, 10, 200))])));
    if (i === 10) media.push(userControlMsg(UC.PING_REQUEST, 1234), ackMsg(4096));
  }
  const agg = Buffer.concat([aggregateTag(9, ts + 40, randomBuffer(rand, 50)), aggregateTag(8, ts + 43, randomBuffer(rand, 20))]);
  media.push({ csid: 6, type: MSG.AGGREGATE, streamId: 1, timestamp: ts + 40, payload: agg });
  // an extended timestamp past 24 bits, then the end of the stream
  media.push(av(MSG.VIDEO, 0x1000000 + 5, Buffer.from([0x27, 1, 0, 0, 0, 9, 9])));
  media.push(userControlMsg(UC.STREAM_EOF, 1), commandMsg(1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Stop' }], 5));
  return [
    handshake(rand),
    Buffer.concat([...(size !== 128 ? [encodeChunks(setChunkSizeMsg(size), 128)] : []), enc(connect)]),
    enc([commandMsg(0, ['_result', 2, null, 1])]),
    enc(media),
  ];
}

/**
 * A scripted server: phase 0 at accept, phase k after the client's k-th command of connect/createStream/play.
 * When the client asks nothing more for `idleMs` (or after the last phase) the socket ends, unless `hold`.
 */
interface Script {
  phases: Buffer[];
  /** how to cut each write */
  cut: (b: Buffer) => Buffer[];
  hold: boolean;
  idleMs: number;
}

const TRIGGERS = ['connect', 'createStream', 'play'];

class ScriptedServer {
  readonly server = net.createServer((s) => this.serve(s));
  readonly sockets = new Set<net.Socket>();
  next: Script = { phases: [], cut: (b) => [b], hold: false, idleMs: 100 };

  private serve(s: net.Socket): void {
    const script = this.next;
    this.sockets.add(s);
    let phase = 0;
    let idle: NodeJS.Timeout | undefined;
    const send = (): void => {
      for (const b of script.cut(script.phases[phase] ?? Buffer.alloc(0))) s.write(b);
      phase++;
      clearTimeout(idle);
      if (script.hold) return;
      if (phase >= script.phases.length) s.end();
      else idle = setTimeout(() => s.end(), script.idleMs);
    };
    let skip = 1 + 2 * HS; // C0 C1 C2
    const reader = new ChunkReader();
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(idle);
      this.sockets.delete(s);
    });
    s.on('data', (d: Buffer) => {
      if (skip > 0) {
        const n = Math.min(skip, d.length);
        skip -= n;
        d = d.subarray(n);
      }
      if (d.length === 0) return;
      for (const m of reader.push(d)) {
        if (m.type !== MSG.COMMAND_AMF0) continue;
        if (TRIGGERS.includes(decodeCommand(m).name) && phase < script.phases.length) send();
      }
    });
    send();
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

type Outcome = 'played' | string;

/** connect → createStream → play, then until the connection ends (or a short grace); returns the error code or 'played'. */
async function runClient(port: number, timeoutMs: number): Promise<Outcome> {
  let c: RtmpClient | null = null;
  let closeError: unknown = undefined;
  try {
    c = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`, { timeoutMs });
    c.on('close', (_reason, err) => (closeError = err));
    c.on('media', () => undefined);
    await c.play('fuzz');
    const cl = c;
    await new Promise<void>((r) => {
      if (cl.closed) return r();
      const t = setTimeout(r, 50);
      cl.once('close', () => (clearTimeout(t), r()));
    });
    if (closeError !== undefined && closeError !== null && !(closeError instanceof OnAirError)) throw new Error(`close with a non-OnAirError: ${String(closeError)}`);
    return 'played';
  } catch (e) {
    if (!(e instanceof OnAirError)) throw e;
    return e.code;
  } finally {
    c?.destroy();
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not finished within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

describe('RTMP client reader fuzz (mutated server responses)', () => {
  const srv = new ScriptedServer();
  let port = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  beforeAll(async () => {
    port = await srv.listen();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await srv.close();
  });

  it('the unmutated script plays (the harness reaches the happy path)', async () => {
    const r = prng(7);
    srv.next = { phases: serverPhases(r), cut: (b) => [b], hold: false, idleMs: 5000 };
    expect(await runClient(port, 2000)).toBe('played');
  });

  it(`survives ${CASES} mutated server streams with only OnAirErrors or clean closes`, async () => {
    const donors = [0, 1, 2].flatMap((s) => serverPhases(prng(100 + s)));
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < CASES; i++) {
      const seed = 9000 + i;
      const r = prng(seed);
      // each phase mutated with some chance (the handshake rarely: most cases should reach the chunk reader)
      const phases = serverPhases(r).map((b, k) => (r() < (k === 0 ? 0.1 : 0.5) ? mutate(r, b, donors, 4) : b));
      if (phases.every((b, k) => b.equals(serverPhases(prng(seed))[k]))) phases[3] = mutate(r, phases[3], donors, 4);
      const hold = r() < 0.1;
      const maxSlice = pick(r, [64, 1500, 16_384]);
      srv.next = { phases, cut: (b) => randomSlices(r, b, maxSlice), hold, idleMs: 100 };
      let got: Outcome;
      try {
        got = await within(runClient(port, hold ? 300 : 1500), CASE_TIMEOUT_MS, `case ${i} (seed ${seed})`);
      } catch (e) {
        throw new Error(`case ${i} (seed ${seed}): ${String(e)}`, { cause: e });
      }
      outcomes[got] = (outcomes[got] ?? 0) + 1;
    }
    if (process.env.ONAIR_FUZZ_VERBOSE) console.log('client fuzz outcomes', outcomes);
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
    expect(Object.keys(outcomes).length).toBeGreaterThan(1); // both played and failed cases were reached
  }, 120_000);

  it('a server declaring 16 MB messages does not make the client allocate them', async () => {
    const clients: RtmpClient[] = [];
    const r = prng(42);
    // connect _result, then a video message header declaring 0xFFFFFF bytes and only 64 KB of it
    const head = Buffer.from([0x06, 0, 0, 0, 0xff, 0xff, 0xff, MSG.VIDEO, 1, 0, 0, 0]);
    const connectOk = encodeChunks(commandMsg(0, ['_result', 1, null, { level: 'status', code: 'NetConnection.Connect.Success' }]), 128);
    const big = Buffer.concat([encodeChunks(setChunkSizeMsg(0xffffff), 128), head, randomBuffer(r, 64 * 1024)]);
    srv.next = { phases: [handshake(r), Buffer.concat([connectOk, big])], cut: (b) => [b], hold: true, idleMs: 0 };
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    try {
      for (let i = 0; i < 12; i++) {
        const c = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`, { timeoutMs: 3000 });
        clients.push(c);
      }
      // all 64 KB of each partial message arrived
      await within((async () => {
        while (clients.some((c) => c.bytesIn < 3073 + connectOk.length + big.length)) await new Promise((res) => setTimeout(res, 20));
      })(), 5000, 'partial messages delivered');
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(clients.every((c) => !c.closed)).toBe(true);
      // 12 × 16 MB would be 192 MB; holding what arrived is about 12 × 64 KB
      expect(grown).toBeLessThan(24 * 1024 * 1024);
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});

/**
 * RTMP handshake state machines (server side for ingest, client side for tests and benchmarks).
 * Pure byte logic: the caller moves bytes between these and the socket.
 *
 * Plain handshake (RTMP spec 5.2): S1 is random, S2 echoes C1; C2 is not verified (fixtures recorded
 * against another server echo that server's S1).
 * Complex handshake (Flash Player 9+ digest scheme): C1 carries an HMAC-SHA256 digest keyed by
 * "Genuine Adobe Flash Player 001" at an offset given by scheme 0 (bytes 8..11) or 1 (772..775);
 * the server answers with an S1 digest (FMS key, same scheme) and an S2 signed with a key derived
 * from the C1 digest, which clients such as Flash/ffmpeg verify.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { OnAirError } from '../../errors';

export const HANDSHAKE_SIZE = 1536;
const RTMP_VERSION = 3;
const DIGEST_SIZE = 32;

const KEY_TAIL = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d,
  0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
/** "Genuine Adobe Flash Player 001" + tail: 62 bytes; the first 30 sign C1. */
const FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), KEY_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + tail: 68 bytes; the first 36 sign S1. */
const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), KEY_TAIL]);
const FP_KEY_C1 = FP_KEY.subarray(0, 30);
const FMS_KEY_S1 = FMS_KEY.subarray(0, 36);
/** Version field we put in a complex S1 / C1 (any non-zero value marks "digest handshake"). */
const SERVER_VERSION = Buffer.from([0x0d, 0x0e, 0x0a, 0x0d]);
const CLIENT_VERSION = Buffer.from([0x09, 0x00, 0x7c, 0x02]);

export type DigestScheme = 0 | 1;

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Where the 32-byte digest sits in a 1536-byte C1/S1 for the given scheme. */
export function digestOffset(block: Buffer, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  return ((block[base] + block[base + 1] + block[base + 2] + block[base + 3]) % 728) + base + 4;
}

function blockDigest(block: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE, HANDSHAKE_SIZE));
}

/** The digest of a C1/S1 when it validates under either scheme, else null. */
export function findDigest(block: Buffer, key: Buffer): { scheme: DigestScheme; digest: Buffer } | null {
  for (const scheme of [0, 1] as const) {
    const off = digestOffset(block, scheme);
    const expected = blockDigest(block, off, key);
    const actual = block.subarray(off, off + DIGEST_SIZE);
    if (timingSafeEqual(expected, actual)) return { scheme, digest: Buffer.from(actual) };
  }
  return null;
}

/** Build a C1/S1: zero time, the given version, random fill, digest at the scheme's offset. Returns block + digest. */
function signedBlock(version: Buffer, key: Buffer, scheme: DigestScheme): { block: Buffer; digest: Buffer } {
  const block = randomBytes(HANDSHAKE_SIZE);
  block.writeUInt32BE(0, 0);
  version.copy(block, 4);
  const off = digestOffset(block, scheme);
  const digest = blockDigest(block, off, key);
  digest.copy(block, off);
  return { block, digest };
}

/** S2 / C2 for the complex handshake: random, last 32 bytes = HMAC(HMAC(fullKey, peerDigest), first 1504). */
function signedResponse(fullKey: Buffer, peerDigest: Buffer): Buffer {
  const block = randomBytes(HANDSHAKE_SIZE);
  const key = hmac(fullKey, peerDigest);
  hmac(key, block.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).copy(block, HANDSHAKE_SIZE - DIGEST_SIZE);
  return block;
}

/** True when `resp` (S2 / C2) is signed for `ownDigest` (the digest we sent in C1 / S1). */
export function verifyResponse(resp: Buffer, fullKey: Buffer, ownDigest: Buffer): boolean {
  const key = hmac(fullKey, ownDigest);
  const expected = hmac(key, resp.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  return timingSafeEqual(expected, resp.subarray(HANDSHAKE_SIZE - DIGEST_SIZE, HANDSHAKE_SIZE));
}

/** Keys exported for tests that build or check digests by hand. */
export const HANDSHAKE_KEYS = { FP_KEY, FMS_KEY, FP_KEY_C1, FMS_KEY_S1 } as const;

function checkVersion(v: number, who: string): void {
  if (v === RTMP_VERSION) return;
  if (v === 6 || v === 8 || v === 9) throw new OnAirError('FORMAT', 'encrypted RTMPE not supported');
  throw new OnAirError('FORMAT', `unsupported RTMP version ${v} in ${who}`);
}

export interface HandshakeStep {
  send: Buffer | null;
  done: boolean;
  rest: Buffer | null;
}

/** Collects bytes until a wanted length is available. */
class Collector {
  private buf: Buffer | null = null;

  add(chunk: Buffer): void {
    this.buf = this.buf === null || this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  get length(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  peek(i: number): number {
    return this.buf === null ? -1 : this.buf[i];
  }

  /** Remove and return the first n bytes (caller checked `length`). */
  take(n: number): Buffer {
    const b = this.buf as Buffer;
    const head = b.subarray(0, n);
    this.buf = b.subarray(n);
    return head;
  }

  /** Whatever is left, or null. */
  drain(): Buffer | null {
    const b = this.buf;
    this.buf = null;
    return b !== null && b.length > 0 ? b : null;
  }
}

export class ServerHandshake {
  private readonly input = new Collector();
  private state: 'c0c1' | 'c2' | 'done' = 'c0c1';
  private isComplex = false;

  push(chunk: Buffer): HandshakeStep {
    if (this.state === 'done') return { send: null, done: true, rest: chunk.length > 0 ? chunk : null };
    this.input.add(chunk);
    let send: Buffer | null = null;
    if (this.state === 'c0c1') {
      if (this.input.length >= 1) checkVersion(this.input.peek(0), 'C0');
      if (this.input.length < 1 + HANDSHAKE_SIZE) return { send: null, done: false, rest: null };
      this.input.take(1);
      send = this.answer(this.input.take(HANDSHAKE_SIZE));
      this.state = 'c2';
    }
    if (this.input.length < HANDSHAKE_SIZE) return { send, done: false, rest: null };
    this.input.take(HANDSHAKE_SIZE); // C2: deliberately not verified
    this.state = 'done';
    return { send, done: true, rest: this.input.drain() };
  }

  /** S0 + S1 + S2 for this C1. */
  private answer(c1: Buffer): Buffer {
    const out = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
    out[0] = RTMP_VERSION;
    const found = c1.readUInt32BE(4) !== 0 ? findDigest(c1, FP_KEY_C1) : null;
    if (found) {
      this.isComplex = true;
      signedBlock(SERVER_VERSION, FMS_KEY_S1, found.scheme).block.copy(out, 1);
      signedResponse(FMS_KEY, found.digest).copy(out, 1 + HANDSHAKE_SIZE);
    } else {
      const s1 = randomBytes(HANDSHAKE_SIZE);
      s1.fill(0, 0, 8); // time 0, zero field 0: plain handshake
      s1.copy(out, 1);
      c1.copy(out, 1 + HANDSHAKE_SIZE);
    }
    return out;
  }

  /** true when C1 carried a valid Flash-style digest (scheme 0 or 1) and we answered with the complex (digest) handshake */
  get complex(): boolean {
    return this.isComplex;
  }
}

export class ClientHandshake {
  private readonly input = new Collector();
  private readonly wantComplex: boolean;
  private readonly scheme: DigestScheme;
  private c1: Buffer | null = null;
  private c1Digest: Buffer | null = null;
  private finished = false;
  private isComplex = false;

  constructor(opts?: { complex?: boolean; scheme?: DigestScheme }) {
    this.wantComplex = opts?.complex ?? false;
    this.scheme = opts?.scheme ?? 0;
  }

  /** C0 + C1 (the same bytes on every call). */
  c0c1(): Buffer {
    if (this.c1 === null) {
      if (this.wantComplex) {
        const { block, digest } = signedBlock(CLIENT_VERSION, FP_KEY_C1, this.scheme);
        this.c1 = block;
        this.c1Digest = digest;
      } else {
        this.c1 = randomBytes(HANDSHAKE_SIZE);
        this.c1.fill(0, 0, 8);
      }
    }
    return Buffer.concat([Buffer.from([RTMP_VERSION]), this.c1]);
  }

  /** Feed server bytes; once S0+S1+S2 arrived returns send = C2 and done = true, rest = leftover bytes */
  push(chunk: Buffer): HandshakeStep {
    if (this.finished) return { send: null, done: true, rest: chunk.length > 0 ? chunk : null };
    if (this.c1 === null) this.c0c1();
    this.input.add(chunk);
    if (this.input.length >= 1) checkVersion(this.input.peek(0), 'S0');
    if (this.input.length < 1 + 2 * HANDSHAKE_SIZE) return { send: null, done: false, rest: null };
    this.input.take(1);
    const s1 = this.input.take(HANDSHAKE_SIZE);
    const s2 = this.input.take(HANDSHAKE_SIZE);
    let c2: Buffer;
    const s1Found = this.c1Digest !== null ? findDigest(s1, FMS_KEY_S1) : null;
    if (s1Found && this.c1Digest !== null) {
      if (!verifyResponse(s2, FMS_KEY, this.c1Digest)) throw new OnAirError('FORMAT', 'S2 digest does not match C1');
      this.isComplex = true;
      c2 = signedResponse(FP_KEY, s1Found.digest);
    } else {
      c2 = Buffer.from(s1); // plain: C2 echoes S1
    }
    this.finished = true;
    return { send: c2, done: true, rest: this.input.drain() };
  }

  /** true when the server answered with a valid digest S1 and an S2 signed for our C1 */
  get complex(): boolean {
    return this.isComplex;
  }
}

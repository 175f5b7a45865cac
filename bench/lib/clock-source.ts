/**
 * A live publisher whose every frame carries its capture time as a machine-readable code, for glass-to-glass
 * latency: frames are painted in Node (640x360 yuv420p, 30 fps, paced on the wall clock), piped into ffmpeg
 * (libx264 ultrafast/zerolatency, 1 s GOP, + a sine AAC track) and published over RTMP.
 *
 * The code is a band of 32x2 cells (each 1/32 of the width by 1/18 of the height: 20x20 px at 640x360) at
 * the top of the frame, white = 1, black = 0:
 *   cell 0 = 1, cell 1 = 0 (start marker) | cells 2..49: 48-bit ms epoch, MSB first |
 *   cells 50..57: CRC-8 (poly 0x07) of the 6 timestamp bytes | cells 58..61: frame counter mod 16 |
 *   cell 62 = 0, cell 63 = 1 (end marker)
 * The decoder (CLOCK_DECODER_JS) is plain JavaScript so the very same text runs in Chromium (injected with
 * page.evaluate) and in Node (verifyClockRoundTrip: frames through x264 and back, decoded by that text).
 *
 * The timestamp is the frame's scheduled capture time (t0 + n/30 s), which is also what its pts says, so a
 * late generator shows up as latency (as a late camera would) instead of as a pts/clock mismatch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopChild, trackChild } from './children';
import { ffmpegPath, stderrTail, untilPublishing } from './ffmpeg';

export const CLOCK_W = 640;
export const CLOCK_H = 360;
export const CLOCK_FPS = 30;
const COLS = 32;
const ROWS = 2;
const Y_BLACK = 16;
const Y_WHITE = 235;
const Y_BG = 96;

export interface ClockReading {
  ts: number;
  seq: number;
}

export interface ClockCodec {
  /** Decode an RGBA image (at least the top two cell rows of a `width` x `height` frame). */
  decode(rgba: ArrayLike<number>, width: number, height: number): ClockReading | null;
  crc8(bytes: ArrayLike<number>): number;
}

/**
 * The decoder as JavaScript source: an expression evaluating to { decode, crc8 }. ES5-style on purpose: it
 * is sent to the browser as text and must not depend on any bundler helper.
 */
export const CLOCK_DECODER_JS = `(function () {
  var COLS = ${COLS}, ROWS = ${ROWS};
  function crc8(bytes) {
    var c = 0;
    for (var i = 0; i < bytes.length; i++) {
      c ^= bytes[i];
      for (var k = 0; k < 8; k++) c = (c & 0x80) ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    }
    return c;
  }
  function cells(rgba, width, height) {
    var cw = width / COLS, ch = height / 18, out = [];
    for (var r = 0; r < ROWS; r++) {
      for (var c = 0; c < COLS; c++) {
        var x0 = Math.round(c * cw + cw * 0.25), x1 = Math.round(c * cw + cw * 0.75);
        var y0 = Math.round(r * ch + ch * 0.25), y1 = Math.round(r * ch + ch * 0.75);
        var s = 0, n = 0;
        for (var y = y0; y < y1; y++) {
          for (var x = x0; x < x1; x++) {
            var i = (y * width + x) * 4;
            s += rgba[i] * 0.299 + rgba[i + 1] * 0.587 + rgba[i + 2] * 0.114;
            n++;
          }
        }
        out.push(n ? s / n : 0);
      }
    }
    return out;
  }
  function decode(rgba, width, height) {
    if (!width || !height) return null;
    var v = cells(rgba, width, height);
    var hi = (v[0] + v[63]) / 2, lo = (v[1] + v[62]) / 2;
    if (hi - lo < 60) return null;
    var th = (hi + lo) / 2, bits = [];
    for (var i = 0; i < v.length; i++) bits.push(v[i] > th ? 1 : 0);
    if (bits[0] !== 1 || bits[1] !== 0 || bits[62] !== 0 || bits[63] !== 1) return null;
    var ts = 0, crc = 0, seq = 0;
    for (i = 0; i < 48; i++) ts = ts * 2 + bits[2 + i];
    for (i = 0; i < 8; i++) crc = crc * 2 + bits[50 + i];
    for (i = 0; i < 4; i++) seq = seq * 2 + bits[58 + i];
    var bytes = [], t = ts;
    for (i = 0; i < 6; i++) { bytes.unshift(t % 256); t = Math.floor(t / 256); }
    if (crc8(bytes) !== crc) return null;
    return { ts: ts, seq: seq };
  }
  return { decode: decode, crc8: crc8 };
})()`;

let nodeCodec: ClockCodec | null = null;

/** The same decoder text, evaluated in Node. */
export function clockCodec(): ClockCodec {
  nodeCodec ??= new Function(`return ${CLOCK_DECODER_JS};`)() as ClockCodec;
  return nodeCodec;
}

/** CRC-8 (poly 0x07), written independently of the decoder's so the round trip checks both. */
function crc8(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

function codeBits(ts: number, seq: number): number[] {
  const bytes = new Uint8Array(6);
  let t = ts;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  const bits = [1, 0];
  for (let i = 47; i >= 0; i--) bits.push(Math.floor(ts / 2 ** i) % 2);
  const crc = crc8(bytes);
  for (let i = 7; i >= 0; i--) bits.push((crc >> i) & 1);
  for (let i = 3; i >= 0; i--) bits.push((seq >> i) & 1);
  bits.push(0, 1);
  return bits;
}

const FRAME_BYTES = CLOCK_W * CLOCK_H * 1.5;
let background: Buffer | null = null;

function baseFrame(): Buffer {
  if (!background) {
    background = Buffer.alloc(FRAME_BYTES, 128); // chroma neutral
    background.fill(Y_BG, 0, CLOCK_W * CLOCK_H);
  }
  return background;
}

/** One yuv420p frame: the code band on top and a moving bar below it (so the encoder has motion to code). */
export function paintFrame(ts: number, n: number): Buffer {
  const f = Buffer.from(baseFrame());
  const bits = codeBits(ts, n % 16);
  const cw = CLOCK_W / COLS;
  const ch = CLOCK_H / 18;
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const y = bits[r * COLS + c] ? Y_WHITE : Y_BLACK;
      for (let row = r * ch; row < (r + 1) * ch; row++) f.fill(y, row * CLOCK_W + c * cw, row * CLOCK_W + (c + 1) * cw);
    }
  }
  const barX = (n * 8) % (CLOCK_W - 32);
  for (let row = 3 * ch; row < CLOCK_H; row++) f.fill(220, row * CLOCK_W + barX, row * CLOCK_W + barX + 32);
  return f;
}

function x264Args(kbps = 1000): string[] {
  return ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`];
}

export interface ClockPublisherOptions {
  /** publish at this size instead of 640x360: the painted frames are scaled up by ffmpeg (nearest neighbour, so a 2× code stays sharp) */
  size?: { width: number; height: number };
  /** video bitrate, kbps (default 1000) */
  kbps?: number;
}

function runFfmpeg(args: string[], input: Buffer | null, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpegPath(), args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-3000);
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited ${code}: ${err}`));
    });
    if (input && p.stdin) {
      p.stdin.on('error', () => undefined);
      p.stdin.end(input);
    }
  });
}

export interface RoundTrip {
  frames: number;
  decoded: number;
  exact: number;
  /** RGBA of the top band of one decoded frame (for the in-browser check) with its known timestamp */
  sample: { rgba: Buffer; width: number; height: number; ts: number };
}

/**
 * Encode known frames with the publisher's x264 settings, decode them back to RGBA with ffmpeg and read
 * them with the decoder text. Every frame must come back with its exact timestamp.
 */
export async function verifyClockRoundTrip(frames = 45): Promise<RoundTrip> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-clock-'));
  try {
    const known: number[] = [];
    const raw: Buffer[] = [];
    const base = Date.now();
    for (let n = 0; n < frames; n++) {
      // the current clock, plus values that exercise high and low bits
      const ts = n % 3 === 0 ? base + n * 33 : n % 3 === 1 ? 2 ** 47 - 1 - n * 7919 : 1 + n * 104729;
      known.push(ts);
      raw.push(paintFrame(ts, n));
    }
    const h264 = path.join(dir, 'clock.h264');
    const rgbaFile = path.join(dir, 'clock.rgba');
    const common = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
    await runFfmpeg([...common, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${CLOCK_W}x${CLOCK_H}`, '-r', String(CLOCK_FPS), '-i', '-', ...x264Args(), '-f', 'h264', h264], Buffer.concat(raw), 30_000);
    await runFfmpeg([...common, '-i', h264, '-f', 'rawvideo', '-pix_fmt', 'rgba', rgbaFile], null, 30_000);
    const rgba = readFileSync(rgbaFile);
    const size = CLOCK_W * CLOCK_H * 4;
    const codec = clockCodec();
    let decoded = 0;
    let exact = 0;
    for (let n = 0; n < Math.min(frames, Math.floor(rgba.length / size)); n++) {
      const r = codec.decode(rgba.subarray(n * size, (n + 1) * size), CLOCK_W, CLOCK_H);
      if (!r) continue;
      decoded++;
      if (r.ts === known[n] && r.seq === n % 16) exact++;
    }
    const pick = Math.min(frames - 1, 10);
    const bandRows = Math.ceil((CLOCK_H / 18) * ROWS);
    const sample = { rgba: Buffer.from(rgba.subarray(pick * size, pick * size + CLOCK_W * bandRows * 4)), width: CLOCK_W, height: CLOCK_H, ts: known[pick] };
    return { frames, decoded, exact, sample };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ClockPublisherStats {
  frames: number;
  /** how late frames were handed to ffmpeg vs their scheduled time, ms */
  lateP95Ms: number;
  lateMaxMs: number;
  /** bytes waiting in ffmpeg's stdin pipe at the worst moment */
  maxQueuedBytes: number;
}

/** The clock publisher: Node paints frames in real time, ffmpeg encodes and publishes to `url`. */
export class ClockPublisher {
  private proc: ChildProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private n = 0;
  private t0 = 0;
  private lates: number[] = [];
  private maxQueued = 0;

  constructor(readonly url: string, private readonly opts: ClockPublisherOptions = {}) {}

  /** Resolves once ffmpeg reports encoded frames (it is publishing); rejects if it exits or stays silent 15 s. */
  start(): Promise<void> {
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-nostats',
      '-thread_queue_size', '64', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${CLOCK_W}x${CLOCK_H}`, '-r', String(CLOCK_FPS), '-i', 'pipe:0',
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      ...(this.opts.size ? ['-vf', `scale=${this.opts.size.width}:${this.opts.size.height}:flags=neighbor`] : []),
      ...x264Args(this.opts.kbps), '-c:a', 'aac', '-b:a', '64k', '-ac', '1',
      '-f', 'flv', '-flvflags', 'no_duration_filesize', '-progress', 'pipe:1', this.url,
    ];
    const p = trackChild(spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    this.proc = p;
    p.stdin?.on('error', () => undefined);
    const err = stderrTail(p);
    this.t0 = Date.now();
    this.n = 0;
    this.tick();
    return untilPublishing(p, 'clock publisher', err, { onTimeout: () => void this.stop(), onExit: () => this.halt() });
  }

  /** Paint and write every frame that is due, then sleep until the next one. */
  private tick(): void {
    const p = this.proc;
    if (!p?.stdin || p.stdin.destroyed) return;
    const now = Date.now();
    const period = 1000 / CLOCK_FPS;
    // at most 15 frames per wake-up: a stall is caught up over a few ticks, not in one burst
    for (let k = 0; k < 15; k++) {
      const due = this.t0 + Math.round(this.n * period);
      if (due > now) break;
      if (this.lates.length < 100_000) this.lates.push(now - due);
      p.stdin.write(paintFrame(due, this.n));
      this.n++;
    }
    this.maxQueued = Math.max(this.maxQueued, p.stdin.writableLength);
    const next = this.t0 + Math.round(this.n * period);
    this.timer = setTimeout(() => this.tick(), Math.max(1, next - Date.now()));
  }

  private halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get alive(): boolean {
    const p = this.proc;
    return p !== null && p.exitCode === null && p.signalCode === null;
  }

  stats(): ClockPublisherStats {
    const sorted = [...this.lates].sort((a, b) => a - b);
    return {
      frames: this.n,
      lateP95Ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] : Number.NaN,
      lateMaxMs: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      maxQueuedBytes: this.maxQueued,
    };
  }

  async stop(): Promise<void> {
    this.halt();
    const p = this.proc;
    this.proc = null;
    if (p) await stopChild(p, 2000);
  }
}

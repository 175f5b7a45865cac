import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Page } from 'playwright-core';
import { FFMPEG } from './ffmpeg';

/**
 * A "clock camera": video frames that carry their capture time (wall-clock ms) as big black/white blocks, so a
 * player's real latency can be read off the picture (Date.now() − the time in the frame on screen).
 *
 * Layout (gray, 320x240): the top 48 px are 3 rows of 20 blocks of 16x16 px. Block 0 is white and block 1 black
 * (the reference levels), blocks 2..33 carry `ms mod 2^32` MSB first, blocks 34..41 a CRC-8 of those 4 bytes.
 * The rest of the frame is mid gray with a moving bar (so it looks alive in a screenshot).
 */
export const CLOCK_W = 320;
export const CLOCK_H = 240;
export const CLOCK_FPS = 30;
const BLOCK = 16;
const COLS = CLOCK_W / BLOCK;
const TWO32 = 0x100000000;

function crc8(bytes: number[]): number {
  let c = 0;
  for (const b of bytes) {
    c ^= b;
    for (let i = 0; i < 8; i++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

/** The 42 block values (1 = white) for a capture time. */
export function clockBits(ms: number): number[] {
  const v = ((ms % TWO32) + TWO32) % TWO32;
  const bytes = [Math.floor(v / 2 ** 24) % 256, Math.floor(v / 2 ** 16) % 256, Math.floor(v / 2 ** 8) % 256, v % 256];
  const bits = [1, 0];
  for (let i = 31; i >= 0; i--) bits.push(Math.floor(v / 2 ** i) % 2);
  const c = crc8(bytes);
  for (let i = 7; i >= 0; i--) bits.push((c >> i) & 1);
  return bits;
}

/** Draw frame `n` stamped with `ms` into a gray CLOCK_W x CLOCK_H buffer. */
export function drawClockFrame(ms: number, n: number, out: Buffer = Buffer.alloc(CLOCK_W * CLOCK_H)): Buffer {
  out.fill(128);
  const bits = clockBits(ms);
  for (let i = 0; i < bits.length; i++) {
    const x0 = (i % COLS) * BLOCK;
    const y0 = Math.floor(i / COLS) * BLOCK;
    const v = bits[i] ? 255 : 0;
    for (let y = y0; y < y0 + BLOCK; y++) out.fill(v, y * CLOCK_W + x0, y * CLOCK_W + x0 + BLOCK);
  }
  const bar = (n * 4) % CLOCK_W;
  for (let y = 64; y < CLOCK_H; y++) out.fill(230, y * CLOCK_W + bar, y * CLOCK_W + Math.min(CLOCK_W, bar + 12));
  return out;
}

/**
 * Read the stamp (ms mod 2^32) from a picture: `lum(x, y)` gives the luma (0..255) of a pixel of a picture
 * CLOCK_W x CLOCK_H. Null when the reference blocks lack contrast or the CRC fails.
 *
 * Self-contained on purpose (no outside names): its source is also evaluated in the browser.
 */
export function readClockStamp(lum: (x: number, y: number) => number): number | null {
  const block = 16;
  const cols = 20;
  const cell = (i: number): number => {
    const x0 = (i % cols) * block + 4;
    const y0 = Math.floor(i / cols) * block + 4;
    let s = 0;
    for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) s += lum(x, y);
    return s / 64;
  };
  const white = cell(0);
  const black = cell(1);
  if (white - black < 100) return null;
  const mid = (white + black) / 2;
  const bit = (i: number): number => (cell(i) > mid ? 1 : 0);
  let v = 0;
  for (let i = 2; i < 34; i++) v = v * 2 + bit(i);
  let c = 0;
  for (let i = 34; i < 42; i++) c = c * 2 + bit(i);
  const bytes = [Math.floor(v / 16777216) % 256, Math.floor(v / 65536) % 256, Math.floor(v / 256) % 256, v % 256];
  let k = 0;
  for (const b of bytes) {
    k ^= b;
    for (let j = 0; j < 8; j++) k = k & 0x80 ? ((k << 1) ^ 0x07) & 0xff : (k << 1) & 0xff;
  }
  return k === c ? v : null;
}

/** ms elapsed from a stamp (ms mod 2^32) to `now`. */
export function sinceStamp(stamp: number, now = Date.now()): number {
  return (((now - stamp) % TWO32) + TWO32) % TWO32;
}

export interface ClockPublisher {
  child: ChildProcess;
  /** wall-clock ms of frame 0, set once ffmpeg is ready (frame n >= 1 is stamped base + n * 1000 / CLOCK_FPS and written no earlier) */
  base: number;
  /** frames written so far, and the worst lateness of a write against its stamp (ms) */
  stats: { frames: number; maxLateMs: number };
  done: Promise<{ code: number | null; stderr: string }>;
  /** stop the generator and let ffmpeg finish */
  stop(): void;
}

/**
 * Publish the clock camera with the bundled ffmpeg: gray frames on stdin and a 440 Hz tone (s16le, 48 kHz mono)
 * on fd 3, both generated here in lockstep and paced by a drift-free timer, so media time = stamp − base and
 * neither input waits on the other in the muxer. H.264 ultrafast/zerolatency 1 Mb/s GOP 30 + AAC, to `output`
 * (an rtmp:// URL, or `pipe:1` for FLV on stdout; `onStdout` then sees it).
 */
export function publishClock(output: string, opts: { seconds?: number; onStdout?: (chunk: Buffer) => void } = {}): ClockPublisher {
  const seconds = opts.seconds ?? 30;
  const child = spawn(FFMPEG, [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${CLOCK_W}x${CLOCK_H}`, '-framerate', String(CLOCK_FPS), '-thread_queue_size', '64', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
    '-f', 's16le', '-ar', '48000', '-ac', '1', '-thread_queue_size', '64', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:3',
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(CLOCK_FPS), '-b:v', '1M', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k',
    '-flush_packets', '1', '-f', 'flv', output,
  ], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const video = child.stdin as Writable;
  const audio = child.stdio[3] as Writable;
  for (const w of [video, audio]) w.on('error', () => undefined);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  child.stdout?.on('data', (d: Buffer) => opts.onStdout?.(d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));

  const frameMs = 1000 / CLOCK_FPS;
  const samples = 48000 / CLOCK_FPS;
  const stats = { frames: 0, maxLateMs: 0 };
  const pub: ClockPublisher = { child, base: 0, stats, done, stop: () => undefined };
  let phase = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const writeFrame = (stamp: number | null): void => {
    video.write(stamp === null ? Buffer.alloc(CLOCK_W * CLOCK_H, 128) : drawClockFrame(stamp, stats.frames));
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * (phase + i)) / 48000)), i * 2);
    phase += samples;
    audio.write(pcm);
    stats.frames++;
  };
  pub.stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    video.end();
    audio.end();
  };
  const tick = (): void => {
    timer = null;
    if (stopped) return;
    while (!stopped && Date.now() >= pub.base + stats.frames * frameMs) {
      const stamp = Math.round(pub.base + stats.frames * frameMs);
      stats.maxLateMs = Math.max(stats.maxLateMs, Date.now() - stamp);
      writeFrame(stamp);
      if (stats.frames >= seconds * CLOCK_FPS) return pub.stop();
    }
    timer = setTimeout(tick, Math.max(0, pub.base + stats.frames * frameMs - Date.now()));
  };
  // Frame 0 (blank, no stamp) lets ffmpeg probe its inputs, start its encoders and connect; the clock starts when
  // the output header is written ("Output #0" is logged right after it). Stamping from the spawn instead would
  // queue ~1 s of frames in the pipe during that start and send them in a burst.
  writeFrame(null);
  let ready = false;
  child.stderr?.on('data', () => {
    if (ready || !stderr.includes('Output #0')) return;
    ready = true;
    pub.base = Date.now();
    timer = setTimeout(tick, frameMs);
  });
  child.on('close', () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  });
  return pub;
}

export interface PageClockSample {
  /** Date.now() − the stamp of the frame on screen (ms), null when the picture did not decode */
  pixelMs: number | null;
  /** the element's currentTime and playbackRate at that moment */
  currentTime: number;
  rate: number;
}

/**
 * In the page: draw the <video> matching `selector` to a canvas at its own size, read the stamp and return how
 * old it is against the page's Date.now() (same machine clock as the publisher).
 */
export async function readPageClock(page: Page, selector: string): Promise<PageClockSample> {
  const fn = (sel: string, read: typeof readClockStamp): PageClockSample => {
    const v = document.querySelector(sel) as HTMLVideoElement | null;
    if (!v || v.readyState < 2 || !v.videoWidth) return { pixelMs: null, currentTime: v?.currentTime ?? 0, rate: v?.playbackRate ?? 0 };
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    if (!g) return { pixelMs: null, currentTime: v.currentTime, rate: v.playbackRate };
    g.drawImage(v, 0, 0);
    const now = Date.now();
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const stamp = read((x, y) => {
      const o = (y * c.width + x) * 4;
      return 0.299 * d[o] + 0.587 * d[o + 1] + 0.114 * d[o + 2];
    });
    const two32 = 4294967296;
    return { pixelMs: stamp === null ? null : (((now - stamp) % two32) + two32) % two32, currentTime: v.currentTime, rate: v.playbackRate };
  };
  // evaluated as one expression so the decoder's source travels with it
  return page.evaluate(`(${fn.toString()})(${JSON.stringify(selector)}, ${readClockStamp.toString()})`) as Promise<PageClockSample>;
}

/** Real media made by the bundled ffmpeg, plus byte helpers, for the core/format tests. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The ffmpeg or ffprobe of @ffmpeg-installer / @ffprobe-installer for this platform. */
export function bundledBinary(name: 'ffmpeg' | 'ffprobe'): string {
  const p = resolve(`node_modules/@${name}-installer`, `${process.platform}-${process.arch}`, name);
  if (!existsSync(p)) throw new Error(`bundled ${name} not found at ${p}`);
  return p;
}

export function ffmpegPath(): string {
  return bundledBinary('ffmpeg');
}

export interface MediaDir {
  dir: string;
  /** runs ffmpeg with `args` (output file last, relative to dir) and returns the output bytes */
  make(args: string[], out: string): Buffer;
  cleanup(): void;
}

export function mediaDir(): MediaDir {
  const dir = mkdtempSync(join(tmpdir(), 'onair-format-'));
  return {
    dir,
    make(args, out) {
      const file = join(dir, out);
      execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args, file], { stdio: ['ignore', 'ignore', 'pipe'] });
      return readFileSync(file);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A media dir for the enclosing describe block: made in beforeAll, removed in afterAll.
 * Register it before any beforeAll that uses it (hooks run in the order they are registered).
 */
export function useMediaDir(): MediaDir {
  let m: MediaDir | undefined;
  beforeAll(() => {
    m = mediaDir();
  });
  afterAll(() => m?.cleanup());
  const cur = (): MediaDir => {
    if (!m) throw new Error('useMediaDir: used outside its describe block hooks');
    return m;
  };
  return {
    get dir() {
      return cur().dir;
    },
    make: (args, out) => cur().make(args, out),
    cleanup: () => cur().cleanup(),
  };
}

/** The 1 s 1280x720 H.264 High 3.1 + AAC 48 kHz stereo FLV from the brief. */
export function makeTestFlv(m: MediaDir): Buffer {
  return m.make(
    [
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '1', '-c:v', 'libx264', '-profile:v', 'high', '-level', '3.1', '-c:a', 'aac', '-ac', '2', '-f', 'flv',
    ],
    'test.flv',
  );
}

/** Payload of the first ISO BMFF box of `type` found anywhere in `file` (good enough for tiny test files). */
export function findBox(file: Buffer, type: string): Buffer {
  const i = file.indexOf(Buffer.from(type, 'latin1'));
  if (i < 4) throw new Error(`box ${type} not found`);
  const size = file.readUInt32BE(i - 4);
  return file.subarray(i + 4, i - 4 + size);
}

/** Splits an Annex B byte stream into NAL units (without start codes). */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  const nals: Buffer[] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = k + 1 < starts.length ? starts[k + 1] - 3 : stream.length;
    while (end > starts[k] && stream[end - 1] === 0) end--; // trailing zero of a 4-byte start code
    nals.push(stream.subarray(starts[k], end));
  }
  return nals;
}

/** MSB-first bit writer for hand-crafted vectors. */
export class BitWriter {
  private bits: number[] = [];
  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }
  ue(value: number): this {
    const v = value + 1;
    const len = Math.floor(Math.log2(v));
    this.u(len, 0);
    return this.u(len + 1, v);
  }
  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }
  /** rbsp_trailing_bits and padding to a byte */
  trailing(): this {
    this.bits.push(1);
    while (this.bits.length % 8) this.bits.push(0);
    return this;
  }
  toBuffer(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((b, i) => {
      if (b) out[i >> 3] |= 0x80 >> (i & 7);
    });
    return out;
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOCK_FPS, CLOCK_H, CLOCK_W, drawClockFrame, publishClock, readClockStamp, sinceStamp } from '../helpers/clock-video';
import { FFMPEG, run } from '../helpers/ffmpeg';

/**
 * The clock camera used by the LL-HLS latency check (test/e2e/ll-latency.test.ts): its stamps survive H.264, the
 * FLV timestamps match the stamps (media time = stamp − base), and ffmpeg hands each frame out promptly, so a
 * stamp on screen is the frame's capture time.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'onair-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

describe('clock video', () => {
  it('reads back what it draws, and rejects a damaged picture', () => {
    for (const ms of [0, 1, 0xffffffff, Date.now(), 1_700_000_123_456]) {
      const f = drawClockFrame(ms, 7);
      expect(readClockStamp((x, y) => f[y * CLOCK_W + x])).toBe(ms % 0x100000000);
    }
    const f = drawClockFrame(123_456_789, 0);
    // flip one data block (block 10): the CRC catches it
    for (let y = 0; y < 16; y++) f.fill(f[y * CLOCK_W + 10 * 16 + 8] ^ 0xff, y * CLOCK_W + 160, y * CLOCK_W + 176);
    expect(readClockStamp((x, y) => f[y * CLOCK_W + x])).toBeNull();
    expect(readClockStamp(() => 128)).toBeNull();
    expect(sinceStamp(0xfffffff0, 0x100000000 + 5)).toBe(21);
  });

  it('survives H.264: every decoded frame carries its stamp, FLV time = stamp − base, and ffmpeg outputs it promptly', async () => {
    // FLV on stdout: note when each video tag arrives
    let buf = Buffer.alloc(0);
    let header = false;
    const tags: { ts: number; at: number }[] = [];
    const flv: Buffer[] = [];
    const pub = publishClock('pipe:1', {
      seconds: 3,
      onStdout: (chunk) => {
        const at = Date.now();
        flv.push(chunk);
        buf = Buffer.concat([buf, chunk]);
        if (!header && buf.length >= 13) {
          buf = buf.subarray(13);
          header = true;
        }
        while (header && buf.length >= 11 && buf.length >= 11 + buf.readUIntBE(1, 3) + 4) {
          const size = buf.readUIntBE(1, 3);
          const ts = (buf.readUIntBE(4, 3) | (buf[7] << 24)) >>> 0;
          // video tag, AVC NALU (not the sequence header)
          if (buf[0] === 9 && buf[12] === 1) tags.push({ ts, at });
          buf = buf.subarray(11 + size + 4);
        }
      },
    });
    const r = await pub.done;
    expect(r.code, r.stderr).toBe(0);
    expect(pub.stats.frames).toBe(3 * CLOCK_FPS);
    expect(tags.length).toBe(3 * CLOCK_FPS);

    // decode the FLV to gray frames and read every stamp
    const file = path.join(dir, 'clock.flv');
    writeFileSync(file, Buffer.concat(flv));
    const d = await run(FFMPEG, ['-hide_banner', '-v', 'error', '-i', file, '-map', '0:v', '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], 30_000).done;
    expect(d.code, d.stderr).toBe(0);
    const size = CLOCK_W * CLOCK_H;
    expect(d.stdout.length).toBe(tags.length * size);
    // frame 0 is the blank probe frame; every later one carries its stamp
    const stamps: number[] = [];
    for (let i = 0; i < tags.length; i++) {
      const f = d.stdout.subarray(i * size, (i + 1) * size);
      const s = readClockStamp((x, y) => f[y * CLOCK_W + x]);
      if (i === 0) expect(s).toBeNull();
      else expect(s, `frame ${i}`).not.toBeNull();
      stamps.push(i === 0 ? Math.round(pub.base) % 0x100000000 : (s as number));
    }
    // stamp − FLV timestamp is one constant (± rounding): the stream's clock is the stamps' clock, frame 0 at base
    const offsets = stamps.map((s, i) => s - tags[i].ts);
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeLessThanOrEqual(2);
    expect(stamps[1]).toBe(Math.round(pub.base + 1000 / CLOCK_FPS) % 0x100000000);
    // how long after its stamp a frame leaves ffmpeg (the part of the glass-to-glass latency before our server)
    const late = stamps.map((s, i) => sinceStamp(s, tags[i].at));
    console.log(`clock publisher: ffmpeg output delay median ${median(late)} ms, first ${late[0]} ms, max ${Math.max(...late)} ms; worst late write ${pub.stats.maxLateMs} ms`);
    expect(late[0]).toBeLessThan(150);
    expect(Math.max(...late)).toBeLessThan(250);
    expect(median(late)).toBeLessThan(150);
  }, 30_000);
});

/**
 * `-progress pipe:1` output -> progress snapshots, and a bounded tail of stderr. Pure: no I/O.
 *
 * ffmpeg writes blocks of `key=value` lines, each block ending with `progress=continue` or
 * `progress=end`. Keys used: out_time_us (out_time_ms is also microseconds, an old ffmpeg quirk),
 * fps, speed ("1.5x" or "N/A"), frame, total_size.
 */

export interface FfmpegProgress {
  /** 0..100, or null when the input duration is unknown */
  percent: number | null;
  fps: number | null;
  /** × realtime */
  speed: number | null;
  etaSeconds: number | null;
  outTimeSeconds: number;
  frame: number | null;
  totalSize: number | null;
  /** the `progress=end` block */
  end: boolean;
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number.parseFloat(v.trim());
  return Number.isFinite(n) ? n : null;
}

export class ProgressParser {
  private partial = '';
  private block = new Map<string, string>();
  private outTime = 0;

  /** @param durationSeconds the input's duration (from ffprobe), or null when unknown */
  constructor(private readonly durationSeconds: number | null) {}

  /** Feed stdout text; returns one snapshot per completed block. */
  push(text: string): FfmpegProgress[] {
    const out: FfmpegProgress[] = [];
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 4096) this.partial = '';
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') {
        out.push(this.snapshot(value === 'end'));
        this.block = new Map();
      } else if (this.block.size < 64) {
        this.block.set(key, value);
      }
    }
    return out;
  }

  private snapshot(end: boolean): FfmpegProgress {
    const us = num(this.block.get('out_time_us')) ?? num(this.block.get('out_time_ms'));
    if (us !== null && us >= 0) this.outTime = Math.max(this.outTime, us / 1e6);
    const speedRaw = this.block.get('speed');
    const speed = speedRaw ? num(speedRaw.replace(/x$/, '')) : null;
    const fps = num(this.block.get('fps'));
    const d = this.durationSeconds;
    let percent: number | null = null;
    let etaSeconds: number | null = null;
    if (d !== null && d > 0) {
      percent = end ? 100 : Math.min(100, Math.max(0, (this.outTime / d) * 100));
      if (end) etaSeconds = 0;
      else if (speed !== null && speed > 0) etaSeconds = Math.max(0, (d - this.outTime) / speed);
    }
    return {
      percent,
      fps,
      speed,
      etaSeconds,
      outTimeSeconds: this.outTime,
      frame: num(this.block.get('frame')),
      totalSize: num(this.block.get('total_size')),
      end,
    };
  }
}

/** Keeps the last `max` bytes written to it (ffmpeg's stderr, for error messages). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max = 8192) {}

  push(b: Buffer): void {
    if (b.length >= this.max) {
      this.chunks = [Buffer.from(b.subarray(b.length - this.max))];
      this.size = this.max;
      return;
    }
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0].length >= this.max) this.size -= this.chunks.shift()?.length ?? 0;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }

  /** the last non-empty lines, for a one-line error message */
  lastLines(n = 3): string {
    return this.text().split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(-n).join(' | ');
  }
}

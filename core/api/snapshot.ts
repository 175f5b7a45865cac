import type { OnAirConfig } from '../config';
import { OnAirError } from '../errors';
import { FfmpegBudget } from '../ffmpeg/budget';
import { FLV_VIDEO, flvHeader, flvTag } from '../format/flv/flv';
import { locateFfmpeg } from '../ffmpeg/locate';
import { runTool } from '../ffmpeg/run';
import type { Stream } from '../media/stream';

const FRESH_MS = 4000;
/** snapshot widths the studio makes (the route refuses others; this is the last line) */
export const SNAPSHOT_MIN_WIDTH = 16;
export const SNAPSHOT_MAX_WIDTH = 1920;

/** An even width in SNAPSHOT_MIN_WIDTH..SNAPSHOT_MAX_WIDTH, or null. */
export function snapshotWidth(v: unknown): number | null {
  const w = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < SNAPSHOT_MIN_WIDTH || w > SNAPSHOT_MAX_WIDTH) return null;
  return w - (w % 2);
}

/**
 * JPEG snapshots of live streams for dashboard tiles: made on request from the stream's newest keyframe
 * (one tiny FLV through ffmpeg, no process per stream), cached for a few seconds. Each decode takes a
 * slot of the studio's ffmpeg budget; when the budget is full a cached picture is served if there is one,
 * else the request waits its turn and may fail with BUSY.
 */
export class Snapshots {
  private readonly cache = new Map<string, { at: number; jpeg: Buffer; keyframe: unknown }>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private readonly budget: FfmpegBudget;

  constructor(private readonly config: () => OnAirConfig, budget?: FfmpegBudget) {
    this.budget = budget ?? new FfmpegBudget(() => config().limits);
  }

  async get(stream: Stream, width = 320): Promise<Buffer> {
    const w = snapshotWidth(width);
    if (w === null) throw new OnAirError('VALIDATION', `width must be an integer from ${SNAPSHOT_MIN_WIDTH} to ${SNAPSHOT_MAX_WIDTH}`);
    const key = `${stream.path}@${w}`;
    const c = this.cache.get(key);
    if (c && (Date.now() - c.at < FRESH_MS || c.keyframe === stream.lastKeyframe)) return c.jpeg;
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const cfg = stream.videoConfig;
    const kf = stream.lastKeyframe;
    if (!cfg || !kf) throw new OnAirError('NOT_FOUND', `${stream.path} has no video keyframe yet`);
    if (this.budget.full && c) return c.jpeg;
    const p = this.decode(Buffer.concat([flvHeader(false, true), flvTag(FLV_VIDEO, 0, cfg.body), flvTag(FLV_VIDEO, 0, kf.body)]), w)
      .then((jpeg) => {
        this.cache.set(key, { at: Date.now(), jpeg, keyframe: kf });
        return jpeg;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async decode(flv: Buffer, width: number): Promise<Buffer> {
    const ff = await locateFfmpeg(this.config());
    if (!ff) throw new OnAirError('CONFIG', 'ffmpeg not found: snapshots need it (set "ffmpeg" in the settings)');
    const args = ['-v', 'error', '-f', 'flv', '-i', 'pipe:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'];
    const r = await runTool(ff.path, args, { budget: this.budget, kind: 'snapshot', input: flv, captureStdout: 16 * 1024 * 1024, stderrBytes: 2000, timeoutMs: 10_000 }).done;
    if (r.code === 0 && r.stdout.length > 0) return r.stdout;
    throw new OnAirError('FORMAT', `snapshot decode failed: ${r.stderr.trim() || (r.timedOut ? 'timed out' : `exit ${r.code}`)}`);
  }

  forget(path: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${path}@`)) this.cache.delete(k);
  }
}

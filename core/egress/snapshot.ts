import { spawn } from 'node:child_process';
import type { OnAirConfig } from '../config';
import { OnAirError } from '../errors';
import { FLV_VIDEO, flvHeader, flvTag } from '../format/flv';
import { locateFfmpeg } from '../jobs/ffmpeg-locate';
import type { Stream } from '../media/stream';

const FRESH_MS = 4000;
const MAX_PARALLEL = 2;

/**
 * JPEG snapshots of live streams for dashboard tiles: made on request from the stream's newest keyframe
 * (one tiny FLV through ffmpeg, no process per stream), cached for a few seconds.
 */
export class Snapshots {
  private readonly cache = new Map<string, { at: number; jpeg: Buffer; keyframe: unknown }>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private running = 0;

  constructor(private readonly config: () => OnAirConfig) {}

  async get(stream: Stream, width = 320): Promise<Buffer> {
    const key = `${stream.path}@${width}`;
    const c = this.cache.get(key);
    if (c && (Date.now() - c.at < FRESH_MS || c.keyframe === stream.lastKeyframe)) return c.jpeg;
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const cfg = stream.videoConfig;
    const kf = stream.lastKeyframe;
    if (!cfg || !kf) throw new OnAirError('NOT_FOUND', `${stream.path} has no video keyframe yet`);
    if (this.running >= MAX_PARALLEL && c) return c.jpeg;
    const p = this.decode(Buffer.concat([flvHeader(false, true), flvTag(FLV_VIDEO, 0, cfg.body), flvTag(FLV_VIDEO, 0, kf.body)]), width)
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
    this.running++;
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const child = spawn(ff.path, ['-v', 'error', '-f', 'flv', '-i', 'pipe:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let err = '';
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
        child.stdin.on('error', () => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('error', (e) => reject(new OnAirError('IO', `snapshot: ${e.message}`)));
        child.on('close', (code) => {
          clearTimeout(timer);
          const jpeg = Buffer.concat(out);
          if (code === 0 && jpeg.length > 0) resolve(jpeg);
          else reject(new OnAirError('FORMAT', `snapshot decode failed: ${err.trim() || `exit ${code}`}`));
        });
        child.stdin.end(flv);
      });
    } finally {
      this.running--;
    }
  }

  forget(path: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${path}@`)) this.cache.delete(k);
  }
}

import type { Logger } from 'pino';
import type { LadderState } from '../contract/ladder';
import type { FfmpegBudget } from '../ffmpeg/budget';
import type { H264Encoder } from '../ffmpeg/encoders';
import { procStat } from '../ffmpeg/processes';
import { runTool, type ToolRun } from '../ffmpeg/run';
import { ffmpegEndReason, restartDelayMs, stallWatchdog } from '../ffmpeg/supervise';
import type { Stream } from '../media/stream';
import { ladderArgs } from './args';
import { planRungs, speedWarning, type PlannedRung, type ResolvedLadder, type SourceShape } from './plan';

/**
 * One source's ladder ffmpeg, supervised (the model: core/relay/reencode.ts): runTool with the studio's budget
 * (kind 'ladder', own process group, tracked pid), a stall watchdog (no progress for `stallMs` while the source
 * is live → the group is killed), restart with a growing delay; `stop()` kills the group for good.
 */
export interface LadderRunDeps {
  /** the ffmpeg binary (null: not found) */
  ffmpeg: () => Promise<string | null>;
  encoder: () => Promise<H264Encoder>;
  x264Preset: () => string;
  /** rtmp:// URL of one of our streams over loopback, signed when auth asks (null: not listening) */
  loopbackUrl: (path: string, action: 'play' | 'publish') => string | null;
  budget?: FfmpegBudget;
  stallMs?: number;
  log: Logger;
  changed: () => void;
}

const TICKS_PER_S = 100;

export function sourceShape(s: Stream): SourceShape {
  const fps = Number(s.metaFields.framerate ?? s.metaFields.videoframerate) || null;
  return { width: s.videoInfo?.width ?? 0, height: s.videoInfo?.height ?? 0, fps, hasVideo: s.hasVideo };
}

export class LadderRun {
  state: LadderState['state'] = 'starting';
  encoder: H264Encoder | null = null;
  speed: number | null = null;
  /** (wall ms, output media s) progress points of the last ~5 s */
  private readonly speedWin: { at: number; out: number }[] = [];
  cpu: number | null = null;
  restarts = 0;
  error: string | null = null;
  warning: string | null = null;
  /** the source's shape the rungs were planned for */
  readonly shape: SourceShape;
  readonly rungs: PlannedRung[];
  private run: ToolRun | null = null;
  private timer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failsInARow = 0;
  private slowSince = 0;
  private cpuLast: { at: number; ticks: number } | null = null;

  constructor(readonly source: Stream, readonly plan: ResolvedLadder, private readonly deps: LadderRunDeps, restarts = 0) {
    this.shape = sourceShape(source);
    this.rungs = planRungs(plan.rungs, this.shape, source.path);
    this.restarts = restarts;
  }

  get pid(): number | null {
    return this.run && this.run.pid > 0 ? this.run.pid : null;
  }

  start(): void {
    if (!this.rungs.length) {
      this.state = 'off';
      this.error = 'every rung is taller than the source (the ladder never upscales)';
      this.deps.changed();
      return;
    }
    void this.spawn();
  }

  /** Kill the group for good; resolves when ffmpeg is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const r = this.run;
    this.run = null;
    if (r) await r.cancel();
  }

  private clearTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.timer = this.restartTimer = null;
  }

  private fail(msg: string): void {
    this.state = 'failed';
    this.error = msg;
    this.deps.changed();
  }

  private async spawn(): Promise<void> {
    if (this.stopped) return;
    const startedAt = Date.now();
    const bin = await this.deps.ffmpeg();
    if (this.stopped) return;
    if (!bin) return this.fail('ffmpeg not found');
    try {
      if (this.shape.hasVideo) this.encoder ??= await this.deps.encoder();
      const input = this.deps.loopbackUrl(this.source.path, 'play');
      const outputs = this.rungs.map((r) => this.deps.loopbackUrl(r.path, 'publish'));
      if (!input || outputs.some((u) => !u)) return this.fail('the studio is not listening for RTMP');
      if (this.stopped) return;
      const args = ladderArgs({
        input, outputs: outputs as string[], rungs: this.rungs, encoder: this.encoder ?? 'libx264', x264Preset: this.deps.x264Preset(),
        hasVideo: this.shape.hasVideo, hasAudio: this.source.hasAudio, sourceFps: this.shape.fps,
      });
      let lastAt = Date.now();
      let lastOut = -1;
      const run = runTool(bin, args, {
        progress: true, budget: this.deps.budget, kind: 'ladder', killGraceMs: 1000,
        onProgress: (p) => {
          if (p.outTimeSeconds > lastOut) [lastOut, lastAt] = [p.outTimeSeconds, Date.now()];
          this.measureSpeed(p.outTimeSeconds);
          if (this.state !== 'running' && lastOut > 0) {
            this.state = 'running';
            this.error = null;
            this.deps.changed();
          }
        },
      });
      this.run = run;
      const stallMs = this.deps.stallMs ?? 10_000;
      this.timer = stallWatchdog({
        everyMs: 1000, stallMs, active: () => this.run === run, lastProgress: () => lastAt,
        tick: () => {
          this.sampleCpu(run.pid);
          // a dropped publisher is not a stall: ffmpeg waits with the stream for its return
          if (!this.source.publisher) lastAt = Date.now();
        },
        onStall: (reason) => {
          this.deps.log.warn({ source: this.source.path, pid: run.pid }, `ladder ${reason}: killed`);
          this.error = `ffmpeg ${reason}`;
          void run.cancel();
        },
      });
      this.deps.log.info({ source: this.source.path, encoder: this.encoder, rungs: this.rungs.map((r) => r.name), pid: run.pid }, 'ladder started');
      const res = await run.done;
      if (this.run !== run || this.stopped) return;
      if (!res.cancelled || !this.error) this.error = ffmpegEndReason(res);
    } catch (e) {
      this.error = (e as Error).message;
    }
    if (this.stopped) return;
    this.clearTimers();
    this.run = null;
    this.restarts++;
    this.failsInARow = Date.now() - startedAt > 30_000 ? 1 : this.failsInARow + 1;
    const delay = restartDelayMs(this.failsInARow);
    this.state = 'restarting';
    this.speed = this.cpu = null;
    this.speedWin.length = 0;
    this.cpuLast = null;
    this.deps.log.warn({ source: this.source.path, error: this.error, restarts: this.restarts, delay }, 'ladder restarting');
    this.deps.changed();
    this.restartTimer = setTimeout(() => void this.spawn(), delay);
    this.restartTimer.unref();
  }

  /**
   * Encoder speed over the last ~5 s: media time out / wall time. ffmpeg's own `speed=` is output time since its
   * start, which -copyts starts at the source's timestamp (inflated for a source live long before the ladder).
   * Not measured while the source has no publisher (nothing to encode is not slowness).
   */
  private measureSpeed(outS: number): void {
    const now = Date.now();
    if (!this.source.publisher) {
      this.speedWin.length = 0;
      return;
    }
    this.speedWin.push({ at: now, out: outS });
    while (this.speedWin.length > 2 && now - this.speedWin[1].at >= 5000) this.speedWin.shift();
    const first = this.speedWin[0];
    if (now - first.at < 3000) return;
    this.onSpeed(Math.max(0, (outS - first.out) / ((now - first.at) / 1000)));
  }

  private onSpeed(speed: number): void {
    this.speed = Math.round(speed * 100) / 100;
    const now = Date.now();
    if (speed >= 0.95) {
      this.slowSince = 0;
      this.warning = null;
    } else {
      this.slowSince ||= now;
      if (now - this.slowSince >= 5000) this.warning = speedWarning(speed, this.rungs, this.encoder ?? 'libx264');
    }
  }

  private sampleCpu(pid: number): void {
    const st = pid > 0 ? procStat(pid) : null;
    if (!st) return;
    const now = Date.now();
    if (this.cpuLast && now > this.cpuLast.at) this.cpu = Math.round(((st.ticks - this.cpuLast.ticks) / TICKS_PER_S / ((now - this.cpuLast.at) / 1000)) * 100);
    this.cpuLast = { at: now, ticks: st.ticks };
  }
}

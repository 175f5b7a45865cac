/**
 * A per-destination re-encode (issue 11, pre-flight said "re-encode"): a supervised ffmpeg reads the source
 * from the studio over RTMP loopback and publishes the result back INTO the studio as a hidden internal
 * stream `/<app>/<name>_enc_<destId>` (reserved in the registry: not listed, muxed, recorded or hooked); the destination's own RTMP client pushes that stream to the remote, so
 * its status still comes from the remote's acknowledgements and the stream key never reaches an argv.
 * Supervision: argv only (core/ffmpeg/run.ts: own process group, tracked pids, the studio's ffmpeg budget);
 * no progress for `stallMs` → the group is killed and ffmpeg restarted with a growing delay.
 */
import type { Logger } from 'pino';
import { makeSign } from '../auth/sign';
import type { OnAirConfig } from '../config';
import { OnAirError } from '../errors';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { hardwareInput, videoCodecArgs, type H264Encoder } from '../ffmpeg/encoders';
import { runTool, type ToolRun } from '../ffmpeg/run';
import { ffmpegEndReason, restartDelayMs, stallWatchdog } from '../ffmpeg/supervise';
import type { MediaPacket } from '../media/packet';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import type { StreamStart, Subscriber } from '../media/subscriber';
import type { PreflightVerdict } from './preflight';

export interface ReencodeDeps {
  registry: StreamRegistry;
  /** the ffmpeg binary (null: none found) */
  ffmpeg: () => Promise<string | null>;
  /** rtmp:// URL of one of our own streams over loopback, signed when auth asks for it (null: not listening) */
  loopbackUrl: (path: string, action: 'play' | 'publish') => string | null;
  budget?: FfmpegBudget;
  /** the H.264 encoder (hardware when one passed the test encode; default libx264) */
  encoder?: () => Promise<H264Encoder>;
  /** no ffmpeg progress for this long: kill and restart (default 10 s) */
  stallMs?: number;
}

export interface ReencodeState {
  /** the internal stream ffmpeg publishes */
  path: string;
  encoder: H264Encoder | null;
  restarts: number;
  /** why the last ffmpeg run ended (plain words) */
  error: string | null;
}

/**
 * rtmp:// URL of one of our own streams over loopback (the RTMP listener's interface, 127.0.0.1 for a
 * wildcard), with a short-lived sign when auth.play / auth.publish ask for one. Null when not listening.
 */
export function loopbackRtmpUrl(cfg: OnAirConfig, port: number | null, path: string, action: 'play' | 'publish'): string | null {
  if (!port) return null;
  const h = cfg.rtmp.host ?? cfg.host;
  const host = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  const on = action === 'play' ? cfg.auth.play : cfg.auth.publish;
  const secret = action === 'play' ? cfg.auth.secret : cfg.auth.publish_secret || cfg.auth.secret;
  const sign = on ? `?sign=${makeSign(path, Math.floor(Date.now() / 1000) + 24 * 3600, secret)}` : '';
  return `rtmp://${host}:${port}${path}${sign}`;
}

const SUFFIX = '_enc_';
/** the internal stream's name: `<name>_enc_<id>` (a valid stream name: ≤ 128 characters) */
export function encodedName(name: string, destId: string): string {
  const tail = `${SUFFIX}${destId}`;
  return `${name.slice(0, 128 - tail.length)}${tail}`;
}

/** Is this one of our re-encode outputs? (never a destination's source, never re-encoded again) */
export function isEncodedName(name: string): boolean {
  return /_enc_[A-Za-z0-9_-]{1,64}$/.test(name);
}

/** The ffmpeg argv of a re-encode (pure; every value comes from the verdict and our own URLs). */
export function reencodeArgs(o: { input: string; output: string; verdict: PreflightVerdict; encoder: H264Encoder; fps: number | null; hasVideo: boolean }): string[] {
  const v = o.verdict;
  const hw = o.verdict.video === 'encode' ? hardwareInput(o.encoder) : { global: [], filterSuffix: '' };
  const args = ['-hide_banner', '-loglevel', 'error', ...hw.global, '-rtmp_live', 'live', '-i', o.input];
  if (v.audio === 'silence') args.push('-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');
  if (o.hasVideo) args.push('-map', '0:v:0');
  if (v.audio === 'silence') args.push('-map', '1:a:0', '-shortest');
  else if (v.audio !== 'none') args.push('-map', '0:a:0');
  if (o.hasVideo && v.video === 'copy') args.push('-c:v', 'copy');
  else if (o.hasVideo) {
    const k = Math.round(v.targetBitrate / 1000);
    const gop = Math.max(1, Math.round((o.fps && o.fps > 0 ? o.fps : 30) * v.gopS));
    const cbr = ['-b:v', `${k}k`, '-maxrate', `${k}k`, '-bufsize', `${2 * k}k`];
    const keys = ['-g', String(gop), '-keyint_min', String(gop), '-force_key_frames', `expr:gte(t,n_forced*${v.gopS})`];
    if (o.encoder === 'libx264') {
      args.push('-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', ...cbr, '-x264-params', 'nal-hrd=cbr', ...keys, '-sc_threshold', '0');
    } else {
      if (hw.filterSuffix) args.push('-vf', hw.filterSuffix.slice(1));
      args.push(...videoCodecArgs(o.encoder, { x264Preset: 'veryfast', profile: 'high', level: '4.1', kbps: k, gop, segSeconds: v.gopS }), ...cbr);
      if (o.encoder === 'h264_nvenc') args.push('-rc', 'cbr');
    }
  }
  if (v.audio === 'encode' || v.audio === 'silence') args.push('-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2');
  else if (v.audio === 'copy') args.push('-c:a', 'copy');
  args.push('-f', 'flv', o.output);
  return args;
}

export interface FeedHandlers {
  /** the encoded stream is ready (first keyframe): connect to the remote */
  start(init: StreamStart): void;
  packet(p: MediaPacket): void;
  /** something about ffmpeg changed (restart, error): refresh the card */
  changed(): void;
}

/** The destination's side of the internal stream: a hidden subscriber that stays across ffmpeg restarts. */
class Tap implements Subscriber {
  readonly protocol = 'relay' as const;
  readonly internal = true;
  readonly survivesDrop = true;
  readonly ip = '127.0.0.1';
  readonly connectCreated = new Date();
  readonly bytes = 0;
  readonly dropped = 0;
  constructor(readonly id: string, private readonly feed: ReencodeFeed) {}
  start(init: StreamStart): void {
    this.feed.tapStart(init);
  }
  send(p: MediaPacket): void {
    this.feed.tapPacket(p);
  }
  flush(): void {}
  end(): void {
    this.feed.tapEnded();
  }
}

export class ReencodeFeed {
  readonly path: string;
  private readonly tap: Tap;
  private stream: Stream | null = null;
  private run: ToolRun | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private encoder: H264Encoder | null = null;
  private restarts = 0;
  private error: string | null = null;
  /** the reservation of the internal output (only ffmpeg's publish, carrying it, gets that name) */
  private token = '';

  constructor(
    private readonly source: Stream,
    private readonly destId: string,
    readonly verdict: PreflightVerdict,
    private readonly deps: ReencodeDeps,
    private readonly log: Logger,
    private readonly on: FeedHandlers,
  ) {
    this.path = `/${source.app}/${encodedName(source.name, destId)}`;
    this.tap = new Tap(`enc-${destId}`, this);
  }

  /** the internal stream (null until started) */
  get output(): Stream | null {
    return this.stream;
  }

  state(): ReencodeState {
    return { path: this.path, encoder: this.encoder, restarts: this.restarts, error: this.error };
  }

  start(): void {
    this.token = this.deps.registry.reserveInternal(this.path);
    this.attachTap();
    void this.spawn();
  }

  /** Kill ffmpeg (its process group) and leave the internal stream. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.deps.registry.freeInternal(this.path);
    this.clearTimers();
    void this.run?.cancel();
    this.run = null;
    const s = this.stream;
    this.stream = null;
    if (s) {
      s.removeSubscriber(this.tap);
      this.deps.registry.release(s);
    }
  }

  tapStart(init: StreamStart): void {
    if (!this.stopped) this.on.start(init);
  }

  tapPacket(p: MediaPacket): void {
    if (!this.stopped) this.on.packet(p);
  }

  /** the internal stream is over (ffmpeg gone past the reconnect window): wait on a fresh one */
  tapEnded(): void {
    if (this.stopped) return;
    if (this.stream) this.deps.registry.release(this.stream);
    this.stream = null;
    queueMicrotask(() => this.attachTap());
  }

  private attachTap(): void {
    if (this.stopped || this.stream) return;
    const name = this.path.split('/')[2];
    this.stream = this.deps.registry.getOrCreate(this.source.app, name);
    this.stream.addSubscriber(this.tap);
  }

  private clearTimers(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.watchdog = this.restartTimer = null;
  }

  private async spawn(): Promise<void> {
    if (this.stopped) return;
    try {
      const bin = await this.deps.ffmpeg();
      if (!bin) throw new OnAirError('IO', 'ffmpeg was not found: a re-encode needs it');
      this.encoder ??= this.verdict.video === 'encode' && this.deps.encoder ? await this.deps.encoder() : 'libx264';
      const input = this.deps.loopbackUrl(this.source.path, 'play');
      const out = this.deps.loopbackUrl(this.path, 'publish');
      const output = out && `${out}${out.includes('?') ? '&' : '?'}internal=${this.token}`;
      if (!input || !output) throw new OnAirError('IO', 'the studio is not listening for RTMP');
      if (this.stopped) return;
      const fps = Number(this.source.metaFields.framerate ?? this.source.metaFields.videoframerate) || null;
      const args = reencodeArgs({ input, output, verdict: this.verdict, encoder: this.encoder, fps, hasVideo: this.source.hasVideo });
      let lastAt = Date.now();
      let lastOut = -1;
      const run = runTool(bin, args, {
        progress: true, budget: this.deps.budget, kind: 'restream-encode', killGraceMs: 1000,
        onProgress: (p) => {
          if (p.outTimeSeconds > lastOut) [lastOut, lastAt] = [p.outTimeSeconds, Date.now()];
        },
      });
      this.run = run;
      const stallMs = this.deps.stallMs ?? 10_000;
      this.watchdog = stallWatchdog({
        everyMs: 500, stallMs, active: () => this.run === run, lastProgress: () => lastAt,
        onStall: (reason) => {
          this.log.warn({ dest: this.destId, pid: run.pid }, `re-encode ${reason}: killed`);
          this.error = `ffmpeg ${reason}`;
          void run.cancel();
        },
      });
      this.log.info({ dest: this.destId, encoder: this.encoder, out: this.path, pid: run.pid }, 're-encode started');
      const res = await run.done;
      if (this.run !== run || this.stopped) return;
      if (!this.error || !res.cancelled) this.error = ffmpegEndReason(res);
    } catch (e) {
      this.error = (e as Error).message;
    }
    if (this.stopped) return;
    this.clearTimers();
    this.run = null;
    this.restarts++;
    const delay = restartDelayMs(this.restarts);
    this.log.warn({ dest: this.destId, error: this.error, restarts: this.restarts, delay }, 're-encode restarting');
    this.on.changed();
    this.restartTimer = setTimeout(() => void this.spawn(), delay);
    this.restartTimer.unref();
  }
}

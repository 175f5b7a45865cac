import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import type { LadderState } from '../contract/ladder';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { pickH264Encoder, type H264Encoder } from '../ffmpeg/encoders';
import type { Hooks } from '../media/hooks';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import { resolveLadder, rungPath, type ResolvedLadder } from './plan';
import { LadderRun, sourceShape } from './runner';

/** What the ABR playlists (core/hls/abr*) call on every request of a source's abr.m3u8 / abr-ll.m3u8 / MPD. */
export interface LadderDemand {
  /** someone wants `/app/NAME`'s rungs now (on_demand starts the ladder; idle_s counts from the last touch) */
  touch(source: string): void;
  /** touch(), then resolve when the rungs are live (or there is no ladder / it failed), at most `timeoutMs` */
  touchAndWait(source: string, timeoutMs?: number): Promise<void>;
}

export interface LadderManagerDeps {
  registry: StreamRegistry;
  hooks: Hooks;
  config: () => OnAirConfig;
  log: Logger;
  ffmpeg: () => Promise<string | null>;
  loopbackUrl: (path: string, action: 'play' | 'publish') => string | null;
  budget?: FfmpegBudget;
  /** stream paths enabled destinations take as their source (a rung there keeps its ladder on) */
  destinationSources?: () => readonly string[];
  stallMs?: number;
  tickMs?: number;
}

interface Entry {
  source: Stream;
  plan: ResolvedLadder;
  key: string;
  run: LadderRun | null;
  /** every rung path the setting can make (planned or not) */
  paths: string[];
  lastState: string;
}

/**
 * The live bitrate ladder (issue 12): one supervised ffmpeg per source that has a ladder setting
 * (ladder.streams > ladder.apps > fission), its rungs published back as `/app/NAME_<height>`. Emits 'state'
 * (LadderState) whenever a ladder's state changes.
 */
export class LadderManager extends EventEmitter<{ state: [LadderState] }> implements LadderDemand {
  private readonly entries = new Map<string, Entry>();
  /** rung path → source path */
  private readonly rungOf = new Map<string, string>();
  private readonly demand = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private encoderPick: { key: string; p: Promise<H264Encoder> } | null = null;
  private destCache = { at: 0, paths: new Set<string>() };

  constructor(private readonly deps: LadderManagerDeps) {
    super();
  }

  start(): void {
    this.deps.registry.on('published', this.onPublished);
    this.deps.registry.on('ended', this.onEnded);
    this.deps.hooks.on('prePlay', this.onPrePlay);
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.deps.registry.off('published', this.onPublished);
    this.deps.registry.off('ended', this.onEnded);
    this.deps.hooks.off('prePlay', this.onPrePlay);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const runs = [...this.entries.values()].map((e) => e.run?.stop());
    this.entries.clear();
    await Promise.all(runs);
  }

  touch(source: string): void {
    this.demand.set(source, Date.now());
  }

  /**
   * touch(), then resolve once the source's rungs are all live — at once when it has no ladder (or it failed,
   * or would upscale every rung), at the latest after `timeoutMs`. For the first ABR playlist of an on-demand ladder.
   */
  async touchAndWait(source: string, timeoutMs = 8000): Promise<void> {
    this.touch(source);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = this.entries.get(source);
      const r = e?.run;
      if (!e || r?.state === 'failed' || (r && r.rungs.length === 0)) return;
      if (r && r.rungs.every((p) => this.deps.registry.get(p.path)?.ready)) return;
      if (Date.now() >= end) return;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** every ladder of a live source, with its state */
  list(): LadderState[] {
    return [...this.entries.values()].map((e) => this.stateOf(e));
  }

  /** the pid of a source's ladder ffmpeg (tests, the status page) */
  pidOf(source: string): number | null {
    return this.entries.get(source)?.run?.pid ?? null;
  }

  private onPublished = (s: Stream): void => {
    const src = this.rungOf.get(s.path);
    if (src) {
      s.rungOf = src;
      const e = this.entries.get(src);
      if (e) this.emitIfChanged(e);
      return;
    }
    if (!s.internal) this.reconcile(s);
  };

  private onEnded = (s: Stream): void => {
    const e = this.entries.get(s.path);
    if (e && e.source === s) this.drop(e);
  };

  private onPrePlay = (_id: string, path: unknown): void => {
    const src = typeof path === 'string' ? this.rungOf.get(path.split('?')[0]) : undefined;
    if (src) this.touch(src);
  };

  private drop(e: Entry): void {
    this.entries.delete(e.source.path);
    for (const p of e.paths) if (this.rungOf.get(p) === e.source.path) this.rungOf.delete(p);
    void e.run?.stop();
    e.run = null;
    this.emit('state', { ...this.stateOf(e), state: 'off', speed: null, cpu: null });
  }

  /** Apply the settings in force to every live source now (ladder.set, config changes). */
  reconcileAll(): void {
    for (const s of this.deps.registry.live()) if (!this.rungOf.has(s.path)) this.reconcile(s);
  }

  private reconcile(s: Stream): void {
    const plan = resolveLadder(this.deps.config(), s.app, s.name);
    const key = JSON.stringify(plan);
    const cur = this.entries.get(s.path);
    if (cur && cur.source === s && cur.key === key) return;
    if (cur) this.drop(cur);
    if (!plan) return;
    const paths = plan.rungs.map((r) => rungPath(s.path, r.height));
    const e: Entry = { source: s, plan, key, run: null, paths, lastState: '' };
    for (const p of paths) this.rungOf.set(p, s.path);
    this.entries.set(s.path, e);
    this.step(e);
  }

  private tick(): void {
    for (const s of this.deps.registry.live()) if (!this.rungOf.has(s.path)) this.reconcile(s);
    for (const e of this.entries.values()) this.step(e);
  }

  private wanted(e: Entry): boolean {
    const cfg = this.deps.config().ladder;
    if (!cfg.on_demand) return true;
    const dests = this.destinationPaths();
    if (e.paths.some((p) => dests.has(p))) return true;
    if (Date.now() - (this.demand.get(e.source.path) ?? 0) < cfg.idle_s * 1000) return true;
    const viewers = e.paths.reduce((n, p) => n + [...(this.deps.registry.get(p)?.subscribers ?? [])].filter((x) => !x.internal).length, 0);
    if (viewers > 0) this.touch(e.source.path);
    return viewers > 0;
  }

  private destinationPaths(): Set<string> {
    const now = Date.now();
    if (now - this.destCache.at > 2000) {
      let paths: readonly string[] = [];
      try {
        paths = this.deps.destinationSources?.() ?? [];
      } catch {}
      this.destCache = { at: now, paths: new Set(paths) };
    }
    return this.destCache.paths;
  }

  private step(e: Entry): void {
    const s = e.source;
    const ready = s.publisher !== null && (s.hasVideo ? (s.videoInfo?.width ?? 0) > 0 : s.ready);
    const want = this.wanted(e);
    if (e.run && !want) {
      void e.run.stop();
      e.run = null;
    } else if (e.run && ready && s.hasVideo) {
      // the source changed resolution mid-stream: plan again and restart
      const now = sourceShape(s);
      if (now.width !== e.run.shape.width || now.height !== e.run.shape.height) {
        this.deps.log.info({ source: s.path, from: `${e.run.shape.width}x${e.run.shape.height}`, to: `${now.width}x${now.height}` }, 'source changed resolution: ladder restarts');
        const restarts = e.run.restarts + 1;
        void e.run.stop();
        e.run = this.newRun(e, restarts);
      }
    } else if (!e.run && want && ready) {
      e.run = this.newRun(e, 0);
    }
    this.emitIfChanged(e);
  }

  private newRun(e: Entry, restarts: number): LadderRun {
    const run = new LadderRun(e.source, e.plan, {
      ffmpeg: this.deps.ffmpeg, encoder: () => this.encoder(), x264Preset: () => this.deps.config().ladder.x264_preset,
      loopbackUrl: this.deps.loopbackUrl, budget: this.deps.budget, stallMs: this.deps.stallMs, log: this.deps.log,
      changed: () => this.emitIfChanged(e),
    }, restarts);
    run.start();
    return run;
  }

  /** pickH264Encoder once per (ffmpeg, preference) */
  private async encoder(): Promise<H264Encoder> {
    const bin = await this.deps.ffmpeg();
    const pref = this.deps.config().ladder.encoder;
    const key = `${bin}|${pref}`;
    if (!bin) return 'libx264';
    if (this.encoderPick?.key !== key) {
      const p = pickH264Encoder(bin, pref).then((c) => {
        this.deps.log.info({ encoder: c.encoder, notes: c.notes }, 'ladder encoder chosen');
        return c.encoder;
      }, () => 'libx264' as const);
      this.encoderPick = { key, p };
    }
    return this.encoderPick.p;
  }

  private emitIfChanged(e: Entry): void {
    const st = this.stateOf(e);
    const k = JSON.stringify(st);
    if (k === e.lastState) return;
    e.lastState = k;
    this.emit('state', st);
  }

  private stateOf(e: Entry): LadderState {
    const r = e.run;
    const planned = r?.rungs ?? [];
    return {
      source: e.source.path,
      state: r ? r.state : 'off',
      encoder: r?.encoder ?? null,
      speed: r?.speed ?? null,
      cpu: r?.cpu ?? null,
      restarts: r?.restarts ?? 0,
      error: r?.error ?? null,
      warning: r?.warning ?? null,
      from: e.plan.from,
      rungs: planned.map((p) => ({
        path: p.path, name: p.name, width: p.width, height: p.height, fps: p.fps, video_kbps: p.video_kbps, audio_kbps: p.audio_kbps,
        live: !!this.deps.registry.get(p.path)?.publisher,
      })),
    };
  }
}

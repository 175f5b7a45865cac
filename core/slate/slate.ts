/**
 * Disconnect protection (issue 14): when a protected stream's publisher drops, after `slate.after_ms` the stream
 * continues with a slate — a still card and silence at the source's parameters — so HLS/FLV viewers keep
 * playing and every destination keeps its broadcast; after `slate.max_s` without a publisher it ends normally.
 *
 * Mechanism: the slate is a PUBLISHER OF ITS OWN through the one publish path (media/publish.ts, protocol
 * 'slate', via 'ipc'), not a feeder inside the Stream. So nothing downstream learns anything new:
 *  - the drop is the usual reconnect window (Stream.reconnecting); the slate's attach is a publisher "returning"
 *    within it: survivesDrop subscribers get publisherReturned at the slate's keyframe (HLS adds its
 *    discontinuity; destinations end their hold and keep the SAME remote connection), and the stream clock
 *    rebases the slate's session to continue one frame after the last source timestamp; every loop of the clip
 *    adds the clip's period (feeder.ts), so timestamps stay monotonic for FLV players and remote links;
 *  - the slate is quiet: no prePublish/postPublish hooks, no `published`/`unpublished` (publish.ts `quiet`),
 *    so recordings, the ladder, rooms and webhooks do not see a new publish;
 *  - the real publisher wins: a publish on the same path while the slate runs makes the slate yield
 *    (publish.ts `standsIn`: the slate's session is closed synchronously, then the real one attaches). The Stream
 *    drops the returning publisher's packets until its first keyframe (its `returning` rule), so the switch back
 *    happens on that keyframe, timestamps continuous, with a second HLS discontinuity;
 *  - at `max_s` the slate ends its session like any publisher: the stream then ends through the reconnect
 *    window as it would have without a slate.
 * The clip is encoded once per distinct parameters (clip.ts) and prepared as soon as a protected stream's codec
 * parameters are known, so it is ready before a drop.
 *
 * For the health engineer: `active(path)` and the 'slate' event { path, on }; log lines `slate.on` / `slate.off`.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Logger } from 'pino';
import { slateEnabledFor, type OnAirConfig } from '../config';
import type { ServerContext } from '../context';
import type { Feature } from '../feature';
import { publish, type PublishHandle } from '../media/publish';
import { newSessionId, type Session } from '../media/sessions';
import type { Stream } from '../media/stream';
import { ClipCache, paramsOf } from './clip';
import { ClipFeeder } from './feeder';

export interface SlateEvent {
  path: string;
  on: boolean;
}

export interface SlateDeps {
  ctx: ServerContext;
  config: () => OnAirConfig;
  ffmpeg: () => Promise<string | null>;
  log: Logger;
}

interface Run {
  stream: Stream;
  handle: PublishHandle | null;
  feeder: ClipFeeder | null;
  maxTimer: NodeJS.Timeout | null;
  over: boolean;
}

const PREPARE_EVERY_MS = 500;
const PREPARE_FOR_MS = 60_000;

export class SlateService extends EventEmitter<{ slate: [SlateEvent] }> {
  readonly clips: ClipCache;
  private readonly runs = new Map<string, Run>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly preparing = new Map<string, NodeJS.Timeout>();
  private started = false;
  private lastImage: string | null | undefined = undefined;

  constructor(private readonly deps: SlateDeps) {
    super();
    this.clips = new ClipCache({ ffmpeg: deps.ffmpeg, budget: deps.ctx.ffmpeg, dir: () => path.join(deps.config().data_dir, 'slate') });
  }

  /** Is a slate on air on this stream right now? */
  active(p: string): boolean {
    const r = this.runs.get(p);
    return !!r && r.feeder !== null && !r.over;
  }

  /** Is this stream protected (config `slate.streams[path]` > `slate.apps[app]` > `slate.enabled`)? */
  protects(s: Stream): boolean {
    if (s.internal || s.rungOf) return false;
    const on = slateEnabledFor(this.deps.config().slate, s.app, s.name);
    if (on !== 'auto') return on;
    return s.allSubscribers().some((x) => x.protocol === 'relay');
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const reg = this.deps.ctx.registry;
    reg.on('published', this.onPublished);
    reg.on('unpublished', this.onUnpublished);
    reg.on('ended', this.onEnded);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    const reg = this.deps.ctx.registry;
    reg.off('published', this.onPublished);
    reg.off('unpublished', this.onUnpublished);
    reg.off('ended', this.onEnded);
    for (const t of [...this.pending.values(), ...this.preparing.values()]) clearTimeout(t);
    this.pending.clear();
    this.preparing.clear();
    for (const r of [...this.runs.values()]) this.finish(r, 'studio stopping');
  }

  /** the configured image; a changed one drops the clips made from the previous one */
  private image(): string | null {
    const img = this.deps.config().slate.image ?? null;
    if (img !== this.lastImage) {
      if (this.lastImage !== undefined) this.clips.clear();
      this.lastImage = img;
    }
    return img;
  }

  /** A real publisher is live: cancel a pending slate, and prepare the clip once its parameters are known. */
  private readonly onPublished = (s: Stream): void => {
    this.cancelPending(s.path);
    const t0 = Date.now();
    const poll = (): void => {
      this.preparing.delete(s.path);
      if (!s.publisher || s.publisher.protocol === 'slate' || Date.now() - t0 > PREPARE_FOR_MS) return;
      const p = this.protects(s) ? paramsOf(s, this.image()) : null;
      if (p) {
        this.clips.get(p).catch((e: unknown) => this.deps.log.warn({ path: s.path, err: (e as Error).message }, 'slate clip failed'));
        return;
      }
      const t = setTimeout(poll, PREPARE_EVERY_MS);
      t.unref();
      this.preparing.set(s.path, t);
    };
    const old = this.preparing.get(s.path);
    if (old) clearTimeout(old);
    poll();
  };

  /** The real publisher dropped: a protected stream waiting for it gets the slate after `after_ms`. */
  private readonly onUnpublished = (s: Stream): void => {
    if (!s.reconnecting || !this.protects(s)) return;
    this.cancelPending(s.path);
    const t = setTimeout(() => {
      this.pending.delete(s.path);
      void this.begin(s);
    }, this.deps.config().slate.after_ms);
    t.unref();
    this.pending.set(s.path, t);
  };

  private readonly onEnded = (s: Stream): void => {
    this.cancelPending(s.path);
    const r = this.runs.get(s.path);
    if (r && r.stream === s) this.finish(r, 'stream ended');
  };

  private cancelPending(p: string): void {
    const t = this.pending.get(p);
    if (t) clearTimeout(t);
    this.pending.delete(p);
  }

  private waiting(s: Stream): boolean {
    return this.started && this.deps.ctx.registry.get(s.path) === s && s.publisher === null && s.reconnecting;
  }

  private async begin(s: Stream): Promise<void> {
    if (!this.waiting(s) || this.runs.has(s.path)) return;
    const { log, ctx } = this.deps;
    const params = paramsOf(s, this.image());
    if (!params) return void log.warn({ path: s.path, codec: s.videoInfo?.codec ?? null }, 'slate not possible: not an H.264 stream');
    const run: Run = { stream: s, handle: null, feeder: null, maxTimer: null, over: false };
    this.runs.set(s.path, run);
    try {
      const clip = await this.clips.get(params);
      if (run.over || !this.waiting(s)) return this.forget(run);
      const session = this.session(run);
      const handle = await publish(ctx, s.app, s.name, {
        session, protocol: 'slate', via: 'ipc', query: {}, bytes: () => 0, log, closed: () => run.over,
      });
      run.handle = handle;
      if (run.over) return void handle.end('slate cancelled');
      run.feeder = new ClipFeeder(clip, handle);
      const maxMs = Math.max(0, this.deps.config().slate.max_s * 1000 - this.deps.config().slate.after_ms);
      run.maxTimer = setTimeout(() => this.finish(run, `no publisher for ${this.deps.config().slate.max_s} s`), maxMs);
      run.maxTimer.unref();
      log.info({ path: s.path, clip: clip.key, periodMs: clip.periodMs }, 'slate.on');
      this.emit('slate', { path: s.path, on: true });
    } catch (e) {
      log.warn({ path: s.path, err: (e as Error).message }, 'slate failed');
      this.forget(run);
    }
  }

  /** The slate's session as publish.ts and a kick see it: closing it ends the slate (the publisher's return). */
  private session(run: Run): Session {
    const id = newSessionId();
    const connectCreated = new Date();
    return {
      id, kind: 'rtmp', ip: '127.0.0.1', connectCreated, rejected: false,
      reject: (reason) => this.finish(run, reason ?? 'rejected'),
      close: (reason) => this.finish(run, reason),
    };
  }

  private finish(run: Run, reason: string): void {
    if (run.over) return;
    run.over = true;
    const wasOn = run.feeder !== null;
    run.feeder?.stop();
    if (run.maxTimer) clearTimeout(run.maxTimer);
    run.handle?.end(`slate: ${reason}`);
    this.forget(run);
    if (wasOn) {
      this.deps.log.info({ path: run.stream.path, reason, packets: run.feeder?.packets ?? 0 }, 'slate.off');
      this.emit('slate', { path: run.stream.path, on: false });
    }
  }

  private forget(run: Run): void {
    run.over = true;
    if (this.runs.get(run.stream.path) === run) this.runs.delete(run.stream.path);
  }
}

/** The slate as a feature (no contract commands yet: the health engineer reads `active()` and the 'slate' event). */
export function slateFeature(svc: SlateService): Feature {
  return { name: 'slate', start: () => svc.start(), stop: () => svc.stop() };
}

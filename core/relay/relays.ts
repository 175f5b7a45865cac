/**
 * Relays (issue 11, seed 001 — a Node-Media-Server `relay` section works unchanged) and seed 003's query form:
 * - static: each task's source (RTSP camera, RTMP URL, local file) is pulled at start into /app/name and
 *   reconnected with backoff (RelayRunner); RTMP through our client, RTSP and files through ffmpeg.
 * - pull: a player asks (prePlay) for a stream of the task's app that is not live here → pulled from the edge
 *   with our client; stopped when no player has watched it for `relay.pull_idle_s`.
 * - push: every publish on the task's app is pushed to the edge under the same name: one transient destination
 *   (DestinationManager, not persisted) per live stream, removed when the stream is over.
 * - query form (relay.allow_query): see relay-query.ts; with it off the query is ignored and logged (names only).
 * Tasks added through the API, and the Start/Stop of every task, are kept in the store (relay-store.ts): a restart
 * resumes what was running.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerContext } from '../context';
import { OnAirError } from '../errors';
import { makeSign } from '../auth/sign';
import { locateFfmpeg } from '../ffmpeg/locate';
import type { Stream } from '../media/stream';
import { DestinationManager } from './manager';
import { ffmpegIngest, rtmpIngest, type IngestAttempt } from './relay-ingest';
import { querySpecs, queryPlatforms, relayOptions, type RelayOptions } from './relay-query';
import { RelayRunner, type RunnerStatus } from './relay-runner';
import { RelayStore, type RelayPersistence } from './relay-store';
import { configTaskId, edgeStreamUrl, redactEdge, sourceKind, splitStreamUrl, validateTask, type RelayTask } from './relay-task';
import type { DestinationState } from './types';

export interface RelayStreamView {
  path: string;
  state: DestinationState;
  lastError: string | null;
}

export interface RelayView extends Omit<RelayTask, 'edge'>, RunnerStatus {
  /** the edge without user:password */
  edge: string;
  enabled: boolean;
  /** pull/push: the streams it carries right now */
  streams: RelayStreamView[];
}

interface Entry {
  task: RelayTask;
  enabled: boolean;
  runner: RelayRunner | null;
  pulls: Map<string, { runner: RelayRunner; idleSince: number | null }>;
  pushes: Map<string, string>;
}

export interface RelayDeps {
  ctx: ServerContext;
  /** where our RTMP listener is (after run()) */
  rtmp: () => { port: number; host: string } | null;
  log: Logger;
  /** where API tasks and Start/Stop are kept (none: in memory only) */
  persist?: RelayPersistence;
}

const splitPath = (p: string): [string, string] | null => {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(p);
  return m ? [m[1], m[2]] : null;
};

export class RelayManager extends EventEmitter<{ state: [RelayView] }> {
  private readonly entries = new Map<string, Entry>();
  /** transient push and query-form destinations: dest id → stream path */
  private readonly dests: DestinationManager;
  private readonly queryDests = new Map<string, string>();
  private ffmpeg: string | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;
  private readonly saved: RelayStore;

  constructor(private readonly deps: RelayDeps) {
    super();
    this.log = deps.log.child({ relay: 'relays' });
    this.saved = new RelayStore(deps.persist, this.log);
    this.dests = new DestinationManager({ registry: deps.ctx.registry, config: () => ({}), log: deps.log });
    this.dests.on('state', (s) => {
      for (const e of this.entries.values()) if ([...e.pushes.values()].includes(s.id)) this.changed(e);
    });
  }

  private get opts(): RelayOptions {
    return relayOptions(this.deps.ctx.config().relay);
  }

  async start(): Promise<void> {
    const c = this.deps.ctx.config();
    this.ffmpeg = (await locateFfmpeg({ ffmpeg: c.relay?.ffmpeg ?? c.ffmpeg }))?.path ?? null;
    const restored = this.saved.restore();
    (c.relay?.tasks ?? []).forEach((raw, i) => {
      try {
        const task = validateTask(raw, configTaskId(i), 'config');
        this.insert(task, restored.wanted(task) ?? true);
      } catch (e) {
        this.log.warn({ task: i, err: (e as Error).message }, 'relay task ignored');
      }
    });
    for (const { task, enabled } of restored.tasks) {
      try {
        this.insert(task, enabled);
      } catch (e) {
        this.log.warn({ relay: task.id, err: (e as Error).message }, 'stored relay not resumed');
      }
    }
    const { hooks, registry } = this.deps.ctx;
    hooks.on('prePlay', this.onPrePlay);
    hooks.on('postPublish', this.onPostPublish);
    registry.on('ended', this.onEnded);
    this.idleTimer = setInterval(() => this.reapIdlePulls(), 500);
    this.idleTimer.unref();
  }

  async stop(): Promise<void> {
    const { hooks, registry } = this.deps.ctx;
    hooks.off('prePlay', this.onPrePlay);
    hooks.off('postPublish', this.onPostPublish);
    registry.off('ended', this.onEnded);
    if (this.idleTimer) clearInterval(this.idleTimer);
    const gone = [...this.entries.values()].map((e) => this.halt(e));
    this.dests.close();
    await Promise.all(gone);
  }

  list(): RelayView[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  get(id: string): RelayView {
    return this.view(this.entry(id));
  }

  add(raw: Record<string, unknown>): RelayView {
    const e = this.insert(validateTask(raw, `r${randomBytes(5).toString('hex')}`, 'api'), true);
    this.saved.save(e.task, true);
    return this.view(e);
  }

  remove(id: string): { ok: true; id: string } {
    const e = this.entry(id);
    void this.halt(e);
    this.entries.delete(id);
    this.saved.forget(id);
    return { ok: true, id };
  }

  startTask(id: string): RelayView {
    const e = this.entry(id);
    e.enabled = true;
    this.saved.save(e.task, true);
    e.runner?.start();
    return this.changed(e);
  }

  stopTask(id: string): RelayView {
    const e = this.entry(id);
    e.enabled = false;
    this.saved.save(e.task, false);
    void this.halt(e);
    return this.changed(e);
  }

  retry(id: string): RelayView {
    const e = this.entry(id);
    if (!e.enabled) this.saved.save(e.task, true);
    e.enabled = true;
    if (e.runner) e.runner.retry();
    for (const p of e.pulls.values()) p.runner.retry();
    for (const d of e.pushes.values()) this.dests.retry(d);
    return this.changed(e);
  }

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new OnAirError('NOT_FOUND', `no relay ${id}`);
    return e;
  }

  private insert(task: RelayTask, enabled: boolean): Entry {
    if (task.mode === 'static' && task.name && [...this.entries.values()].some((x) => x.task.mode === 'static' && x.task.app === task.app && x.task.name === task.name)) {
      throw new OnAirError('CONFLICT', `a static relay already feeds /${task.app}/${task.name}`);
    }
    const e: Entry = { task, enabled, runner: null, pulls: new Map(), pushes: new Map() };
    if (task.mode === 'static') e.runner = this.runner(e, task.app, task.name ?? task.id, () => this.staticAttempt(task));
    this.entries.set(task.id, e);
    this.log.info({ relay: task.id, mode: task.mode, app: task.app, edge: redactEdge(task.edge) }, 'relay task added');
    if (enabled) e.runner?.start();
    return e;
  }

  private runner(e: Entry, _app: string, _name: string, attempt: () => IngestAttempt): RelayRunner {
    return new RelayRunner(attempt, () => {
      const o = this.opts;
      return { baseMs: o.retry_base_ms, maxMs: o.retry_max_ms, jitter: 0.2, maxAttempts: Infinity };
    }, () => this.changed(e));
  }

  private staticAttempt(t: RelayTask): IngestAttempt {
    const name = t.name ?? t.id;
    const log = this.log.child({ relay: t.id });
    const kind = sourceKind(t.edge);
    const path = `/${t.app}/${name}`;
    if (kind === 'rtmp') return rtmpIngest(this.deps.ctx, t.edge, t.app, name, log, this.ownSign(path));
    const at = this.deps.rtmp();
    if (!this.ffmpeg || !at) return { done: Promise.resolve(this.ffmpeg ? 'the RTMP listener is not up' : 'ffmpeg not found'), live: () => false, stop: () => undefined };
    const host = ['0.0.0.0', '::', ''].includes(at.host) ? '127.0.0.1' : at.host;
    const own = new URLSearchParams(this.ownSign(path)).toString();
    return ffmpegIngest({
      ffmpeg: this.ffmpeg, kind, edge: t.edge, rtspTransport: t.rtsp_transport, target: `rtmp://${host.includes(':') ? `[${host}]` : host}:${at.port}${path}?${own}`,
      staleMs: this.opts.stale_s * 1000, isLive: () => !!this.deps.ctx.registry.get(path)?.publisher, budget: this.deps.ctx.ffmpeg,
    }, log);
  }

  /**
   * Our own ingests publish with a publish sign (1 h) when auth.publish is on, and `own` (the authority's
   * token of this process for the path) so auth.keys does not ask them for a stream key.
   */
  private ownSign(path: string): Record<string, string> {
    const { auth } = this.deps.ctx.config();
    const own = { own: this.deps.ctx.auth.ownToken(path) };
    if (!auth.publish) return own;
    return { sign: makeSign(path, Math.floor(Date.now() / 1000) + 3600, auth.publish_secret || auth.secret || ''), ...own };
  }

  /** Stop everything a task runs; resolves when its processes are gone. */
  private halt(e: Entry): Promise<void> {
    const gone = [e.runner?.stop(), ...[...e.pulls.values()].map((p) => p.runner.stop())];
    e.pulls.clear();
    for (const d of e.pushes.values()) this.dests.remove(d);
    e.pushes.clear();
    return Promise.all(gone).then(() => undefined);
  }

  private changed(e: Entry): RelayView {
    const v = this.view(e);
    if (this.entries.has(e.task.id)) this.emit('state', v);
    return v;
  }

  private view(e: Entry): RelayView {
    const streams: RelayStreamView[] = [];
    for (const [path, p] of e.pulls) streams.push({ path, state: p.runner.status().state, lastError: p.runner.status().lastError });
    for (const [path, id] of e.pushes) {
      const s = this.dests.status(id);
      streams.push({ path, state: s.state, lastError: s.lastError });
    }
    const ran = e.runner?.status();
    const own: RunnerStatus = ran ? { ...ran, state: !e.enabled && ran.state === 'idle' ? 'stopped' : ran.state } : {
      state: !e.enabled ? 'stopped' : streams.some((s) => s.state === 'live') ? 'live' : 'idle',
      attempt: 0, nextTryAt: null, lastError: streams.find((s) => s.lastError)?.lastError ?? null, liveSince: null,
    };
    return { ...e.task, ...own, edge: redactEdge(e.task.edge), enabled: e.enabled, streams };
  }

  private readonly onPrePlay = (_id: string, ...rest: unknown[]): void => {
    const path = String(rest[0]);
    const parts = splitPath(path);
    if (!parts || this.deps.ctx.registry.get(path)?.publisher) return;
    const [app, name] = parts;
    const e = [...this.entries.values()].find((x) => x.enabled && x.task.mode === 'pull' && x.task.app === app);
    if (!e || e.pulls.has(path)) return;
    const url = edgeStreamUrl(e.task, name);
    const runner = this.runner(e, app, name, () => rtmpIngest(this.deps.ctx, url, app, name, this.log.child({ relay: e.task.id }), this.ownSign(path)));
    e.pulls.set(path, { runner, idleSince: null });
    runner.start();
  };

  private reapIdlePulls(): void {
    const now = Date.now();
    const graceMs = this.opts.pull_idle_s * 1000;
    for (const e of this.entries.values()) {
      for (const [path, p] of e.pulls) {
        const s = this.deps.ctx.registry.get(path);
        const players = s ? [...s.subscribers].filter((x) => !x.internal).length : 0;
        if (players > 0) p.idleSince = null;
        else if (p.idleSince === null) p.idleSince = now;
        else if (now - p.idleSince >= graceMs) {
          this.log.info({ relay: e.task.id, path }, 'pull relay stopped: no players');
          void p.runner.stop();
          e.pulls.delete(path);
          this.changed(e);
        }
      }
    }
  }

  private readonly onPostPublish = (_id: string, ...rest: unknown[]): void => {
    const path = String(rest[0]);
    const query = (rest[1] ?? {}) as Record<string, unknown>;
    const parts = splitPath(path);
    if (!parts) return;
    const [app, name] = parts;
    for (const e of this.entries.values()) {
      if (!e.enabled || e.task.mode !== 'push' || e.task.app !== app || e.pushes.has(path)) continue;
      try {
        const { url, key } = splitStreamUrl(edgeStreamUrl(e.task, name));
        const id = `push-${e.task.id}-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        this.dests.add({ id, name: `push ${path}`, platform: 'custom', url, key, source: { stream: path }, auto: false, enabled: true });
        e.pushes.set(path, id);
        this.changed(e);
      } catch (err) {
        this.log.warn({ relay: e.task.id, path, err: (err as Error).message }, 'push relay not started');
      }
    }
    this.queryForm(path, query);
  };

  private queryForm(path: string, query: Record<string, unknown>): void {
    const named = queryPlatforms(query);
    if (!named.length) return;
    const opts = this.opts;
    if (!opts.allow_query) {
      this.log.warn({ path, platforms: named }, 'publish query names restream targets but relay.allow_query is off: ignored');
      return;
    }
    const { specs, skipped } = querySpecs(path, query, opts);
    if (skipped.length) this.log.warn({ path, platforms: skipped }, 'publish query: invalid stream key, target skipped');
    for (const s of specs) {
      if (this.queryDests.has(s.id)) continue;
      this.dests.add(s);
      this.queryDests.set(s.id, path);
      this.log.info({ path, platform: s.platform }, 'publish query: restream started');
    }
  }

  private readonly onEnded = (s: Stream): void => {
    for (const e of this.entries.values()) {
      const id = e.pushes.get(s.path);
      if (!id) continue;
      this.dests.remove(id);
      e.pushes.delete(s.path);
      this.changed(e);
    }
    for (const [id, path] of this.queryDests) {
      if (path !== s.path) continue;
      this.dests.remove(id);
      this.queryDests.delete(id);
    }
  };

  /** transient query-form destinations (for the status page and tests): id, platform, state — never the key */
  queryDestinations(): { id: string; stream: string; state: DestinationState; ackedBitrate: number }[] {
    return [...this.queryDests].map(([id, stream]) => {
      const s = this.dests.status(id);
      return { id, stream, state: s.state, ackedBitrate: s.ackedBitrate };
    });
  }
}

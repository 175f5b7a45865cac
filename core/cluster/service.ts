import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterSeam } from '../context';
import type { ClusterStatus } from '../contract/cluster';
import { PublishRefused } from '../media/publish';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import type { ClusterConfig } from '../scale-config';
import { RedisDirectory, type DirectoryState } from './directory';
import { serveFromOwner } from './hls-origin';
import { redactRedisUrl } from '../scale-config';
import type { ClusterNode } from './types';

/** protocols that go live here without being claimed: an edge's pull (its owner is elsewhere), the slate (the owner keeps it) */
const UNCLAIMED = new Set(['edge', 'slate']);
/** cluster.changed is sent at most this often */
export const CHANGED_DEBOUNCE_MS = 500;

export interface ClusterDeps {
  config: () => ClusterConfig & { redis: string };
  nodeId: string;
  registry: StreamRegistry;
  log: Logger;
  /** the bound ports and listen host; null before run() */
  listening: () => { rtmp: number; http: number; host: string } | null;
  /** the slate protects this stream: its owner keeps the claim while the publisher is away (core/slate) */
  slateProtects: (s: Stream) => boolean;
}

/**
 * A studio as a cluster node. Ownership follows the local publishers:
 *  - a publish claims its path atomically (keys.ts CLAIM_LUA) before it attaches; another node's path is refused
 *    (CONFLICT → RTMP NetStream.Publish.BadName, naming the owner). While Redis is unreachable new publishes are
 *    refused (fail closed: "cluster directory unreachable") and live streams keep going;
 *  - each heartbeat re-registers the node and renews every claim it holds (compare-and-pexpire); on reconnect
 *    every live local stream is claimed again. A claim found in another node's hands (only possible after a
 *    Redis wipe during an outage) kicks the LOCAL publisher with a logged reason: never two owners;
 *  - unpublish releases (compare-and-delete) unless the slate protects the stream (then the end of the stream does).
 */
export class ClusterService extends EventEmitter<{ changed: [ClusterStatus] }> implements ClusterSeam {
  readonly directory: RedisDirectory;
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private readonly startedAt = Date.now();
  private cpuMark = { at: Date.now(), usage: process.cpuUsage() };
  private offs: Array<() => void> = [];

  constructor(private readonly d: ClusterDeps) {
    super();
    const c = d.config();
    this.directory = new RedisDirectory({ url: c.redis, prefix: c.prefix, nodeId: d.nodeId, ttlMs: c.ttl_ms, log: d.log });
  }

  get nodeId(): string {
    return this.d.nodeId;
  }

  async start(): Promise<void> {
    const reg = this.d.registry;
    reg.on('unpublished', this.onGone);
    reg.on('ended', this.onGone);
    this.offs.push(() => reg.off('unpublished', this.onGone), () => reg.off('ended', this.onGone));
    this.offs.push(this.directory.onEvent(() => this.changed()));
    this.offs.push(this.directory.onState((s) => this.onState(s)));
    await this.directory.start();
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.d.config().heartbeat_ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    for (const off of this.offs.splice(0)) off();
    await this.beating;
    if (this.directory.state() === 'connected') {
      // a clean stop: our streams and our registration go now, not after the TTL
      for (const p of this.held) await this.directory.release(p).catch(() => undefined);
      await this.directory.unregister().catch(() => undefined);
    }
    this.held.clear();
    await this.directory.stop();
  }

  /** The publish guard (context.ts ClusterSeam.claim). */
  async claim(path: string, protocol: string): Promise<() => void> {
    if (UNCLAIMED.has(protocol)) return () => undefined;
    if (this.directory.state() !== 'connected') throw new PublishRefused('BUSY', 'cluster directory unreachable');
    let r;
    try {
      r = await this.directory.claim(path);
    } catch (e) {
      this.d.log.warn({ path, err: (e as Error).message }, 'cluster claim failed: publish refused');
      throw new PublishRefused('BUSY', 'cluster directory unreachable');
    }
    if (r.result === 'taken') {
      this.d.log.warn({ path, owner: r.owner.node }, 'publish refused: the stream is live on another cluster node');
      throw new PublishRefused('CONFLICT', `Stream already publishing on cluster node ${r.owner.node}`);
    }
    this.held.add(path);
    this.changed();
    return () => this.releaseIfNotHeld(path);
  }

  elsewhere(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
    if (this.d.registry.get(path)?.publisher) return Promise.resolve(false); // live here: the local answer stands
    return serveFromOwner({
      mode: () => this.d.config().hls, nodeId: this.nodeId, log: this.d.log,
      owner: (p) => this.directory.owner(p), node: (id) => this.directory.node(id),
    }, req, res, path, url);
  }

  /** the stream is still this node's to hold: a live publisher that is not an edge pull, or a slate-protected drop */
  private heldHere(path: string): boolean {
    const s = this.d.registry.get(path);
    if (!s) return false;
    if (s.publisher) return s.publisher.protocol !== 'edge';
    return s.reconnecting && this.d.slateProtects(s);
  }

  private releaseIfNotHeld(path: string): void {
    if (!this.held.has(path) || this.heldHere(path)) return;
    this.held.delete(path);
    this.changed();
    if (this.directory.state() === 'connected') this.directory.release(path).catch(() => undefined); // else its TTL lapses
  }

  private readonly onGone = (s: Stream): void => this.releaseIfNotHeld(s.path);

  private onState(s: DirectoryState): void {
    this.changed();
    if (s === 'connected') void this.beat(); // re-register and re-claim at once after an outage
  }

  /** One heartbeat; never two at once. */
  beat(): Promise<void> {
    this.beating ??= this.heartbeat().catch((e: unknown) => this.d.log.debug({ err: (e as Error).message }, 'cluster heartbeat failed')).finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async heartbeat(): Promise<void> {
    const dir = this.directory;
    if (dir.state() !== 'connected') return;
    const self = this.self();
    if (self) await dir.register(self);
    // a stream that went live without a claim (before the directory started) is claimed like the others
    for (const s of this.d.registry.live()) if (s.publisher && !UNCLAIMED.has(s.publisher.protocol)) this.held.add(s.path);
    for (const path of [...this.held]) {
      if (!this.heldHere(path)) {
        this.releaseIfNotHeld(path);
        continue;
      }
      if (await dir.renew(path)) continue;
      const r = await dir.claim(path);
      if (r.result !== 'taken') {
        this.d.log.info({ path }, 'cluster: ownership re-established');
        continue;
      }
      // two owners must never be: the later local publisher gives way
      this.held.delete(path);
      const reason = `cluster: ${path} is owned by node ${r.owner.node} (claim lost while Redis was away)`;
      this.d.log.warn({ path, owner: r.owner.node }, 'cluster: ownership lost to another node; local publisher kicked');
      this.d.registry.get(path)?.publisher?.stop(reason);
    }
    for (const path of dir.edges) await dir.writeEdge(path);
    await dir.sweep();
    this.changed();
  }

  /** this node's registration (null before the listeners are up) */
  self(): ClusterNode | null {
    const l = this.d.listening();
    if (!l) return null;
    const c = this.d.config();
    const h = c.public_host ?? (l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host);
    const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
    const live = this.d.registry.live();
    const players = live.reduce((n, s) => n + s.allSubscribers().length, 0);
    const now = Date.now();
    return {
      id: this.nodeId, rtmp: `rtmp://${host}:${l.rtmp}`, http: `http://${host}:${l.http}`,
      load: { cpu: this.cpu(now), rss_mb: Math.round(process.memoryUsage.rss() / 1048576), streams: live.length, players },
      started_at: this.startedAt, last_seen: now,
    };
  }

  /** this process's CPU since the last heartbeat, % of the machine's cores */
  private cpu(now: number): number {
    const usage = process.cpuUsage();
    const used = usage.user - this.cpuMark.usage.user + usage.system - this.cpuMark.usage.system;
    const wall = Math.max(1, now - this.cpuMark.at) * 1000;
    this.cpuMark = { at: now, usage };
    return Math.round((used / wall / Math.max(1, os.cpus().length)) * 1000) / 10;
  }

  async status(): Promise<ClusterStatus> {
    const c = this.d.config();
    const base = { enabled: true, node_id: this.nodeId, state: this.directory.state(), redis: redactRedisUrl(c.redis), hls: c.hls, at: Date.now() };
    try {
      if (base.state !== 'connected') throw new Error('not connected');
      const [nodes, owners] = await Promise.all([this.directory.nodes(), this.directory.streams()]);
      const streams = await Promise.all(owners.map(async (o) => ({ path: o.path, owner: o.node, since: o.since, edges: await this.directory.edgesOf(o.path) })));
      return { ...base, nodes: nodes.map((n) => ({ ...n, self: n.id === this.nodeId })), streams };
    } catch {
      // Redis away: what this node knows by itself
      const self = this.self();
      return {
        ...base,
        nodes: self ? [{ ...self, self: true }] : [],
        streams: [...this.held].map((path) => ({ path, owner: this.nodeId, since: 0, edges: [] })),
      };
    }
  }

  /** schedule a cluster.changed (debounced; computed only while someone listens) */
  changed(): void {
    if (this.debounce || this.listenerCount('changed') === 0) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.status().then((s) => this.emit('changed', s), () => undefined);
    }, CHANGED_DEBOUNCE_MS);
    this.debounce.unref();
  }
}

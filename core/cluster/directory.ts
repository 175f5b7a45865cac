import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactRedisUrl } from '../scale-config';
import { CLAIM_LUA, keysOf, parseOwnerRecord, RELEASE_LUA, RENEW_LUA, type Keys } from './keys';
import type { ClusterNode, Directory, StreamOwner } from './types';

export type DirectoryState = ReturnType<Directory['state']>;
export type ClaimResult = { result: 'claimed' | 'mine' | 'taken'; owner: StreamOwner };
/** what travels on `<prefix>events` */
export type ClusterEvent =
  | { type: 'owner.set' | 'owner.gone'; path: string; node: string; since: number }
  | { type: 'node.up' | 'node.down'; node: string };

export interface DirectoryOptions {
  url: string;
  prefix: string;
  nodeId: string;
  ttlMs: number;
  log: Logger;
}

interface Events {
  'owner.set': [StreamOwner];
  'owner.gone': [StreamOwner];
  /** every cluster event (panel refresh) */
  event: [ClusterEvent];
  state: [DirectoryState];
}

/** reconnect delays: 100 ms doubling up to 3 s (never gives up: a node waits for its Redis) */
export const retryDelay = (times: number): number => Math.min(100 * 2 ** Math.min(times, 10), 3000);

/**
 * The cluster directory on Redis (ioredis): the node registry, stream ownership and the event channel.
 * Key layout and the Lua scripts: keys.ts. Commands fail at once while Redis is away (no offline queue) and
 * time out after 2 s, so a caller (a publish waiting for its claim) never hangs on a lost Redis.
 */
export class RedisDirectory implements Directory {
  readonly nodeId: string;
  readonly keys: Keys;
  private readonly ev = new EventEmitter<Events>();
  private readonly client: Redis;
  private readonly sub: Redis;
  private current: DirectoryState = 'reconnecting';
  private stopped = false;
  /** paths this node says it pulls as an edge */
  readonly edges = new Set<string>();

  constructor(private readonly o: DirectoryOptions) {
    this.nodeId = o.nodeId;
    this.keys = keysOf(o.prefix);
    const common = { lazyConnect: true, retryStrategy: retryDelay, connectTimeout: 3000, maxRetriesPerRequest: 1 };
    this.client = new Redis(o.url, { ...common, enableOfflineQueue: false, commandTimeout: 2000 });
    // the subscriber queues its SUBSCRIBE until connected and re-subscribes after every reconnect
    this.sub = new Redis(o.url, { ...common, enableOfflineQueue: true });
    const where = redactRedisUrl(o.url);
    this.client.on('ready', () => this.setState('connected'));
    this.client.on('close', () => this.setState('reconnecting'));
    // ioredis reports each failed attempt; the state change is logged once (below), the error text at debug
    this.client.on('error', (e: Error) => o.log.debug({ redis: where, err: e.message }, 'cluster redis error'));
    this.sub.on('error', (e: Error) => o.log.debug({ redis: where, err: e.message }, 'cluster redis subscriber error'));
    this.sub.on('message', (_ch: string, msg: string) => this.onMessage(msg));
  }

  async start(): Promise<void> {
    // a Redis that is down at start: the node serves locally and keeps trying (state 'reconnecting')
    this.client.connect().catch(() => undefined);
    this.sub.connect().catch(() => undefined);
    this.sub.subscribe(this.keys.events).catch(() => undefined);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      this.client.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setState('off');
    this.client.disconnect();
    this.sub.disconnect();
  }

  state(): DirectoryState {
    return this.current;
  }

  private setState(s: DirectoryState): void {
    if (this.stopped && s !== 'off') return;
    if (s === this.current) return;
    this.current = s;
    const where = redactRedisUrl(this.o.url);
    if (s === 'connected') this.o.log.info({ redis: where, node: this.nodeId }, 'cluster directory connected');
    else if (s === 'reconnecting') this.o.log.warn({ redis: where }, 'cluster directory unreachable: serving local streams, refusing new publishes, reconnecting');
    this.ev.emit('state', s);
  }

  on(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void {
    this.ev.on(ev, fn);
  }

  off(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void {
    this.ev.off(ev, fn);
  }

  onEvent(fn: (e: ClusterEvent) => void): () => void {
    this.ev.on('event', fn);
    return () => this.ev.off('event', fn);
  }

  onState(fn: (s: DirectoryState) => void): () => void {
    this.ev.on('state', fn);
    return () => this.ev.off('state', fn);
  }

  private onMessage(msg: string): void {
    let e: ClusterEvent;
    try {
      e = JSON.parse(msg) as ClusterEvent;
    } catch {
      return;
    }
    if (e.type === 'owner.set' || e.type === 'owner.gone') {
      if (typeof e.path !== 'string' || typeof e.node !== 'string') return;
      this.ev.emit(e.type, { path: e.path, node: e.node, since: Number(e.since) || 0 });
    } else if ((e.type !== 'node.up' && e.type !== 'node.down') || typeof e.node !== 'string') return;
    this.ev.emit('event', e);
  }

  async publishEvent(e: ClusterEvent): Promise<void> {
    await this.client.publish(this.keys.events, JSON.stringify(e));
  }

  async owner(path: string): Promise<StreamOwner | null> {
    if (this.current !== 'connected') return null;
    try {
      const [node, since] = await Promise.all([this.client.get(this.keys.stream(path)), this.client.hget(this.keys.owners, path)]);
      return node ? { path, node, since: parseOwnerRecord(since).since } : null;
    } catch {
      return null;
    }
  }

  async node(id: string): Promise<ClusterNode | null> {
    const raw = await this.client.get(this.keys.node(id)).catch(() => null);
    return raw ? parseNode(raw) : null;
  }

  async nodes(): Promise<ClusterNode[]> {
    const ids = (await this.client.smembers(this.keys.nodes)).sort();
    if (!ids.length) return [];
    const raws = await this.client.mget(ids.map((id) => this.keys.node(id)));
    return raws.map((r) => (r ? parseNode(r) : null)).filter((n): n is ClusterNode => n !== null);
  }

  /** every owned stream (index members whose key expired are left out; the sweep removes them) */
  async streams(): Promise<StreamOwner[]> {
    const paths = (await this.client.smembers(this.keys.streams)).sort();
    if (!paths.length) return [];
    const [owners, since] = await Promise.all([this.client.mget(paths.map((p) => this.keys.stream(p))), this.client.hmget(this.keys.owners, ...paths)]);
    return paths.flatMap((path, i) => (owners[i] ? [{ path, node: owners[i] as string, since: parseOwnerRecord(since[i]).since }] : []));
  }

  async edgesOf(path: string): Promise<string[]> {
    await this.client.zremrangebyscore(this.keys.edges(path), '-inf', Date.now());
    return (await this.client.zrange(this.keys.edges(path), 0, -1)).sort();
  }

  setEdge(path: string, pulling: boolean): void {
    if (pulling) this.edges.add(path);
    else this.edges.delete(path);
    if (this.current !== 'connected') return; // the next heartbeat after the reconnect writes it
    const write = pulling ? this.writeEdge(path) : this.client.zrem(this.keys.edges(path), this.nodeId);
    Promise.resolve(write).catch(() => undefined);
    this.ev.emit('event', { type: 'node.up', node: this.nodeId }); // a panel refresh; not published
  }

  async writeEdge(path: string): Promise<void> {
    await this.client.multi().zadd(this.keys.edges(path), Date.now() + this.o.ttlMs, this.nodeId).pexpire(this.keys.edges(path), this.o.ttlMs).exec();
  }

  async claim(path: string): Promise<ClaimResult> {
    const now = Date.now();
    const k = this.keys;
    const r = (await this.client.eval(CLAIM_LUA, 3, k.stream(path), k.streams, k.owners, this.nodeId, this.o.ttlMs, path, now)) as [number, string, string];
    const owner = { path, node: r[1], since: Number(r[2]) || now };
    if (r[0] === 1) await this.publishEvent({ type: 'owner.set', ...owner }).catch(() => undefined);
    return { result: r[0] === 1 ? 'claimed' : r[0] === 2 ? 'mine' : 'taken', owner };
  }

  async renew(path: string): Promise<boolean> {
    const k = this.keys;
    return (await this.client.eval(RENEW_LUA, 3, k.stream(path), k.streams, k.owners, this.nodeId, this.o.ttlMs, path, Date.now())) === 1;
  }

  async release(path: string): Promise<boolean> {
    const k = this.keys;
    const gone = (await this.client.eval(RELEASE_LUA, 3, k.stream(path), k.streams, k.owners, this.nodeId, path)) === 1;
    if (gone) await this.publishEvent({ type: 'owner.gone', path, node: this.nodeId, since: Date.now() }).catch(() => undefined);
    return gone;
  }

  /** Write this node's registration; publishes node.up when it was not registered (first start, after a lapse or a Redis wipe). */
  async register(self: ClusterNode): Promise<void> {
    const prev = await this.client.set(this.keys.node(this.nodeId), JSON.stringify(self), 'PX', this.o.ttlMs, 'GET');
    await this.client.sadd(this.keys.nodes, this.nodeId);
    if (prev === null) await this.publishEvent({ type: 'node.up', node: this.nodeId });
  }

  async unregister(): Promise<void> {
    await this.client.multi().del(this.keys.node(this.nodeId)).srem(this.keys.nodes, this.nodeId).exec();
    await this.publishEvent({ type: 'node.down', node: this.nodeId });
  }

  /**
   * The TTL sweep: index members whose key expired (a killed node, a lost owner) are removed; the one node whose
   * SREM removed a member announces it, so each lapse is told once, within ttl_ms + one heartbeat.
   */
  async sweep(): Promise<void> {
    const k = this.keys;
    const [paths, ids] = await Promise.all([this.client.smembers(k.streams), this.client.smembers(k.nodes)]);
    if (paths.length) {
      const owners = await this.client.mget(paths.map((p) => k.stream(p)));
      for (const [i, path] of paths.entries()) {
        if (owners[i] !== null) continue;
        const last = parseOwnerRecord(await this.client.hget(k.owners, path));
        if ((await this.client.srem(k.streams, path)) === 1) {
          await this.client.hdel(k.owners, path);
          await this.publishEvent({ type: 'owner.gone', path, node: last.node, since: last.since });
        }
      }
    }
    if (ids.length) {
      const alive = await this.client.mget(ids.map((id) => k.node(id)));
      for (const [i, id] of ids.entries()) {
        if (alive[i] === null && (await this.client.srem(k.nodes, id)) === 1) await this.publishEvent({ type: 'node.down', node: id });
      }
    }
  }
}

function parseNode(raw: string): ClusterNode | null {
  try {
    const n = JSON.parse(raw) as ClusterNode;
    return typeof n.id === 'string' ? n : null;
  } catch {
    return null;
  }
}

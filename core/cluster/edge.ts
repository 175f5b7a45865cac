/**
 * Edge pull (issue 15). A player asks this node (RTMP play, HTTP-FLV, WS-FLV: the prePlay hook) for /app/name
 * that is not live here, and the directory names another node as its owner: the node plays it from the owner
 * with our RTMP client (core/relay/relay-ingest.ts rtmpIngest) into the ONE publish path as protocol 'edge' —
 * one pull per path, shared by every local player, HLS/LL-HLS/DASH muxer and recorder. The player's prePlay
 * waits for the pull to go live (bounded, `waitMs`); a pull that is not live by then leaves the player
 * waiting like any play-before-publish.
 *
 * Ends, and what follows them (no retry loop: only the directory or a player brings a pull back):
 * - the last local player left `cluster.edge_idle_ms` ago → the pull is dropped;
 * - the owner ends the stream or dies (the RTMP play ends, or the directory says 'owner.gone') → the pull
 *   ends and the local stream loses its publisher like any dropped publish: players wait the reconnect window
 *   (max(hls.cleanup_after_s, relay.hold_s)) and then get their normal end-of-stream;
 * - the directory names a new owner ('owner.set' on another node) while local players still wait → the edge
 *   pulls from it and they continue on the same connection; a player asking later pulls from the new owner.
 * The pull signs its play with the shared auth.secret when auth.play is on (every node of a cluster shares it).
 */
import type { Logger } from 'pino';
import type { ServerContext } from '../context';
import { rtmpIngest, type IngestAttempt } from '../relay/relay-ingest';
import type { Stream } from '../media/stream';
import { localPublishQuery, ownerPlayUrl, splitStreamPath } from './edge-url';
import type { Directory, StreamOwner } from './types';

export interface EdgePullView {
  path: string;
  /** the owner's node id */
  owner: string;
  state: 'connecting' | 'live';
  since: number;
  /** local players (not the muxers) */
  players: number;
}

/** one attempt of a pull: our RTMP client playing `url` into the local publish path as /app/name (protocol 'edge') */
export type EdgeIngest = (url: string, app: string, name: string, log: Logger, query: Record<string, string>) => IngestAttempt;

export interface EdgeDeps {
  ctx: ServerContext;
  directory: Directory;
  log: Logger;
  /** how long a player's play waits for the pull to go live, ms (default 5000) */
  waitMs?: number;
  /** how often idle pulls are looked for, ms (default 250) */
  tickMs?: number;
  /** tests only: another ingest than rtmpIngest */
  ingest?: EdgeIngest;
}

interface Pull {
  path: string;
  owner: StreamOwner;
  attempt: IngestAttempt;
  since: number;
  idleSince: number | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function players(s: Stream | undefined): number {
  return s ? s.allSubscribers().filter((x) => !x.internal).length : 0;
}

export class EdgePuller {
  private readonly pulls = new Map<string, Pull>();
  /** a player's directory lookup in flight: the other players of that path wait for it (one pull, not several) */
  private readonly starting = new Map<string, Promise<Pull | null>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly log: Logger;
  private readonly waitMs: number;
  private readonly ingest: EdgeIngest;

  constructor(private readonly deps: EdgeDeps) {
    this.log = deps.log.child({ cluster: 'edge' });
    this.waitMs = deps.waitMs ?? 5000;
    this.ingest = deps.ingest ?? ((url, app, name, log, query) => rtmpIngest(deps.ctx, url, app, name, log, query, 'edge'));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.ctx.hooks.on('prePlay', this.onPrePlay);
    this.deps.directory.on('owner.set', this.onOwnerSet);
    this.deps.directory.on('owner.gone', this.onOwnerGone);
    this.timer = setInterval(() => this.reapIdle(), this.deps.tickMs ?? 250);
    this.timer.unref();
  }

  /** Drop every pull; resolves when their connections are closed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.deps.ctx.hooks.off('prePlay', this.onPrePlay);
    this.deps.directory.off('owner.set', this.onOwnerSet);
    this.deps.directory.off('owner.gone', this.onOwnerGone);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.pulls.values()].map((p) => this.drop(p, 'node stopping')));
  }

  /** the pulls of this node (the panel, tests) */
  list(): EdgePullView[] {
    return [...this.pulls.values()].map((p) => ({
      path: p.path, owner: p.owner.node, state: p.attempt.live() ? 'live' : 'connecting', since: p.since,
      players: players(this.deps.ctx.registry.get(p.path)),
    }));
  }

  /** someone watches `path` here without being a subscriber (an HLS/DASH request served by the edge's muxer) */
  touch(path: string): void {
    const p = this.pulls.get(path);
    if (p) p.idleSince = null;
  }

  private readonly onPrePlay = async (_id: string, ...rest: unknown[]): Promise<void> => {
    const path = String(rest[0]);
    if (!this.running || !splitStreamPath(path) || this.deps.ctx.registry.get(path)?.publisher) return;
    const deadline = Date.now() + this.waitMs;
    let pull = this.pulls.get(path) ?? null;
    if (!pull) {
      let lookup = this.starting.get(path);
      if (!lookup) {
        lookup = this.lookupAndPull(path, deadline).finally(() => this.starting.delete(path));
        this.starting.set(path, lookup);
      }
      pull = await lookup;
    }
    if (pull) await this.untilLive(pull, deadline);
  };

  private async lookupAndPull(path: string, deadline: number): Promise<Pull | null> {
    let owner: StreamOwner | null;
    try {
      owner = await Promise.race([this.deps.directory.owner(path), sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    } catch (e) {
      this.log.warn({ path, err: (e as Error).message }, 'edge: directory lookup failed');
      return null;
    }
    if (!owner || !this.running || this.deps.ctx.registry.get(path)?.publisher) return null;
    return this.pull(owner);
  }

  /** Start pulling `owner.path` from its node (or answer the pull already running). */
  private async pull(owner: StreamOwner): Promise<Pull | null> {
    const { path } = owner;
    const have = this.pulls.get(path);
    if (have) return have;
    if (owner.node === this.deps.directory.nodeId) return null; // ours: the publisher is on its way back here
    const parts = splitStreamPath(path);
    if (!parts) return null;
    let url: string;
    try {
      const node = await this.deps.directory.node(owner.node);
      if (!node) {
        this.log.warn({ path, owner: owner.node }, 'edge: the owner node is not registered (gone?): not pulling');
        return null;
      }
      const { auth } = this.deps.ctx.config();
      url = ownerPlayUrl(node.rtmp, path, { play: auth.play, secret: auth.secret });
    } catch (e) {
      this.log.warn({ path, owner: owner.node, err: (e as Error).message }, 'edge: cannot pull');
      return null;
    }
    // the lookup awaited: another caller may have started it meanwhile, or the stream went live here
    if (this.pulls.has(path)) return this.pulls.get(path) ?? null;
    if (!this.running || this.deps.ctx.registry.get(path)?.publisher) return null;
    const { auth } = this.deps.ctx.config();
    const query = localPublishQuery(path, this.deps.ctx.auth.ownToken(path), auth);
    const log = this.log.child({ path, owner: owner.node });
    const p: Pull = { path, owner, attempt: this.ingest(url, parts[0], parts[1], log, query), since: Date.now(), idleSince: null };
    this.pulls.set(path, p);
    this.deps.directory.setEdge(path, true);
    log.info('edge pull started');
    void p.attempt.done.then((reason) => this.ended(p, reason));
    return p;
  }

  private ended(p: Pull, reason: string): void {
    if (this.pulls.get(p.path) !== p) return;
    this.pulls.delete(p.path);
    this.deps.directory.setEdge(p.path, false);
    this.log.info({ path: p.path, owner: p.owner.node, reason }, 'edge pull ended');
  }

  private drop(p: Pull, reason: string): Promise<void> {
    p.attempt.stop(reason);
    return p.attempt.done.then(() => undefined);
  }

  private async untilLive(p: Pull, deadline: number): Promise<void> {
    while (!p.attempt.live() && this.pulls.get(p.path) === p && Date.now() < deadline) await sleep(25);
  }

  private reapIdle(): void {
    const now = Date.now();
    const idleMs = this.deps.ctx.config().cluster?.edge_idle_ms ?? 5000;
    for (const p of [...this.pulls.values()]) {
      if (players(this.deps.ctx.registry.get(p.path)) > 0) p.idleSince = null;
      else if (p.idleSince === null) p.idleSince = now;
      if (p.idleSince !== null && now - p.idleSince >= idleMs) {
        this.log.info({ path: p.path, idle_ms: idleMs }, 'edge pull dropped: no local players');
        void this.drop(p, 'no players');
      }
    }
  }

  /** A (new) owner claimed a path: local players still waiting for it follow it; a pull from an old owner ends. */
  private readonly onOwnerSet = (o: StreamOwner): void => {
    if (!this.running) return;
    const cur = this.pulls.get(o.path);
    if (cur && cur.owner.node === o.node) return;
    const follow = (): void => {
      const s = this.deps.ctx.registry.get(o.path);
      if (o.node === this.deps.directory.nodeId || !s || s.publisher || players(s) === 0) return;
      this.log.info({ path: o.path, owner: o.node }, 'edge: players waiting here follow the new owner');
      void this.pull(o);
    };
    if (cur) void this.drop(cur, 'owner moved').then(follow);
    else follow();
  };

  private readonly onOwnerGone = (o: StreamOwner): void => {
    const p = this.pulls.get(o.path);
    if (p && p.owner.node === o.node) void this.drop(p, 'owner gone');
  };
}

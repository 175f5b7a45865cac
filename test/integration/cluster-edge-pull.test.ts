/**
 * The edge puller (core/cluster/edge.ts) on two real studios in this process, with a tiny in-test Directory
 * standing in for Redis (the Redis directory and three processes are test/integration/cluster-edge.test.ts):
 * one pull shared by every local player (RTMP and HTTP-FLV), signed with the shared auth.secret; a wrong secret
 * is refused by the owner; the pull is dropped edge_idle_ms after the last player; the owner going away ends
 * the local stream (players get their end after the reconnect window) with no retry; a new owner named by the
 * directory while players wait is followed on the same connections.
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSign } from '../../core/auth/sign';
import { EdgePuller } from '../../core/cluster/edge';
import type { ClusterNode, Directory, StreamOwner } from '../../core/cluster/types';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { flvPlayer, rtmpPlayer, type LightPlayer } from '../helpers/edge-players';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const SECRET = 'shared-cluster-secret';

/** what a Directory answers, from maps the test sets; records setEdge */
class MemDirectory implements Directory {
  readonly owners = new Map<string, StreamOwner>();
  readonly nodeMap = new Map<string, ClusterNode>();
  readonly edges: Array<[string, boolean]> = [];
  private readonly ev = new EventEmitter<{ 'owner.gone': [StreamOwner]; 'owner.set': [StreamOwner] }>();
  constructor(readonly nodeId: string) {}
  state(): 'connected' { return 'connected'; }
  owner(path: string): Promise<StreamOwner | null> { return Promise.resolve(this.owners.get(path) ?? null); }
  node(id: string): Promise<ClusterNode | null> { return Promise.resolve(this.nodeMap.get(id) ?? null); }
  nodes(): Promise<ClusterNode[]> { return Promise.resolve([...this.nodeMap.values()]); }
  setEdge(path: string, pulling: boolean): void { this.edges.push([path, pulling]); }
  on(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void { this.ev.on(ev, fn); }
  off(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void { this.ev.off(ev, fn); }
  emit(ev: 'owner.gone' | 'owner.set', o: StreamOwner): void { this.ev.emit(ev, o); }
  addNode(id: string, s: TestStudio): void {
    const load = { cpu: 0, rss_mb: 0, streams: 0, players: 0 };
    this.nodeMap.set(id, { id, rtmp: `rtmp://127.0.0.1:${s.ports.rtmp}`, http: `http://127.0.0.1:${s.ports.http}`, load, started_at: Date.now(), last_seen: Date.now() });
  }
}

const signed = (path: string): string => `sign=${makeSign(path, Math.floor(Date.now() / 1000) + 600, SECRET)}`;
const players = (s: TestStudio, p: string): number => (s.studio.registry.get(p)?.allSubscribers() ?? []).filter((x) => !x.internal).length;
const cfg = (secret = SECRET): Record<string, unknown> => ({ auth: { api: false, play: true, secret }, hls: { cleanup_after_s: 2 }, cluster: { edge_idle_ms: 600 } });

describe('edge pull against an in-test directory', () => {
  let O: TestStudio;
  let O2: TestStudio;
  let E: TestStudio;
  let dir: MemDirectory;
  let edge: EdgePuller;
  const pubs: Run[] = [];
  const open: LightPlayer[] = [];

  beforeAll(async () => {
    [O, O2, E] = await Promise.all([startStudio(cfg()), startStudio(cfg()), startStudio(cfg())]);
    dir = new MemDirectory('E');
    dir.addNode('O', O);
    dir.addNode('O2', O2);
    edge = new EdgePuller({ ctx: E.studio.ctx, directory: dir, log: E.studio.log, waitMs: 5000, tickMs: 100 });
    edge.start();
    pubs.push(publishTestPattern(O.rtmpUrl('/live/cam'), { size: '320x240', rate: 15, seconds: 60 }));
    pubs.push(publishTestPattern(O2.rtmpUrl('/live/cam'), { size: '320x240', rate: 15, seconds: 60 }));
    await waitFor(() => O.studio.registry.get('/live/cam')?.ready && O2.studio.registry.get('/live/cam')?.ready, 'both owners live', 15_000);
    dir.owners.set('/live/cam', { path: '/live/cam', node: 'O', since: Date.now() });
  }, 30_000);

  afterAll(async () => {
    for (const p of open) p.close();
    for (const p of pubs) p.child.kill('SIGKILL');
    await edge?.stop();
    await Promise.all([O?.stop(), O2?.stop(), E?.stop()]);
  });

  it('three RTMP players and an HTTP-FLV player on the edge share ONE signed pull; it is dropped when they leave', async () => {
    const url = `${E.rtmpUrl('/live/cam')}?${signed('/live/cam')}`;
    const first = await rtmpPlayer(url);
    // the play waited for the pull: the stream is live on the edge, published as 'edge'
    expect(E.studio.registry.get('/live/cam')?.publisher?.protocol).toBe('edge');
    const more = await Promise.all([rtmpPlayer(url), rtmpPlayer(url), flvPlayer(`${E.httpUrl('/live/cam.flv')}?${signed('/live/cam')}`)]);
    const all = [first, ...more];
    open.push(...all);
    await waitFor(() => all.every((p) => p.received() > 20), 'every edge player gets media', 10_000);
    expect(players(O, '/live/cam')).toBe(1);
    expect(players(E, '/live/cam')).toBe(4);
    expect(edge.list()).toEqual([expect.objectContaining({ path: '/live/cam', owner: 'O', state: 'live', players: 4 })]);
    expect(dir.edges).toEqual([['/live/cam', true]]);
    for (const p of all) p.close();
    // edge_idle_ms (600) after the last player: the owner loses its one edge subscriber
    await waitFor(() => players(O, '/live/cam') === 0 && edge.list().length === 0, 'the pull dropped after the idle time', 5000);
    expect(dir.edges.at(-1)).toEqual(['/live/cam', false]);
  }, 30_000);

  it('an edge with another secret is refused by the owner: no stream, no pull left behind', async () => {
    const X = await startStudio(cfg('not-the-cluster-secret'));
    const xdir = new MemDirectory('X');
    xdir.addNode('O', O);
    xdir.owners.set('/live/cam', { path: '/live/cam', node: 'O', since: Date.now() });
    const xedge = new EdgePuller({ ctx: X.studio.ctx, directory: xdir, log: X.studio.log, waitMs: 1500, tickMs: 100 });
    xedge.start();
    try {
      const p = await rtmpPlayer(`${X.rtmpUrl('/live/cam')}?sign=${makeSign('/live/cam', Math.floor(Date.now() / 1000) + 600, 'not-the-cluster-secret')}`);
      open.push(p);
      await waitFor(() => xedge.list().length === 0 && xdir.edges.length === 2, 'the refused pull ended', 5000);
      expect(X.studio.registry.get('/live/cam')?.publisher ?? null).toBeNull();
      expect(p.received()).toBe(0);
      expect(players(O, '/live/cam')).toBe(0);
      p.close();
    } finally {
      await xedge.stop();
      await X.stop();
    }
  }, 20_000);

  it('owner gone → the local stream ends without retry; a new owner named while players wait is followed', async () => {
    const url = `${E.rtmpUrl('/live/cam')}?${signed('/live/cam')}`;
    const a = await rtmpPlayer(url);
    const b = await rtmpPlayer(url);
    open.push(a, b);
    await waitFor(() => a.received() > 10 && b.received() > 10, 'players on the edge', 10_000);
    // the owner leaves: its pull ends, the edge players wait (reconnect window, 2 s) and nothing is pulled again
    dir.owners.delete('/live/cam');
    dir.emit('owner.gone', { path: '/live/cam', node: 'O', since: 0 });
    await waitFor(() => players(O, '/live/cam') === 0 && edge.list().length === 0, 'pull ended on owner.gone', 5000);
    await sleep(500);
    expect(E.studio.registry.get('/live/cam')?.publisher ?? null).toBeNull();
    expect(a.ended()).toBe(false);
    // within the window the directory names O2: the waiting players follow it on the same connections
    const before = a.received();
    const o2 = { path: '/live/cam', node: 'O2', since: Date.now() };
    dir.owners.set('/live/cam', o2);
    dir.emit('owner.set', o2);
    await waitFor(() => a.received() > before + 10 && b.received() > 10, 'players continue from the new owner', 8000);
    expect(players(O2, '/live/cam')).toBe(1);
    expect(edge.list()).toEqual([expect.objectContaining({ owner: 'O2' })]);
    // O2 goes too, and nobody claims the name: after the window the players get their end-of-stream
    dir.owners.delete('/live/cam');
    dir.emit('owner.gone', o2);
    await waitFor(() => a.ended() && b.ended(), 'players see the end of the stream', 6000);
    expect(edge.list()).toEqual([]);
    expect(players(O2, '/live/cam')).toBe(0);
  }, 30_000);
});

/**
 * Issue 15 acceptance — three OnAir processes (A, B, C: test/helpers/studio-process.ts) on one real redis-server,
 * auth.play on with the cluster's shared auth.secret:
 *  - publish to A with ffmpeg; ffprobe plays it from B and C over RTMP and HTTP-FLV (edge pulls, signed);
 *  - a second publish of the same name to C is refused (BadName, naming the owner);
 *  - three ffmpeg players on B → B holds ONE pull: A's stats show one subscriber (B's), the directory one edge;
 *    HLS on B while it pulls comes from B's own muxer (200), on C (not pulling) it is a 302 to A, and both play;
 *  - kill -9 A → B's and C's players get their end of stream and the directory forgets the stream within ttl_ms;
 *  - publish again to B → a player on C plays it (C follows the new owner).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSign } from '../../core/auth/sign';
import { RtmpClient } from '../../core/rtmp/client';
import { FFMPEG, ffprobe, publishTestPattern, run, type Run } from '../helpers/ffmpeg';
import { flvPlayer, rtmpPlayer, type LightPlayer } from '../helpers/edge-players';
import { startRedis, type RedisServer } from '../helpers/redis';
import { spawnStudio, type StudioProcess } from '../helpers/studio-process';
import { waitFor } from '../helpers/studio';

const SECRET = 'one-secret-for-the-whole-cluster';
const TTL_MS = 1000;
const CAM = '/live/cam';
const sign = `sign=${makeSign(CAM, Math.floor(Date.now() / 1000) + 3600, SECRET)}`;

interface ClusterView { nodes: { id: string }[]; streams: { path: string; owner: string; edges: string[] }[] }
interface StreamView { publisher: { protocol: string } | null; subscribers: { protocol: string; ip: string }[] }

const get = async <T>(s: StudioProcess, p: string): Promise<T> => (await fetch(s.httpUrl(p))).json() as Promise<T>;
const cluster = (s: StudioProcess): Promise<ClusterView> => get<ClusterView>(s, '/api/cluster');
const stream = async (s: StudioProcess): Promise<StreamView | null> => {
  const r = await fetch(s.httpUrl(`/api/streams${CAM}`));
  return r.status === 200 ? ((await r.json()) as StreamView) : null;
};
const owner = async (s: StudioProcess): Promise<string | null> => (await cluster(s)).streams.find((x) => x.path === CAM)?.owner ?? null;

async function probeVideo(url: string): Promise<{ codec?: string; width?: number }> {
  const r = await ffprobe(url, ['-rw_timeout', '15000000']);
  const v = r.streams.find((x) => x.codec_type === 'video');
  return { codec: v?.codec_name, width: v?.width };
}

/** an ffmpeg player: reads the stream (no decode) until it ends or 40 s pass */
const ffmpegPlayer = (url: string): Run => run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000', '-i', url, '-c', 'copy', '-t', '40', '-f', 'null', '-'], 50_000);

describe('cluster: edge pull across three OnAir processes and Redis', () => {
  let redis: RedisServer;
  let A: StudioProcess;
  let B: StudioProcess;
  let C: StudioProcess;
  const runs: Run[] = [];
  const light: LightPlayer[] = [];

  const node = (id: string): Promise<StudioProcess> => spawnStudio({
    data_dir: mkdtempSync(path.join(os.tmpdir(), `onair-cluster-${id}-`)),
    auth: { api: false, play: true, secret: SECRET },
    // the reconnect window: an edge's players wait this long for the stream to come back before their end
    hls: { cleanup_after_s: 2 },
    cluster: { redis: redis.url, node_id: id, heartbeat_ms: 300, ttl_ms: TTL_MS, edge_idle_ms: 1000 },
  });

  beforeAll(async () => {
    redis = await startRedis();
    [A, B, C] = await Promise.all([node('A'), node('B'), node('C')]);
    runs.push(publishTestPattern(A.rtmpUrl(CAM), { size: '320x240', rate: 15, seconds: 55 }));
    await waitFor(async () => (await owner(B)) === 'A', 'A owns /live/cam in the directory', 15_000);
  }, 40_000);

  afterAll(async () => {
    for (const p of light) p.close();
    for (const r of runs) r.child.kill('SIGKILL');
    await Promise.all([A, B, C].map((s) => s?.kill9()));
    await redis?.stop();
  });

  it("a second publish of the name on C is refused; A's stream plays from B and C (RTMP, HTTP-FLV)", async () => {
    // C holds nothing of /live/cam yet: the refusal is the directory's (it names the owner), not a local conflict
    const c = await RtmpClient.connect(C.rtmpUrl('/live'));
    try {
      await expect(c.publish('cam')).rejects.toThrow(/BadName.*cluster node A/);
    } finally {
      c.destroy();
    }
    expect(await owner(A)).toBe('A');
    const got = await Promise.all([
      probeVideo(`${B.rtmpUrl(CAM)}?${sign}`), probeVideo(`${B.httpUrl(`${CAM}.flv`)}?${sign}`),
      probeVideo(`${C.rtmpUrl(CAM)}?${sign}`), probeVideo(`${C.httpUrl(`${CAM}.flv`)}?${sign}`),
    ]);
    expect(got).toEqual(Array(4).fill({ codec: 'h264', width: 320 }));
  }, 30_000);

  it('three players on B share one pull; HLS on the edge: local while it pulls, a redirect to A elsewhere', async () => {
    const urls = [`${B.rtmpUrl(CAM)}?${sign}`, `${B.rtmpUrl(CAM)}?${sign}`, `${B.httpUrl(`${CAM}.flv`)}?${sign}`];
    runs.push(...urls.map(ffmpegPlayer));
    await waitFor(async () => (await stream(B))?.subscribers.length === 3, 'three players on B', 15_000);
    expect((await stream(B))?.publisher?.protocol).toBe('edge');
    // C's pulls from the first test are dropped after edge_idle_ms: A keeps exactly one subscriber, B's pull
    await waitFor(async () => (await stream(A))?.subscribers.length === 1, 'A serves one edge (B)', 10_000);
    const a = await stream(A);
    expect(a?.subscribers.map((x) => x.protocol)).toEqual(['rtmp']);
    expect((await cluster(C)).streams.find((x) => x.path === CAM)?.edges).toEqual(['B']);

    const local = await fetch(`${B.httpUrl(`${CAM}/index.m3u8`)}?${sign}`, { redirect: 'manual' });
    expect(local.status).toBe(200);
    expect(await local.text()).toContain('#EXTINF');
    // C's dropped copy ends after its reconnect window (2 s) and its ENDLIST playlist lingers hls.cleanup_after_s
    // more (as on any node); from then on HLS asked of C is a redirect to the owner, with the player's sign
    const away = await waitFor(async () => {
      const r = await fetch(`${C.httpUrl(`${CAM}/index.m3u8`)}?${sign}`, { redirect: 'manual' });
      await r.arrayBuffer();
      return r.status === 302 ? r : null;
    }, 'HLS on C redirects to A', 10_000, 200);
    expect(away.headers.get('location')).toBe(`${A.httpUrl(`${CAM}/index.m3u8`)}?${sign}`);
    expect(await stream(C)).toBeNull();
    const hls = await Promise.all([probeVideo(`${B.httpUrl(`${CAM}/index.m3u8`)}?${sign}`), probeVideo(`${C.httpUrl(`${CAM}/index.m3u8`)}?${sign}`)]);
    expect(hls).toEqual(Array(2).fill({ codec: 'h264', width: 320 }));
    expect((await stream(A))?.subscribers.length).toBe(1); // HLS asked of C went to A's muxer, not through a pull
  }, 40_000);

  it('kill -9 A: the edges end the stream cleanly, the directory forgets it; published again on B, C follows', async () => {
    light.push(await rtmpPlayer(`${C.rtmpUrl(CAM)}?${sign}`), await flvPlayer(`${C.httpUrl(`${CAM}.flv`)}?${sign}`));
    await waitFor(() => light.every((p) => p.received() > 5), 'players on C get media', 10_000);
    await waitFor(async () => (await stream(A))?.subscribers.length === 2, 'A serves two edges (B, C)', 5000);
    const players = runs.slice(-3);

    const killedAt = Date.now();
    await A.kill9();
    // the directory forgets A's stream (its claim is no longer renewed) within the TTL
    await waitFor(async () => (await owner(B)) === null && (await owner(C)) === null, 'the directory forgets /live/cam', TTL_MS + 3000, 50);
    const forgotMs = Date.now() - killedAt;
    expect(forgotMs).toBeLessThan(TTL_MS + 1000);
    // the edges' players get their end of stream after the reconnect window (2 s), and the edges do not pull again
    await waitFor(() => light.every((p) => p.ended()), 'C players see the end', 10_000);
    const ends = await Promise.race([Promise.all(players.map((r) => r.done)), new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(ends, 'the ffmpeg players on B ended').not.toBeNull();
    expect((await stream(B))?.publisher ?? null).toBeNull();
    expect((await stream(C))?.publisher ?? null).toBeNull();
    await waitFor(async () => !(await cluster(B)).nodes.some((n) => n.id === 'A'), 'node A forgotten', TTL_MS + 3000);

    // the name is free again: published on B, a player on C follows the new owner
    runs.push(publishTestPattern(B.rtmpUrl(CAM), { size: '320x240', rate: 15, seconds: 30 }));
    await waitFor(async () => (await owner(C)) === 'B', 'B owns /live/cam', 15_000);
    expect(await probeVideo(`${C.rtmpUrl(CAM)}?${sign}`)).toEqual({ codec: 'h264', width: 320 });
    const again = await rtmpPlayer(`${C.rtmpUrl(CAM)}?${sign}`);
    light.push(again);
    await waitFor(() => again.received() > 5, 'a player on C gets the stream from B', 10_000);
    expect((await stream(C))?.publisher?.protocol).toBe('edge');
    expect((await stream(B))?.subscribers.map((x) => x.protocol)).toEqual(['rtmp']);
    expect((await cluster(B)).streams.find((x) => x.path === CAM)).toEqual(expect.objectContaining({ owner: 'B', edges: ['C'] }));
  }, 45_000);
});

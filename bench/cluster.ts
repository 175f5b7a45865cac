/**
 * Cluster edge pull (issue 15): 1 origin + 2 edges (OnAir child processes, test/helpers/studio-process.ts) on
 * one redis-server on this machine; one 640x360@30 ffmpeg publisher (1 s GOP) into the origin. The same N players
 * (RTMP and HTTP-FLV, half each, our bench clients — bench/lib/rtmp-play-client.ts, http-flv-client.ts) are run
 * side by side:
 *   - "origin direct": every player on the origin (the peer measured beside the edges: no cluster);
 *   - "via 2 edges":  N/5 and then N players spread over the two edges (each edge pulls once from the origin);
 *     then N again, RTMP players only (like with like for the peer below);
 *   - "via 2 nginx-rtmp edges": the peer edge, nginx with the RTMP module (test/helpers/nginx-rtmp.ts, our own
 *     processes, `pull rtmp://<origin>/live live=1;`): two nginx edges pulling from the same origin, the same N
 *     players spread over them, RTMP only (nginx-rtmp serves no HTTP-FLV; that is the nginx-http-flv fork).
 * Per phase: origin egress (bytes/s out of the origin, its subscribers of the stream — must stay 2 on the edges),
 * CPU % of one core per node over the window (the nginx processes' from /proc like ours; `master_process off`: one
 * process each), first-keyframe time p50/p95 (and the cold player that starts an
 * edge's pull), inter-frame jitter p95 (arrival - timestamp, less each player's minimum). Then the hop delay an edge
 * adds: the same video payloads seen by a player on the origin and one on an edge (ours, then nginx's).
 * Targets: origin egress independent of the player count; edge first-keyframe p50 ≤ 2× origin's.
 *
 *   node bin/run-ts.mjs bench/cluster.ts [--players 300] [--window 8]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RtmpClient } from '../core/rtmp/client';
import { MSG } from '../core/format/rtmp/rtmp-messages';
import { startNginxRtmp, type NginxRtmp } from '../test/helpers/nginx-rtmp';
import { startRedis, type RedisServer } from '../test/helpers/redis';
import { spawnStudio, type StudioProcess } from '../test/helpers/studio-process';
import { runBench, stopAll, trackChild } from './lib/children';
import { ffmpegPath } from './lib/ffmpeg';
import { HttpFlvClient } from './lib/http-flv-client';
import type { PlayerStats, WindowClock } from './lib/player-stats';
import { cpuSeconds } from './lib/proc-stats';
import { RtmpPlayClient } from './lib/rtmp-play-client';
import { fmt, markdownTable, percentile } from './lib/stats';

const arg = (k: string, d: number): number => {
  const i = process.argv.indexOf(`--${k}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : d;
  return Number.isFinite(v) && v > 0 ? v : d;
};
const N = Math.round(arg('players', 300));
const WINDOW_S = arg('window', 8);
const BATCH = 50;
const APP = 'live';
const NAME = 'bench';
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** Where players go: one of our nodes, or an nginx-rtmp edge (RTMP only). */
interface Target { name: string; pid: () => number; rtmp: { port: number; app: string }; flv: { port: number; path: string } | null }
/** the players' protocols: half RTMP and half HTTP-FLV, or RTMP only */
type Mix = 'rtmp+flv' | 'rtmp';
const PROTOCOL: Record<Mix, string> = { 'rtmp+flv': 'RTMP + HTTP-FLV', rtmp: 'RTMP' };
const ours = (name: string, s: StudioProcess): Target => ({
  name, pid: () => s.pid, rtmp: { port: s.ports.rtmp, app: APP }, flv: { port: s.ports.http, path: `/${APP}/${NAME}.flv` },
});
const nginxEdge = (name: string, n: NginxRtmp): Target => ({ name, pid: () => n.pid(), rtmp: { port: n.rtmpPort, app: n.edgeApp }, flv: null });

interface Row {
  phase: string; players: number; protocol: string; originSubs: number; egressMbps: number;
  /** CPU % of the origin and of the two edge columns (the phase's edges; origin direct: our idle edges) */
  cpuOrigin: number; cpuEdges: number[]; loadCpu: number;
  ttfkP50: number; ttfkP95: number; cold: number; jitterP95: number; noKeyframe: number; ended: number;
  /** the edges the directory lists for the stream during the window */
  edges: string[];
}

async function json<T>(s: StudioProcess, p: string): Promise<T> {
  return (await fetch(s.httpUrl(p))).json() as Promise<T>;
}
const outBytes = async (s: StudioProcess): Promise<number> => (await json<{ net: { outbytes: number } }>(s, '/api/server')).net.outbytes;
async function subscribers(s: StudioProcess): Promise<number> {
  const r = await fetch(s.httpUrl(`/api/streams/${APP}/${NAME}`));
  return r.status === 200 ? ((await r.json()) as { subscribers: unknown[] }).subscribers.length : 0;
}

function player(clock: WindowClock, t: Target, i: number, mix: Mix): PlayerStats {
  const flv = mix === 'rtmp+flv' && i % 2 === 1 ? t.flv : null;
  if (mix === 'rtmp+flv' && i % 2 === 1 && !flv) throw new Error(`${t.name} serves no HTTP-FLV`);
  const p = flv ? new HttpFlvClient(clock, '127.0.0.1', flv.port, flv.path) : new RtmpPlayClient(clock, '127.0.0.1', t.rtmp.port, t.rtmp.app, NAME);
  p.start();
  return p;
}

/** Wait (bounded) until every player has its first keyframe or ended. */
async function keyframes(ps: PlayerStats[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && ps.some((p) => p.firstKeyframeMs === null && !p.ended)) await sleep(5);
}

/** N players over `targets` (round robin); CPU of the origin and of the two `edges` (the table's edge columns). */
async function phase(label: string, mix: Mix, origin: Target & { s: StudioProcess }, targets: Target[], n: number, edges: Target[]): Promise<Row> {
  const clock: WindowClock = { recording: false };
  const players: PlayerStats[] = [];
  // one cold player per target first: on an edge it starts the pull (the edge's worst case)
  const cold = targets.map((t, i) => player(clock, t, i * 2, mix));
  players.push(...cold);
  await keyframes(cold, 10_000);
  for (let k = cold.length, b = 0; k < n; b++) {
    // each batch joins at another point of the 1 s GOP: a server without a GOP cache (nginx-rtmp) makes a player
    // wait for the next keyframe, and batches started right after the previous one's keyframe would all wait ~1 s
    await sleep((b * 383) % 1000);
    const batch: PlayerStats[] = [];
    for (let j = 0; j < BATCH && k < n; j++, k++) batch.push(player(clock, targets[k % targets.length], k, mix));
    players.push(...batch);
    await keyframes(batch, 8000);
  }
  await sleep(1000);
  const pids = [origin, ...edges].map((x) => x.pid());
  const c0 = pids.map((p) => cpuSeconds(p) ?? 0);
  const l0 = process.cpuUsage();
  const o0 = await outBytes(origin.s);
  const t0 = performance.now();
  clock.recording = true;
  await sleep(WINDOW_S * 1000);
  clock.recording = false;
  const secs = (performance.now() - t0) / 1000;
  const o1 = await outBytes(origin.s);
  const c1 = pids.map((p) => cpuSeconds(p) ?? 0);
  const l1 = process.cpuUsage(l0);
  const originSubs = await subscribers(origin.s);
  const listed = (await json<{ streams: { path: string; edges: string[] }[] }>(origin.s, '/api/cluster')).streams.find((x) => x.path === `/${APP}/${NAME}`);
  const ttfk = players.flatMap((p) => (p.firstKeyframeMs === null ? [] : [p.firstKeyframeMs]));
  const lateness: number[] = [];
  for (const p of players) {
    const min = Math.min(...p.deltas);
    for (const d of p.deltas) lateness.push(d - min);
  }
  const row: Row = {
    phase: label, players: n, protocol: PROTOCOL[mix], originSubs, egressMbps: ((o1 - o0) * 8) / secs / 1e6,
    cpuOrigin: ((c1[0] - c0[0]) / secs) * 100, cpuEdges: pids.slice(1).map((_, i) => ((c1[i + 1] - c0[i + 1]) / secs) * 100),
    loadCpu: ((l1.user + l1.system) / 1e6 / secs) * 100,
    ttfkP50: percentile(ttfk, 50), ttfkP95: percentile(ttfk, 95), cold: Math.max(...cold.map((p) => p.firstKeyframeMs ?? Number.NaN)),
    jitterP95: percentile(lateness, 95), noKeyframe: players.length - ttfk.length, ended: players.filter((p) => p.ended).length,
    edges: listed?.edges ?? [],
  };
  for (const p of players) p.close();
  log(`  ${label} (${PROTOCOL[mix]}): ${n} players (${edges.map((e) => e.name).join(', ')}), origin subscribers ${originSubs}, egress ${fmt(row.egressMbps)} Mbit/s`);
  return row;
}

/** The same video payloads at a player on the origin and one on an edge: how much later the edge's arrive. */
async function hopDelay(origin: Target, edge: Target, seconds: number): Promise<number[]> {
  const seen = [new Map<string, number>(), new Map<string, number>()];
  const clients = await Promise.all([origin, edge].map(async (t, i) => {
    const c = await RtmpClient.connect(`rtmp://127.0.0.1:${t.rtmp.port}/${t.rtmp.app}`);
    c.on('media', (m) => {
      if (m.type !== MSG.VIDEO || m.payload.length < 64) return;
      const k = createHash('sha1').update(m.payload).digest('hex');
      if (!seen[i].has(k)) seen[i].set(k, performance.now());
    });
    await c.play(NAME);
    return c;
  }));
  await sleep(seconds * 1000);
  for (const c of clients) c.destroy();
  const out: number[] = [];
  for (const [k, at] of seen[1]) {
    const o = seen[0].get(k);
    if (o !== undefined) out.push(at - o);
  }
  return out;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  log(`bench/cluster: ${N} players, window ${WINDOW_S} s, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores`);
  const redis: RedisServer = await startRedis();
  const nginx: NginxRtmp[] = [];
  // a signal ends the bench through process.exit: no nginx of ours outlives it (pid() is 0 once stopped)
  const killNginx = (): void => {
    for (const n of nginx) {
      const pid = n.pid();
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', killNginx);
  try {
    const start = (id: string): Promise<StudioProcess> => spawnStudio({
      data_dir: mkdtempSync(path.join(os.tmpdir(), `onair-bench-cluster-${id}-`)), auth: { api: false },
      // every player comes from 127.0.0.1: lift the per-address caps (64 RTMP / 512 HTTP by default)
      limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
      cluster: { redis: redis.url, node_id: id, heartbeat_ms: 1000, ttl_ms: 3000, edge_idle_ms: 500 },
    });
    const [o, e1, e2] = await Promise.all([start('origin'), start('edge1'), start('edge2')]);
    for (const s of [o, e1, e2]) trackChild(s.child);
    // the peer: two nginx-rtmp edges pulling from the same origin (room for every player of a phase on one)
    for (let i = 0; i < 2; i++) nginx.push(await startNginxRtmp({ pull: { originPort: o.ports.rtmp, originApp: APP }, workerConnections: N + 64 }));
    const origin = { ...ours('origin', o), s: o };
    const edges = [ours('edge1', e1), ours('edge2', e2)];
    const nginxEdges = nginx.map((n, i) => nginxEdge(`nginx${i + 1}`, n));
    trackChild(spawn(ffmpegPath(), [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-b:v', '1000k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000',
      '-f', 'flv', `rtmp://127.0.0.1:${o.ports.rtmp}/${APP}/${NAME}`,
    ], { stdio: 'ignore' }));
    await until(async () => (await json<{ streams: { path: string }[] }>(e1, '/api/cluster')).streams.some((x) => x.path === `/${APP}/${NAME}`), 'the origin owns the stream');
    await sleep(1500);
    // the pulls (ours: edge_idle_ms after the last player; nginx's: at once) drop before the next phase starts them again
    const drained = (what: string): Promise<void> => until(async () => (await subscribers(o)) === 0, what, 10_000);
    const rows: Row[] = [];
    rows.push(await phase('origin direct', 'rtmp+flv', origin, [origin], N, edges));
    await drained('origin players gone');
    for (const n of [Math.max(2, Math.round(N / 5)), N]) {
      rows.push(await phase('via 2 edges', 'rtmp+flv', origin, edges, n, edges));
      await drained('edge pulls dropped');
    }
    rows.push(await phase('via 2 edges', 'rtmp', origin, edges, N, edges));
    await drained('edge pulls dropped');
    rows.push(await phase('via 2 nginx-rtmp edges', 'rtmp', origin, nginxEdges, N, nginxEdges));
    await drained('nginx pulls dropped');
    // hop delay: one player on the origin, one on edge1 (which pulls for it); the same on nginx1
    const hopS = Math.min(5, WINDOW_S);
    const hop = await hopDelay(origin, edges[0], hopS);
    await drained('edge pull dropped');
    const hopNginx = await hopDelay(origin, nginxEdges[0], hopS);

    log('');
    log('edge columns: the phase\'s two edges (ours: edge1, edge2; the peer: nginx1, nginx2); origin direct: our idle edges');
    const head = ['phase', 'protocol', 'players', 'origin subs', 'origin egress Mbit/s', 'CPU % origin', 'CPU % edge 1', 'CPU % edge 2', 'bench CPU %', '1st key p50 ms', '1st key p95 ms', 'cold 1st key ms', 'jitter p95 ms', 'no keyframe', 'ended early', 'edges in directory'];
    log(markdownTable(head, rows.map((r) => [
      r.phase, r.protocol, String(r.players), String(r.originSubs), fmt(r.egressMbps), fmt(r.cpuOrigin), fmt(r.cpuEdges[0]), fmt(r.cpuEdges[1]), fmt(r.loadCpu),
      fmt(r.ttfkP50), fmt(r.ttfkP95), fmt(r.cold), fmt(r.jitterP95), String(r.noKeyframe), String(r.ended), r.edges.join(' ') || '—',
    ])));
    log('');
    log(`edge hop delay (same payload, origin player vs edge player, RTMP): ours (edge1, ${hop.length} frames) p50 ${fmt(percentile(hop, 50))} ms, p95 ${fmt(percentile(hop, 95))} ms; nginx-rtmp (nginx1, ${hopNginx.length} frames) p50 ${fmt(percentile(hopNginx, 50))} ms, p95 ${fmt(percentile(hopNginx, 95))} ms`);
    const [direct, small, full, rtmpOurs, rtmpNginx] = rows;
    const indep = small.originSubs === 2 && full.originSubs === 2 && full.egressMbps <= small.egressMbps * 1.25 + 0.2;
    log('');
    log(`- origin egress independent of player count: ${small.players} → ${full.players} players via edges: ${small.originSubs} → ${full.originSubs} origin subscribers, ${fmt(small.egressMbps)} → ${fmt(full.egressMbps)} Mbit/s (direct: ${fmt(direct.egressMbps)} Mbit/s) → ${indep ? 'PASS' : 'FAIL'}`);
    const ratio = full.ttfkP50 / direct.ttfkP50;
    log(`- edge first-keyframe p50 ≤ 2× origin's: ${fmt(full.ttfkP50)} ms vs ${fmt(direct.ttfkP50)} ms = ${fmt(ratio, 2)}× → ${ratio <= 2 ? 'PASS' : 'FAIL'}`);
    const edgeCpu = (r: Row): number => r.cpuEdges[0] + r.cpuEdges[1];
    log(`- peer, ${N} RTMP players via 2 edges, ours vs nginx-rtmp: origin subscribers ${rtmpOurs.originSubs} vs ${rtmpNginx.originSubs}, egress ${fmt(rtmpOurs.egressMbps)} vs ${fmt(rtmpNginx.egressMbps)} Mbit/s, edge CPU % (both) ${fmt(edgeCpu(rtmpOurs))} vs ${fmt(edgeCpu(rtmpNginx))}, 1st key p50 ${fmt(rtmpOurs.ttfkP50)} vs ${fmt(rtmpNginx.ttfkP50)} ms, p95 ${fmt(rtmpOurs.ttfkP95)} vs ${fmt(rtmpNginx.ttfkP95)} ms, jitter p95 ${fmt(rtmpOurs.jitterP95)} vs ${fmt(rtmpNginx.jitterP95)} ms`);
    log(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    await stopAll(); // the nodes first: a clean stop releases their keys while Redis is still there
    await Promise.all(nginx.map((n) => n.stop()));
    await redis.stop();
  }
}

runBench('bench/cluster', main, log);

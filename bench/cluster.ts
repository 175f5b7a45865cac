/**
 * Cluster edge pull (issue 15): 1 origin + 2 edges (OnAir child processes, test/helpers/studio-process.ts) on
 * one redis-server on this machine; one 640x360@30 ffmpeg publisher (1 s GOP) into the origin. The same N players
 * (RTMP and HTTP-FLV, half each, our bench clients — bench/lib/rtmp-play-client.ts, http-flv-client.ts) are run
 * side by side:
 *   - "origin direct": every player on the origin (the peer measured beside the edges: no cluster);
 *   - "via 2 edges":  N/5 and then N players spread over the two edges (each edge pulls once from the origin).
 * Per phase: origin egress (bytes/s out of the origin, its subscribers of the stream — must stay 2 on the edges),
 * CPU % of one core per node over the window, first-keyframe time p50/p95 (and the cold player that starts an
 * edge's pull), inter-frame jitter p95 (arrival - timestamp, less each player's minimum). Then the hop delay an edge
 * adds: the same video payloads seen by a player on the origin and one on an edge.
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

interface Node { name: string; s: StudioProcess }
interface Row {
  phase: string; players: number; originSubs: number; egressMbps: number; cpu: Record<string, number>; loadCpu: number;
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

function player(clock: WindowClock, s: StudioProcess, i: number): PlayerStats {
  const p = i % 2 === 0 ? new RtmpPlayClient(clock, '127.0.0.1', s.ports.rtmp, APP, NAME) : new HttpFlvClient(clock, '127.0.0.1', s.ports.http, `/${APP}/${NAME}.flv`);
  p.start();
  return p;
}

/** Wait (bounded) until every player has its first keyframe or ended. */
async function keyframes(ps: PlayerStats[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && ps.some((p) => p.firstKeyframeMs === null && !p.ended)) await sleep(5);
}

async function phase(label: string, origin: Node, targets: Node[], n: number, all: Node[]): Promise<Row> {
  const clock: WindowClock = { recording: false };
  const players: PlayerStats[] = [];
  // one cold player per target first: on an edge it starts the pull (the edge's worst case)
  const cold = targets.map((t, i) => player(clock, t.s, i * 2));
  players.push(...cold);
  await keyframes(cold, 10_000);
  for (let k = cold.length; k < n; ) {
    const batch: PlayerStats[] = [];
    for (let j = 0; j < BATCH && k < n; j++, k++) batch.push(player(clock, targets[k % targets.length].s, k));
    players.push(...batch);
    await keyframes(batch, 8000);
  }
  await sleep(1000);
  const pids = all.map((x) => x.s.pid);
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
    phase: label, players: n, originSubs, egressMbps: ((o1 - o0) * 8) / secs / 1e6,
    cpu: Object.fromEntries(all.map((x, i) => [x.name, ((c1[i] - c0[i]) / secs) * 100])), loadCpu: ((l1.user + l1.system) / 1e6 / secs) * 100,
    ttfkP50: percentile(ttfk, 50), ttfkP95: percentile(ttfk, 95), cold: Math.max(...cold.map((p) => p.firstKeyframeMs ?? Number.NaN)),
    jitterP95: percentile(lateness, 95), noKeyframe: players.length - ttfk.length, ended: players.filter((p) => p.ended).length,
    edges: listed?.edges ?? [],
  };
  for (const p of players) p.close();
  log(`  ${label}: ${n} players, origin subscribers ${originSubs}, egress ${fmt(row.egressMbps)} Mbit/s`);
  return row;
}

/** The same video payloads at a player on the origin and one on an edge: how much later the edge's arrive. */
async function hopDelay(origin: StudioProcess, edge: StudioProcess, seconds: number): Promise<number[]> {
  const seen = [new Map<string, number>(), new Map<string, number>()];
  const clients = await Promise.all([origin, edge].map(async (s, i) => {
    const c = await RtmpClient.connect(`rtmp://127.0.0.1:${s.ports.rtmp}/${APP}`);
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
  try {
    const start = (id: string): Promise<StudioProcess> => spawnStudio({
      data_dir: mkdtempSync(path.join(os.tmpdir(), `onair-bench-cluster-${id}-`)), auth: { api: false },
      // every player comes from 127.0.0.1: lift the per-address caps (64 RTMP / 512 HTTP by default)
      limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
      cluster: { redis: redis.url, node_id: id, heartbeat_ms: 1000, ttl_ms: 3000, edge_idle_ms: 500 },
    });
    const [o, e1, e2] = await Promise.all([start('origin'), start('edge1'), start('edge2')]);
    for (const s of [o, e1, e2]) trackChild(s.child);
    const origin: Node = { name: 'origin', s: o };
    const edges: Node[] = [{ name: 'edge1', s: e1 }, { name: 'edge2', s: e2 }];
    const all = [origin, ...edges];
    trackChild(spawn(ffmpegPath(), [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-b:v', '1000k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000',
      '-f', 'flv', `rtmp://127.0.0.1:${o.ports.rtmp}/${APP}/${NAME}`,
    ], { stdio: 'ignore' }));
    await until(async () => (await json<{ streams: { path: string }[] }>(e1, '/api/cluster')).streams.some((x) => x.path === `/${APP}/${NAME}`), 'the origin owns the stream');
    await sleep(1500);
    const rows: Row[] = [];
    rows.push(await phase('origin direct', origin, [origin], N, all));
    await until(async () => (await subscribers(o)) === 0, 'origin players gone', 10_000);
    for (const n of [Math.max(2, Math.round(N / 5)), N]) {
      rows.push(await phase('via 2 edges', origin, edges, n, all));
      // the pulls drop edge_idle_ms after the last player: the next phase's first players start them again
      await until(async () => (await subscribers(o)) === 0, 'edge pulls dropped', 10_000);
    }
    // hop delay: one player on the origin, one on edge1 (which pulls for it)
    const hop = await hopDelay(o, e1, Math.min(6, WINDOW_S));

    log('');
    const head = ['phase', 'players', 'origin subs', 'origin egress Mbit/s', 'CPU % origin', 'CPU % edge1', 'CPU % edge2', 'bench CPU %', '1st key p50 ms', '1st key p95 ms', 'cold 1st key ms', 'jitter p95 ms', 'no keyframe', 'ended early', 'edges in directory'];
    log(markdownTable(head, rows.map((r) => [
      r.phase, String(r.players), String(r.originSubs), fmt(r.egressMbps), fmt(r.cpu.origin), fmt(r.cpu.edge1), fmt(r.cpu.edge2), fmt(r.loadCpu),
      fmt(r.ttfkP50), fmt(r.ttfkP95), fmt(r.cold), fmt(r.jitterP95), String(r.noKeyframe), String(r.ended), r.edges.join(' ') || '—',
    ])));
    log('');
    log(`edge hop delay (same payload, origin player vs edge1 player, ${hop.length} frames): p50 ${fmt(percentile(hop, 50))} ms, p95 ${fmt(percentile(hop, 95))} ms`);
    const direct = rows[0];
    const [small, full] = rows.slice(1);
    const indep = small.originSubs === 2 && full.originSubs === 2 && full.egressMbps <= small.egressMbps * 1.25 + 0.2;
    log('');
    log(`- origin egress independent of player count: ${small.players} → ${full.players} players via edges: ${small.originSubs} → ${full.originSubs} origin subscribers, ${fmt(small.egressMbps)} → ${fmt(full.egressMbps)} Mbit/s (direct: ${fmt(direct.egressMbps)} Mbit/s) → ${indep ? 'PASS' : 'FAIL'}`);
    const ratio = full.ttfkP50 / direct.ttfkP50;
    log(`- edge first-keyframe p50 ≤ 2× origin's: ${fmt(full.ttfkP50)} ms vs ${fmt(direct.ttfkP50)} ms = ${fmt(ratio, 2)}× → ${ratio <= 2 ? 'PASS' : 'FAIL'}`);
    log(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    await stopAll(); // the nodes first: a clean stop releases their keys while Redis is still there
    await redis.stop();
  }
}

runBench('bench/cluster', main, log);

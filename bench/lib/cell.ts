/** One benchmark cell: a fresh server process, a looping publisher and N players for the window. */
import type { ChildProcess } from 'node:child_process';
import { startServer, stopChild, WorkerChild, type ServerChild } from './children';
import type { PlayProtocol, ServerKind } from './env';
import { startPublisher } from './ffmpeg';
import { HostMeter, ProcMeter } from './proc-stats';
import type { LoadResult } from './protocol';
import { mean, percentile } from './stats';

export interface CellSpec {
  server: ServerKind;
  protocol: PlayProtocol;
  players: number;
  seconds: number;
  batch: number;
  workers: number;
  fixture: string;
  onairRunner: 'bundle' | 'tsx';
  /** OnAir's rtmp.flush_ms (0 for NMS) */
  flushMs: number;
}

export interface CellResult extends CellSpec {
  cpuPct: number;
  /** the server's write syscalls per second per player */
  writesPerPlayer: number;
  loadCpuPct: number;
  /** whole machine busy during the window, % of all cores (other work on the box shows up here) */
  hostBusyPct: number;
  rssPeakMb: number;
  rssAvgMb: number;
  ttfkP50: number;
  ttfkP95: number;
  /** first keyframe of players joining one at a time after the window, the N others still playing */
  joinP50: number;
  jitterP95: number;
  framesAvg: number;
  noKeyframe: number;
  closedEarly: number;
  connectMs: number;
  notes: string[];
}

const HOST = '127.0.0.1';
const APP = 'live';
const NAME = 'bench';
const PUBLISHER_WARMUP_MS = 3000;
const SETTLE_MS = 1000;
const BATCH_TIMEOUT_MS = 5000;
const PROBE_JOINS = 9;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0)).filter((n) => n > 0);
}

function merge(results: LoadResult[]): LoadResult {
  const cat = (pick: (r: LoadResult) => Float64Array): Float64Array => {
    const out = new Float64Array(results.reduce((s, r) => s + pick(r).length, 0));
    let k = 0;
    for (const r of results) {
      out.set(pick(r), k);
      k += pick(r).length;
    }
    return out;
  };
  return {
    ttfkMs: cat((r) => r.ttfkMs),
    framesPerPlayer: cat((r) => r.framesPerPlayer),
    lateness: cat((r) => r.lateness),
    noKeyframe: results.reduce((s, r) => s + r.noKeyframe, 0),
    closedEarly: results.reduce((s, r) => s + r.closedEarly, 0),
    reasons: [...new Set(results.flatMap((r) => r.reasons))],
  };
}

/** A cell that could not be measured: every number NaN (printed as —), the error as a note. */
export function failedCell(spec: CellSpec, e: unknown): CellResult {
  const nan = Number.NaN;
  return {
    ...spec, cpuPct: nan, writesPerPlayer: nan, loadCpuPct: nan, hostBusyPct: nan, rssPeakMb: nan, rssAvgMb: nan, ttfkP50: nan, ttfkP95: nan, joinP50: nan,
    jitterP95: nan, framesAvg: nan, noKeyframe: spec.players, closedEarly: 0, connectMs: nan, notes: [`FAILED: ${(e as Error).message}`],
  };
}

export async function runCell(spec: CellSpec): Promise<CellResult> {
  let server: ServerChild | null = null;
  let publisher: ChildProcess | null = null;
  const workers: WorkerChild[] = [];
  try {
    server = await startServer(spec.server, spec.onairRunner, spec.flushMs);
    const serverMeter = new ProcMeter(server.pid);
    publisher = await startPublisher(spec.fixture, `rtmp://${HOST}:${server.rtmp}/${APP}/${NAME}`);
    await sleep(PUBLISHER_WARMUP_MS);

    const port = spec.protocol === 'rtmp' ? server.rtmp : server.http;
    const split = shares(spec.players, spec.workers);
    for (let i = 0; i < split.length; i++) workers.push(new WorkerChild());
    const loadMeters = workers.map((w) => new ProcMeter(w.pid));
    serverMeter.watch();
    const connectTimeout = Math.ceil(spec.players / spec.batch) * (BATCH_TIMEOUT_MS + 2000) + 15_000;
    const connected = workers.map((w) => w.next('connected', connectTimeout));
    workers.forEach((w, i) =>
      w.send({
        type: 'start', protocol: spec.protocol, host: HOST, port,
        app: APP, name: NAME, count: split[i], batch: Math.max(1, Math.round(spec.batch / split.length)), batchTimeoutMs: BATCH_TIMEOUT_MS,
      }),
    );
    const conn = await Promise.all(connected);
    await sleep(SETTLE_MS);

    const host = new HostMeter();
    serverMeter.start();
    loadMeters.forEach((m) => m.start());
    const pending = workers.map((w) => w.next('result', spec.seconds * 1000 + 30_000));
    workers.forEach((w) => w.send({ type: 'window-start' }));
    await sleep(spec.seconds * 1000);
    workers.forEach((w) => w.send({ type: 'window-stop' }));
    const srv = serverMeter.stop();
    const load = loadMeters.map((m) => m.stop());
    const hostBusyPct = host.stop();
    const r = merge(await Promise.all(pending));
    const probed = workers[0].next('probed', PROBE_JOINS * 3000 + 10_000);
    workers[0].send({ type: 'probe', count: PROBE_JOINS, timeoutMs: 2000 });
    const joins = await probed;

    const notes: string[] = [];
    if (publisher.exitCode !== null || publisher.signalCode !== null) notes.push('publisher died during the run');
    if (joins.failed > 0) notes.push(`${joins.failed} of ${PROBE_JOINS} late joiners got no keyframe in 2 s`);
    if (r.reasons.length > 0) notes.push(`ended early: ${r.reasons.join('; ')}`);
    return {
      ...spec,
      cpuPct: srv.cpuPct,
      writesPerPlayer: srv.writesPerSec / spec.players,
      loadCpuPct: load.reduce((s, l) => s + l.cpuPct, 0),
      hostBusyPct,
      rssPeakMb: srv.rssPeakMb,
      rssAvgMb: srv.rssAvgMb,
      ttfkP50: percentile(r.ttfkMs, 50),
      ttfkP95: percentile(r.ttfkMs, 95),
      joinP50: percentile(joins.ttfkMs, 50),
      jitterP95: percentile(r.lateness, 95),
      framesAvg: mean(r.framesPerPlayer),
      noKeyframe: r.noKeyframe,
      closedEarly: r.closedEarly,
      connectMs: Math.max(...conn.map((c) => c.elapsedMs)),
      notes,
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    if (publisher) await stopChild(publisher);
    if (server) await stopChild(server.proc);
  }
}

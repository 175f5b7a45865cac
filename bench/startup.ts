/**
 * Startup and idle: `onair serve` (the compiled runtime, as `npx onair serve` runs it) versus
 * node-media-server@2.7.4, one after the other, RUNS times each:
 *   ready    — ms from spawn() until BOTH the RTMP and the HTTP port accept a TCP connection (polled every 5 ms)
 *   idle RSS — VmRSS of the server process 5 s after ready, nothing connected (also RssAnon / RssFile)
 * Every OnAir run gets a fresh data folder (first start: database created, API token made).
 * Targets (issue 10): idle RSS ≤ 1.0× NMS, ready < 1 s.
 *
 * npm run bench:startup   (env: STARTUP_RUNS=3, STARTUP_IDLE_MS=5000)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runBench, stopChild, trackChild } from './lib/children';
import { fmt, markdownTable } from './lib/stats';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = Math.max(1, Number(process.env.STARTUP_RUNS ?? 3));
const IDLE_MS = Math.max(0, Number(process.env.STARTUP_IDLE_MS ?? 5000));
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Kind = 'onair' | 'nms';
interface Sample {
  kind: Kind;
  run: number;
  readyMs: number;
  rss: number;
  anon: number;
  file: number;
  threads: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** /proc/<pid>/status fields in MB (VmRSS, RssAnon, RssFile) and the thread count. */
function status(pid: number): { rss: number; anon: number; file: number; threads: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? NaN) };
}

function launch(kind: Kind, rtmp: number, http: number, dataDir: string): ChildProcess {
  const args = kind === 'onair'
    ? [path.join(ROOT, 'bin/onair.mjs'), 'serve', '--host', '127.0.0.1', '--rtmp-port', String(rtmp), '--http-port', String(http)]
    : [path.join(ROOT, 'bench/lib/nms-fixed.cjs'), String(rtmp), String(http)];
  return trackChild(spawn(process.execPath, args, { cwd: os.tmpdir(), env: { ...process.env, ONAIR_DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] }));
}

async function measure(kind: Kind, run: number): Promise<Sample> {
  const [rtmp, http] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-startup-'));
  let stderr = '';
  const t0 = performance.now();
  const child = launch(kind, rtmp, http, dataDir);
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const up = { rtmp: false, http: false };
    while (!(up.rtmp && up.http)) {
      if (child.exitCode !== null) throw new Error(`${kind} exited ${child.exitCode} during start: ${stderr.trim()}`);
      if (performance.now() - t0 > 15_000) throw new Error(`${kind} did not listen within 15 s: ${stderr.trim()}`);
      if (!up.rtmp) up.rtmp = await accepts(rtmp);
      if (!up.http) up.http = await accepts(http);
      if (!(up.rtmp && up.http)) await sleep(5);
    }
    const readyMs = performance.now() - t0;
    await sleep(IDLE_MS);
    return { kind, run, readyMs, ...status(child.pid!) };
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  // the runtime is compiled before the clock starts (bin/onair.mjs would otherwise build it on the first run)
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-core.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('scripts/build-core.mjs failed');
  log(`startup bench: ${RUNS} run(s) each, idle RSS ${IDLE_MS} ms after ready, node ${process.version}, ${os.cpus().length} CPUs`);
  const samples: Sample[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const kind of ['onair', 'nms'] as const) {
      const s = await measure(kind, run);
      log(`  ${kind} run ${run}: ready ${fmt(s.readyMs, 0)} ms, idle RSS ${fmt(s.rss)} MB`);
      samples.push(s);
    }
  }
  const rows = samples.map((s) => [s.kind === 'onair' ? 'onair serve (compiled)' : 'node-media-server 2.7.4', String(s.run), fmt(s.readyMs, 0), fmt(s.rss), fmt(s.anon), fmt(s.file), String(s.threads)]);
  const out = [markdownTable(['server', 'run', 'ready ms', 'idle RSS MB', 'RssAnon MB', 'RssFile MB', 'threads'], rows), ''];
  const med = (k: Kind, f: (s: Sample) => number): number => median(samples.filter((s) => s.kind === k).map(f));
  const [oRss, nRss, oReady, nReady] = [med('onair', (s) => s.rss), med('nms', (s) => s.rss), med('onair', (s) => s.readyMs), med('nms', (s) => s.readyMs)];
  out.push(markdownTable(['median', 'onair serve', 'NMS 2.7.4', 'onair / NMS'], [
    ['ready ms', fmt(oReady, 0), fmt(nReady, 0), `${fmt(oReady / nReady, 2)}×`],
    ['idle RSS MB', fmt(oRss), fmt(nRss), `${fmt(oRss / nRss, 2)}×`],
  ]));
  out.push('', `- idle RSS ≤ 1.0× NMS: ${fmt(oRss / nRss, 2)}× → ${oRss <= nRss ? 'PASS' : 'FAIL'}`, `- ready < 1 s: ${fmt(oReady, 0)} ms → ${oReady < 1000 ? 'PASS' : 'FAIL'}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

runBench('startup bench', main, log);

/** Child processes of the benchmark: servers, load workers, ffmpeg. Every one is tracked and torn down. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ServerKind } from './env';
import { onairServerArgs } from './onair-build';
import type { FromWorker, ToWorker } from './protocol';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const live = new Set<ChildProcess>();

function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.on('exit', () => live.delete(p));
  return p;
}

export function trackChild(p: ChildProcess): ChildProcess {
  return track(p);
}

function exited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}

/** SIGTERM (and close stdin), then SIGKILL after graceMs. Resolves when the process is gone. */
export function stopChild(p: ChildProcess, graceMs = 3000): Promise<void> {
  if (exited(p)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.stdin?.end();
    p.kill('SIGTERM');
  });
}

/** Synchronous last resort (process 'exit' handler): SIGKILL everything still running. */
export function killAllNow(): void {
  for (const p of live) if (!exited(p)) p.kill('SIGKILL');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopChild(p)));
}

/**
 * Runs a benchmark's main(): every child is torn down when it ends, when it fails (`name failed: …`, exit
 * code 1) and on SIGINT/SIGTERM (exit code 130); SIGKILL for whatever is left when the process exits.
 */
export function runBench(name: string, main: () => Promise<void>, log: (s: string) => void): void {
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`\n${sig}: tearing down`);
      stopAll().finally(() => process.exit(130));
    });
  }
  main()
    .then(() => stopAll())
    .catch(async (e: unknown) => {
      log(`${name} failed: ${(e as Error).stack ?? String(e)}`);
      await stopAll();
      process.exitCode = 1;
    });
}

export interface ServerChild {
  proc: ChildProcess;
  pid: number;
  rtmp: number;
  http: number;
}

/**
 * Waits (15 s at most) for a server child's {"rtmp","http"} line on stdout, then keeps draining stdout.
 * Fails when the child exits first; stops it when the line reports an error (or it never comes).
 */
export function serverPorts(p: ChildProcess, kind: string): Promise<{ pid: number; rtmp: number; http: number }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      void stopChild(p);
      reject(new Error(`${kind} server did not report its ports within 15 s`));
    }, 15_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited ${code} during start`));
    };
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      p.stdout?.off('data', onData);
      p.stdout?.resume();
      p.off('exit', onExit);
      const msg = JSON.parse(buf.slice(0, nl)) as { rtmp?: number; http?: number; error?: string };
      if (msg.error || !msg.rtmp || !msg.http || !p.pid) {
        void stopChild(p);
        reject(new Error(`${kind} server failed to start: ${msg.error ?? buf}`));
        return;
      }
      resolve({ pid: p.pid, rtmp: msg.rtmp, http: msg.http });
    };
    p.stdout?.on('data', onData);
    p.on('exit', onExit);
  });
}

/** Start a server in its own process and wait for its {"rtmp","http"} line (15 s at most). */
export async function startServer(kind: ServerKind, onairRunner: 'bundle' | 'tsx' = 'bundle', flushMs = 0): Promise<ServerChild> {
  const args = kind === 'onair' ? onairServerArgs(onairRunner) : [path.join(ROOT, 'bench/lib/nms-server.cjs')];
  // FANOUT_CPU_PROF=<dir>: V8 CPU profile of the server child (written when it exits on SIGTERM)
  const prof = process.env.FANOUT_CPU_PROF;
  if (prof) args.unshift('--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`);
  const env = { ...process.env, FANOUT_ONAIR_FLUSH_MS: String(flushMs) };
  const p = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] }));
  return { proc: p, ...(await serverPorts(p, kind)) };
}

export class WorkerChild {
  readonly proc: ChildProcess;
  private waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];

  constructor() {
    this.proc = track(fork(path.join(ROOT, 'bin/run-ts.mjs'), [path.join(ROOT, 'bench/lib/load-worker.ts')], { cwd: ROOT, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.proc.on('message', (raw) => {
      const m = raw as FromWorker;
      if (m.type === 'error') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
    this.proc.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker exited ${code}`));
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  send(m: ToWorker): void {
    if (this.proc.connected) this.proc.send(m);
  }

  /** Wait for the next message of this type (bounded). */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromWorker, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Ask the worker to close its players and exit; SIGTERM/SIGKILL if it does not within 1.5 s. */
  async close(): Promise<void> {
    const p = this.proc;
    if (exited(p)) return;
    const gone = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 1500);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.send({ type: 'close' });
    if (!(await gone)) await stopChild(p, 2000);
  }
}

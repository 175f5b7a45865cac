/**
 * A real redis-server (Debian's /usr/bin/redis-server, installed by .ci/run) run as OUR OWN process for a test:
 * a free port on 127.0.0.1, no persistence (`--save '' --appendonly no`), its own temp dir, one pid. `restart()`
 * stops it and starts it again on the same port (an outage with its data gone, like a Redis crash without
 * persistence); `pause()`/`resume()` (SIGSTOP/SIGCONT) make it hang instead.
 *
 *   const r = await startRedis();   // r.url = redis://127.0.0.1:<port>
 *   ...
 *   await r.stop();
 *
 * A missing binary fails loudly (CI must have it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort } from './net';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  port: number;
  url: string;
  pid(): number | undefined;
  /** stop (SIGTERM, then SIGKILL after 3 s) and start again on the same port; the data is gone */
  restart(downMs?: number): Promise<void>;
  /** kill -9, no restart */
  kill(): void;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`missing test tool: ${REDIS_SERVER} (apt-get install redis-server)`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-redis-'));
  let child: ChildProcess | null = null;
  let log = '';
  const start = async (): Promise<void> => {
    log = '';
    const c = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    c.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child = c;
    try {
      await waitFor(async () => c.exitCode === null && (await canConnect(port)), 10_000, `redis-server on ${port}`);
    } catch (e) {
      c.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${log}`, { cause: e });
    }
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid,
    async restart(downMs = 0) {
      await halt();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    kill() {
      child?.kill('SIGKILL');
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

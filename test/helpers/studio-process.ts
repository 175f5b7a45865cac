import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ListenInfo } from '../../core/studio';
import { waitFor } from './studio';

const root = path.resolve(import.meta.dirname, '../..');

export interface StudioProcess {
  child: ChildProcess;
  pid: number;
  ports: ListenInfo;
  rtmpUrl: (p: string) => string;
  httpUrl: (p: string) => string;
  /** what the child printed (stdout + stderr), for failure messages */
  output: () => string;
  /** SIGKILL the studio process (not its children) and wait until it is gone */
  kill9: () => Promise<void>;
}

/** Start a studio in a child process (like `onair serve`), on 127.0.0.1 with ephemeral ports. */
export async function spawnStudio(config: Record<string, unknown>): Promise<StudioProcess> {
  const cfg = { host: '127.0.0.1', log_level: process.env.ONAIR_TEST_LOG ? 'debug' : 'warn', ...config, rtmp: { port: 0, ...(config.rtmp as object) }, http: { port: 0, ...(config.http as object) } };
  const child = spawn(process.execPath, [path.join(root, 'bin/run-ts.mjs'), path.join(root, 'test/helpers/studio-child.ts')], {
    cwd: root,
    env: { ...process.env, ONAIR_CHILD_CONFIG: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const line = await waitFor(() => {
    if (gone) throw new Error(`the studio process exited before it was ready:\n${out}`);
    return /^READY (.+)$/m.exec(out)?.[1];
  }, 'the studio process to listen', 30_000);
  const ports = JSON.parse(line) as ListenInfo;
  return {
    child,
    pid: child.pid ?? -1,
    ports,
    rtmpUrl: (p) => `rtmp://127.0.0.1:${ports.rtmp}${p}`,
    httpUrl: (p) => `http://127.0.0.1:${ports.http}${p}`,
    output: () => out,
    kill9: async () => {
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Server children for the HLS-cost and latency benchmarks: OnAir (bench/lib/onair-hls-server.ts, bundled
 * once with esbuild and run on plain node so the tsx loader's ~30 MB is not billed to the server) and
 * node-media-server@2.7.4 with its ffmpeg HLS task (bench/lib/nms-hls-server.cjs).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { stopChild, trackChild } from './children';
import { ffmpegPath } from './ffmpeg';
import { commOf, processTree } from './proc-tree';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface EsbuildLike {
  buildSync(opts: Record<string, unknown>): unknown;
}

let bundled: string | null = null;

/** Bundle onair-hls-server.ts to <tmp>/onair-bench/build-<hash>/ (outside the repo) next to a node_modules link. */
function onairBundle(): string {
  if (bundled) return bundled;
  const req = createRequire(createRequire(import.meta.url).resolve('tsx'));
  const esbuild = req('esbuild') as EsbuildLike;
  const tag = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  const outDir = path.join(process.env.FANOUT_CACHE ?? path.join(os.tmpdir(), 'onair-bench'), `build-${tag}`);
  mkdirSync(outDir, { recursive: true });
  const link = path.join(outDir, 'node_modules');
  const target = path.join(ROOT, 'node_modules');
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {}
  if (current !== target) {
    if (current !== null) rmSync(link, { force: true });
    symlinkSync(target, link, 'dir');
  }
  const outfile = path.join(outDir, 'onair-hls-server.mjs');
  esbuild.buildSync({ entryPoints: [path.join(ROOT, 'bench/lib/onair-hls-server.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
  bundled = outfile;
  return outfile;
}

export interface BenchServer {
  kind: 'onair' | 'nms';
  pid: number;
  rtmp: number;
  http: number;
  /** rtmp://127.0.0.1:port/live/KEY */
  rtmpUrl(key: string): string;
  /** the server's standard HLS playlist of a stream */
  hlsUrl(key: string): string;
  stop(): Promise<void>;
}

export interface OnairOptions {
  hls?: Record<string, unknown>;
  panelDir?: string;
}

/** Start a server child and wait (15 s at most) for its {"rtmp","http"} line. */
export async function startBenchServer(kind: 'onair' | 'nms', opts: OnairOptions = {}): Promise<BenchServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `onair-bench-${kind}-`));
  const args =
    kind === 'onair'
      ? [onairBundle(), JSON.stringify({ dataDir: scratch, panelDir: opts.panelDir, hls: opts.hls })]
      : [path.join(ROOT, 'bench/lib/nms-hls-server.cjs'), JSON.stringify({ mediaroot: scratch, ffmpeg: ffmpegPath() })];
  const p = trackChild(spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const ports = await new Promise<{ rtmp: number; http: number }>((resolve, reject) => {
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
      if (msg.error || !msg.rtmp || !msg.http) {
        void stopChild(p);
        reject(new Error(`${kind} server failed to start: ${msg.error ?? buf}`));
        return;
      }
      resolve({ rtmp: msg.rtmp, http: msg.http });
    };
    p.stdout?.on('data', onData);
    p.on('exit', onExit);
  });
  const pid = p.pid ?? -1;
  return {
    kind,
    pid,
    ...ports,
    rtmpUrl: (key) => `rtmp://127.0.0.1:${ports.rtmp}/live/${key}`,
    hlsUrl: (key) => `http://127.0.0.1:${ports.http}/live/${key}/index.m3u8`,
    async stop() {
      // the ffmpeg children NMS spawned: killed by pid if they outlive their parent
      const kids = processTree(pid).slice(1);
      await stopChild(p, 3000);
      for (const k of kids) {
        if (commOf(k.pid) !== k.comm) continue; // gone (or the pid was reused)
        try {
          process.kill(k.pid, 'SIGKILL');
        } catch {}
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Server children for the HLS-cost and latency benchmarks: OnAir (bench/lib/onair-hls-server.ts, bundled
 * once with esbuild and run on plain node so the tsx loader's ~30 MB is not billed to the server) and
 * node-media-server@2.7.4 with its ffmpeg HLS task (bench/lib/nms-hls-server.cjs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverPorts, stopChild, trackChild } from './children';
import { ffmpegPath } from './ffmpeg';
import { bundleBenchEntry } from './onair-build';
import { commOf, processTree } from './proc-tree';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

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
      ? [bundleBenchEntry('onair-hls-server'), JSON.stringify({ dataDir: scratch, panelDir: opts.panelDir, hls: opts.hls })]
      : [path.join(ROOT, 'bench/lib/nms-hls-server.cjs'), JSON.stringify({ mediaroot: scratch, ffmpeg: ffmpegPath() })];
  const p = trackChild(spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const { pid, rtmp, http } = await serverPorts(p, kind);
  return {
    kind,
    pid,
    rtmp,
    http,
    rtmpUrl: (key) => `rtmp://127.0.0.1:${rtmp}/live/${key}`,
    hlsUrl: (key) => `http://127.0.0.1:${http}/live/${key}/index.m3u8`,
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

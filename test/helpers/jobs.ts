import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Job, JobStatus } from '../../core/contract/jobs';
import { FFMPEG, run } from './ffmpeg';
import { startStudio, waitFor, type TestStudio } from './studio';

export function tempDir(prefix = 'onair-jobs-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small test video (lavfi testsrc2 + sine), H.264/AAC in MP4. */
export async function makeVideo(file: string, o: { size?: string; seconds?: number; rate?: number; audio?: boolean } = {}): Promise<string> {
  const { size = '320x240', seconds = 3, rate = 25, audio = true } = o;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(rate));
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push(file);
  const r = await run(FFMPEG, args, 60_000).done;
  if (r.code !== 0) throw new Error(`making ${file} failed: ${r.stderr}`);
  return file;
}

/** PIDs and names of every process descended from `root` (from /proc). */
export function descendants(root = process.pid): Array<{ pid: number; comm: string }> {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
    } catch {}
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const walk = (p: number): void => {
    for (const [pid, pp] of parent) {
      if (pp === p) {
        out.push({ pid, comm: comm.get(pid) ?? '' });
        walk(pid);
      }
    }
  };
  walk(root);
  return out;
}

export function ffmpegChildren(): Array<{ pid: number; comm: string }> {
  return descendants().filter((p) => /ffmpeg|ffprobe/.test(p.comm));
}

/** Every file under a folder (relative paths). */
export function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(filesUnder(p).map((f) => path.join(e.name, f)));
    else out.push(e.name);
  }
  return out;
}

export interface Received {
  method: string;
  url: URL;
  body: string;
}

export interface TestHttp {
  url: (p: string) => string;
  received: Received[];
  close: () => Promise<void>;
  server: http.Server;
}

/** A local HTTP server for callbacks and downloads: `routes` answer by path; everything is recorded. */
export async function testHttp(routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {}): Promise<TestHttp> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      received.push({ method: req.method ?? '', url, body: Buffer.concat(chunks).toString('utf8') });
      const h = routes[url.pathname];
      if (h) return h(req, res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A studio with its own data dir and fast x264 settings. */
export async function jobsStudio(dataDir: string, jobs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<TestStudio> {
  return startStudio({ data_dir: dataDir, jobs: { x264_preset: 'ultrafast', ...jobs }, ...extra });
}

export function waitJob(t: TestStudio, id: string, statuses: readonly JobStatus[] = ['done', 'failed', 'cancelled'], timeoutMs = 60_000): Promise<Job> {
  return waitFor(() => {
    const j = t.studio.jobs.get(id);
    return statuses.includes(j.status) ? j : null;
  }, `job ${id} to be ${statuses.join('/')}`, timeoutMs, 50);
}

export interface Envelope<T = Record<string, unknown>> {
  code: string;
  data: T;
  msg: string | null;
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<Envelope<T>> {
  const r = await fetch(url, init);
  return (await r.json()) as Envelope<T>;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The pieces of bench/ladder.ts: the 720p30 source, the OnAir studio child with a contract line protocol
 * (bench/lib/ladder-server.ts), node-media-server@2.7.4 with `fission` (bench/lib/nms-fission-server.cjs),
 * seed 003's ffmpeg ABR command, and a bounded tree measurement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { serverPorts, stopChild, trackChild } from './children';
import { ffmpegPath, stderrTail, untilPublishing } from './ffmpeg';
import { bundleBenchEntry } from './onair-build';
import { HostMeter } from './proc-stats';
import { commOf, processTree, TreeMeter, type TreeUsage } from './proc-tree';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` every 250 ms until it returns a truthy value; throws after `ms`. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, ms: number): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (let i = 0; i < 10_000; i++) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) break;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

/** The source, the same for every subject: 720p30 test pattern, libx264 ultrafast ~3 Mbit/s, 2 s GOP, AAC 48 kHz. */
export const SOURCE_DESC = '1280x720p30 testsrc2, libx264 ultrafast/zerolatency 3 Mbit/s, GOP 60 (2 s), AAC 48 kHz 128k';

export async function startSource(url: string): Promise<ChildProcess> {
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-nostats', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v', '3000k', '-maxrate', '3000k', '-bufsize', '3000k', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-f', 'flv', '-progress', 'pipe:1', url,
  ];
  const p = trackChild(spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await untilPublishing(p, 'source publisher', stderrTail(p), { onTimeout: () => p.kill('SIGKILL') });
  return p;
}

/** CPU / RSS of a process tree over `seconds`, with `tick` called once a second (bounded by the window). */
export async function measureTree(root: number, seconds: number, tick?: (s: number) => void | Promise<void>): Promise<TreeUsage & { hostBusyPct: number }> {
  const meter = new TreeMeter(root, 1000);
  const host = new HostMeter();
  host.start();
  meter.start();
  const end = Date.now() + seconds * 1000;
  for (let s = 0; s < seconds + 5 && Date.now() < end; s++) {
    await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    await tick?.(s + 1);
  }
  return { ...meter.stop(), hostBusyPct: host.stop() };
}

/** The command lines of a tree's processes below the root, e.g. the ffmpeg NMS spawned. */
export function childCommands(root: number): string[] {
  return processTree(root).slice(1).map((s) => {
    try {
      return readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      return s.comm;
    }
  });
}

/** SIGKILL whatever is still alive of a tree's descendants (after its root was stopped). */
function killLeftovers(kids: Array<{ pid: number; comm: string }>): void {
  for (const k of kids) {
    if (commOf(k.pid) !== k.comm) continue;
    try {
      process.kill(k.pid, 'SIGKILL');
    } catch {}
  }
}

// ------------------------------------------------------------------ OnAir studio child

type Reply = { ok: true; result: unknown } | { ok: false; error: { code?: string; message?: string } };

export class StudioChild {
  private waiters = new Map<number, (m: Record<string, unknown>) => void>();
  private nextId = 1;

  private constructor(readonly proc: ChildProcess, readonly pid: number, readonly rtmp: number, readonly http: number, private readonly dataDir: string) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const m = JSON.parse(line) as Record<string, unknown>;
        const w = this.waiters.get(m.id as number);
        if (w) {
          this.waiters.delete(m.id as number);
          w(m);
        }
      } catch {}
    });
  }

  static async start(x264Preset: string): Promise<StudioChild> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-bench-ladder-'));
    const p = trackChild(spawn(process.execPath, [bundleBenchEntry('ladder-server'), JSON.stringify({ dataDir, x264Preset })], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
    const ports = await serverPorts(p, 'onair');
    return new StudioChild(p, ports.pid, ports.rtmp, ports.http, dataDir);
  }

  rtmpUrl(key: string): string {
    return `rtmp://127.0.0.1:${this.rtmp}/live/${key}`;
  }

  private ask(msg: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`studio child: no answer to ${JSON.stringify(msg)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.proc.stdin!.write(`${JSON.stringify({ ...msg, id })}\n`);
    });
  }

  /** A contract command (core/contract) through the studio's dispatcher; throws on an error reply. */
  async call<T>(cmd: string, args?: unknown): Promise<T> {
    const m = await this.ask({ cmd, args });
    if (typeof m.error === 'string') throw new Error(`${cmd}: ${m.error}`);
    const r = m.reply as Reply;
    if (!r.ok) throw new Error(`${cmd}: ${r.error.code ?? ''} ${r.error.message ?? JSON.stringify(r.error)}`);
    return r.result as T;
  }

  /** Paths of the streams that have a publisher now. */
  async live(): Promise<string[]> {
    return ((await this.ask({ live: true })).live as string[] | undefined) ?? [];
  }

  async stop(): Promise<void> {
    const kids = processTree(this.pid).slice(1);
    await stopChild(this.proc, 5000);
    killLeftovers(kids);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ NMS 2.7.4 fission

/** The fission model of the brief: the same rungs as OnAir's 720-480-360 preset. */
export const NMS_MODEL = [
  { vs: '1280x720', vb: '2800k', ab: '128k', vf: '30' },
  { vs: '854x480', vb: '1400k', ab: '96k', vf: '30' },
  { vs: '640x360', vb: '800k', ab: '96k', vf: '30' },
];

/** Does node-media-server's node_core_utils export getFFmpegVersion (which NodeFissionServer.run() awaits)? */
export function nmsHasVersionHelper(): boolean {
  const req = createRequire(import.meta.url);
  return typeof (req('node-media-server/src/node_core_utils') as Record<string, unknown>).getFFmpegVersion === 'function';
}

export interface NmsChild {
  pid: number;
  rtmp: number;
  http: number;
  /** stream names NMS lists under app "live" (its /api/streams) */
  streams(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startNmsFission(): Promise<NmsChild> {
  const mediaroot = mkdtempSync(path.join(os.tmpdir(), 'onair-bench-nms-fission-'));
  const arg = JSON.stringify({ mediaroot, ffmpeg: ffmpegPath(), model: NMS_MODEL });
  const p = trackChild(spawn(process.execPath, [path.join(ROOT, 'bench/lib/nms-fission-server.cjs'), arg], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const { pid, rtmp, http } = await serverPorts(p, 'nms');
  return {
    pid,
    rtmp,
    http,
    async streams() {
      try {
        const r = await fetch(`http://127.0.0.1:${http}/api/streams`, { signal: AbortSignal.timeout(3000) });
        const j = (await r.json()) as { live?: Record<string, { publisher?: unknown }> };
        return Object.entries(j.live ?? {}).filter(([, s]) => s.publisher).map(([k]) => k);
      } catch {
        return [];
      }
    },
    async stop() {
      const kids = processTree(pid).slice(1);
      await stopChild(p, 3000);
      killLeftovers(kids);
      rmSync(mediaroot, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ seed 003's ffmpeg

const SEED_RUNGS = [
  { name: '360p', scale: 'w=640:h=360', vb: '800k', max: '856k', buf: '1200k', ab: '96k' },
  { name: '480p', scale: 'w=842:h=480', vb: '1400k', max: '1498k', buf: '2100k', ab: '128k' },
  { name: '720p', scale: 'w=1280:h=720', vb: '2800k', max: '2996k', buf: '4200k', ab: '128k' },
];

/** Seed 003 lines 40-46, verbatim but for the input URL and the output folder. */
export function seed003Args(input: string, dir: string): string[] {
  const args = ['-hide_banner', '-y', '-fflags', 'nobuffer', '-i', input];
  for (const r of SEED_RUNGS) {
    mkdirSync(path.join(dir, r.name), { recursive: true });
    args.push(
      '-vf', `scale=${r.scale}:force_original_aspect_ratio=decrease`, '-c:a', 'aac', '-ar', '48000', '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-crf', '20',
      '-sc_threshold', '0', '-g', '48', '-keyint_min', '48', '-hls_time', '4', '-hls_list_size', '6', '-hls_flags', 'delete_segments', '-max_muxing_queue_size', '1024',
      '-start_number', '100', '-b:v', r.vb, '-maxrate', r.max, '-bufsize', r.buf, '-b:a', r.ab, '-hls_segment_filename', path.join(dir, r.name, '%03d.ts'), path.join(dir, `${r.name}.m3u8`),
    );
  }
  return args;
}

export const SEED_PLAYLISTS = SEED_RUNGS.map((r) => `${r.name}.m3u8`);

// ------------------------------------------------------------------ probing a rung

const FFPROBE = path.join(ROOT, 'node_modules/@ffprobe-installer/linux-x64/ffprobe');

/** "WxH@fps" of a local file's video, from `ffmpeg -i` (the bundled ffprobe build crashes on local files here). */
function probeFile(file: string): Promise<string> {
  return new Promise((resolve) => {
    const p = trackChild(spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    const err = stderrTail(p);
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      const m = /Video: .*?, (\d{2,5})x(\d{2,5})[ ,].*?(\d+(?:\.\d+)?) (?:fps|tbr)/.exec(err());
      resolve(m ? `${m[1]}x${m[2]}@${Number(m[3])}` : `probe failed (${code}): ${err().trim().split('\n').pop() ?? ''}`.slice(0, 120));
    });
  });
}

/** "WxH@fps" of the first video stream of `input` (RTMP, HLS or a file), or "probe failed: …" (20 s at most). */
export function probeVideo(input: string): Promise<string> {
  if (!/^[a-z]+:\/\//.test(input)) return probeFile(input);
  return new Promise((resolve) => {
    const p = trackChild(spawn(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate', '-of', 'json', input], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    const err = stderrTail(p);
    p.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      try {
        const s = (JSON.parse(out) as { streams: Array<{ width: number; height: number; r_frame_rate: string }> }).streams[0];
        const [n, d] = s.r_frame_rate.split('/').map(Number);
        resolve(`${s.width}x${s.height}@${Math.round((n / (d || 1)) * 100) / 100}`);
      } catch {
        resolve(`probe failed (${code}): ${err().trim().split('\n').pop() ?? ''}`.slice(0, 120));
      }
    });
  });
}

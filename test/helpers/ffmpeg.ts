import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** The bundled binaries (tests use them so every machine runs the same ffmpeg). A missing one fails loudly. */
export const FFMPEG = path.join(root, 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg');
export const FFPROBE = path.join(root, 'node_modules/@ffprobe-installer/linux-x64/ffprobe');
for (const b of [FFMPEG, FFPROBE]) if (!existsSync(b)) throw new Error(`test tool missing: ${b} (run npm ci)`);

export interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string; stdout: Buffer }>;
}

export function run(bin: string, args: string[], timeoutMs = 60_000): Run {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const out: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; stderr: string; stdout: Buffer }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout: Buffer.concat(out) });
    });
  });
  return { child, done };
}

/** Publish a live test pattern (H.264 + AAC) to an RTMP URL. */
export function publishTestPattern(url: string, opts: { size?: string; rate?: number; seconds?: number; audioRate?: number; channels?: number } = {}): Run {
  const { size = '1280x720', rate = 30, seconds = 30, audioRate = 48000, channels = 2 } = opts;
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${audioRate}`,
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(rate), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ac', String(channels), '-ar', String(audioRate),
    '-f', 'flv', url,
  ], (seconds + 30) * 1000);
}

export interface ProbeStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  profile?: string;
}

export async function ffprobe(input: string, extra: string[] = []): Promise<{ streams: ProbeStream[]; format?: { duration?: string } }> {
  const r = await run(FFPROBE, ['-v', 'error', ...extra, '-show_streams', '-show_format', '-of', 'json', input], 30_000).done;
  if (r.code !== 0) throw new Error(`ffprobe ${input} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout.toString()) as { streams: ProbeStream[] };
}

/** Decode `frames` video frames from an input; returns ffmpeg's exit code, stderr, and the frames decoded. */
export async function decodeFrames(input: string, frames: number, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string; frames: number }> {
  const r = await run(FFMPEG, ['-hide_banner', '-v', 'error', '-i', input, '-map', '0:v:0', '-frames:v', String(frames), '-f', 'framemd5', '-'], timeoutMs).done;
  const count = r.stdout.toString().split('\n').filter((l) => /^\d+,/.test(l)).length;
  return { code: r.code, stderr: r.stderr, frames: count };
}

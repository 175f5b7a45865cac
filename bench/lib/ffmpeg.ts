/** The bundled ffmpeg: the pre-encoded fixture and the looping publisher. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { trackChild } from './children';

interface FfmpegInstaller { path: string }

export function ffmpegPath(): string {
  const require = createRequire(import.meta.url);
  return (require('@ffmpeg-installer/ffmpeg') as FfmpegInstaller).path;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited ${code ?? signal}: ${err}`));
    });
  });
}

/**
 * 720p30 H.264 (~2.5 Mbit/s, 2 s GOP, no scene-cut keyframes) + AAC 44.1 kHz, 20 s, FLV. Generated once
 * and kept in the cache dir (FANOUT_CACHE or <tmp>/onair-bench).
 */
export async function ensureFixture(): Promise<string> {
  const dir = process.env.FANOUT_CACHE ?? path.join(os.tmpdir(), 'onair-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'fanout-720p30-2500k.flv');
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.part.flv`;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '20',
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-bf', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-f', 'flv', tmp,
  ];
  try {
    await run(ffmpegPath(), args, 300_000);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return file;
}

/** Keeps the last 2000 characters of a child's stderr; returns their reader. */
export function stderrTail(p: ChildProcess): () => string {
  let err = '';
  p.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  return () => err;
}

/**
 * Resolves once an ffmpeg run with `-progress pipe:1` reports frames sent (it is publishing), then keeps
 * draining the progress so ffmpeg never blocks on the pipe. Rejects if it exits first (after `onExit`) or
 * stays silent for 15 s (after `onTimeout`); the messages name it `what` and end with its stderr.
 */
export function untilPublishing(p: ChildProcess, what: string, err: () => string, hooks: { onTimeout: () => void; onExit?: () => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      hooks.onTimeout();
      reject(new Error(`${what} did not start within 15 s: ${err()}`));
    }, 15_000);
    const onData = (d: Buffer): void => {
      const m = /frame=(\d+)/.exec(d.toString());
      if (m && Number(m[1]) > 0) {
        clearTimeout(timer);
        p.stdout?.off('data', onData);
        p.stdout?.resume();
        p.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      hooks.onExit?.();
      reject(new Error(`${what} exited ${code} before publishing: ${err()}`));
    };
    p.stdout?.on('data', onData);
    p.on('exit', onExit);
  });
}

/**
 * `ffmpeg -re -stream_loop -1 -i file -c copy -f flv url`. Resolves once ffmpeg reports its first
 * progress block with frames sent (it is publishing), rejects if it exits or stays silent for 15 s.
 */
export async function startPublisher(file: string, url: string): Promise<ChildProcess> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-nostats', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', '-progress', 'pipe:1', url];
  const p = trackChild(spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await untilPublishing(p, 'publisher', stderrTail(p), { onTimeout: () => p.kill('SIGKILL') });
  return p;
}

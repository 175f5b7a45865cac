import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { OnAirError } from '../errors';
import { runTool, ToolFailed } from '../ffmpeg/run';
import { fileArg } from './probe';

/** Cover times in seconds: the requested ones (clamped into the video), else `count` evenly spaced. */
export function coverTimes(req: { times?: readonly number[]; count?: number }, duration: number, fps: number | null = null): number[] {
  const frame = 1 / (fps && fps > 0 ? fps : 25);
  const last = Math.max(0, duration - 2 * frame - 0.05);
  const clamp = (t: number): number => Math.round(Math.min(Math.max(0, t), last) * 1000) / 1000;
  if (req.times && req.times.length > 0) return req.times.map(clamp);
  const n = req.count ?? 1;
  return Array.from({ length: n }, (_v, i) => clamp((duration * (i + 1)) / (n + 1)));
}

/** Cover size: both given -> as given; one given -> the other from the aspect; none -> `fallback`. */
export function coverSize(
  req: { width: number | null; height: number | null },
  src: { width: number; height: number },
  fallback: { width: number; height: number },
): { width: number; height: number } {
  const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
  if (req.width && req.height) return { width: req.width, height: req.height };
  if (req.width) return { width: req.width, height: even((req.width * src.height) / src.width) };
  if (req.height) return { width: even((req.height * src.width) / src.height), height: req.height };
  return fallback;
}

export function coverName(i: number): string {
  return `cover_${i + 1}.jpg`;
}

/**
 * One JPEG per time, each from a short ffmpeg run that seeks the source (`-ss T -i src -frames:v 1`).
 * Returns the file names written into `dir`.
 */
export async function makeCovers(
  ffmpeg: string,
  input: string,
  times: readonly number[],
  size: { width: number; height: number },
  dir: string,
  o: { signal?: AbortSignal; onEach?: (done: number) => void } = {},
): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < times.length; i++) {
    const name = coverName(i);
    const out = path.join(dir, name);
    // seeking past the last decodable frame writes nothing: fall back to the first frame
    for (const t of [times[i], 0]) {
      const r = await runTool(ffmpeg, [
        '-hide_banner', '-nostdin', '-v', 'error', '-y', '-ss', String(t), '-i', fileArg(input),
        '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${size.width}:${size.height},setsar=1`, '-q:v', '3', '-f', 'image2', fileArg(out),
      ], { signal: o.signal, timeoutMs: 60_000 }).done;
      if (r.cancelled) throw new OnAirError('INTERNAL', 'cancelled');
      if (r.code !== 0) throw new ToolFailed('ffmpeg (cover)', r);
      if (existsSync(out) && statSync(out).size > 0) break;
    }
    if (!existsSync(out)) throw new OnAirError('IO', `cover at ${times[i]} s: no frame`);
    names.push(name);
    o.onEach?.(i + 1);
  }
  return names;
}

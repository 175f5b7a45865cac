/**
 * VOD ladder benchmark: a 60 s 1080p30 source -> 1080p/720p/480p HLS, two ways, same encoder settings:
 *   ladder      — OnAir: ONE ffmpeg that decodes once, splits, scales and encodes all three renditions
 *   per-rendition — seed 000's way: one ffmpeg run per rendition, one after the other
 * Wall time from the clock; CPU is user+sys of the reaped ffmpeg children, read from /proc/self/stat
 * (cutime + cstime) before and after — only ffmpeg runs in between.
 *
 * node bin/run-ts.mjs bench/vod-ladder.ts   (env: VOD_PRESET=veryfast, VOD_SECONDS=60, VOD_RUNS=1, VOD_CACHE=<tmp>/onair-bench)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { runTool, ToolFailed } from '../core/ffmpeg/run';
import { buildLadderArgs, buildSingleRenditionArgs, planRenditions, type LadderArgsOptions, type PlannedRendition } from '../core/jobs/ladder';

const SECONDS = Number(process.env.VOD_SECONDS ?? 60);
const PRESET = process.env.VOD_PRESET ?? 'veryfast';
const RUNS = Math.max(1, Number(process.env.VOD_RUNS ?? 1));
const CACHE = process.env.VOD_CACHE ?? path.join(os.tmpdir(), 'onair-bench');

const ffmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** user+sys seconds of this process's waited-for children (fields 16 and 17 of /proc/self/stat). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

async function ffmpegOk(args: string[]): Promise<void> {
  const r = await runTool(ffmpeg, args, { progress: true }).done;
  if (r.code !== 0) throw new ToolFailed('ffmpeg', r);
}

async function source(): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `vod-1080p30-${SECONDS}s.mp4`);
  if (existsSync(file)) return file;
  process.stderr.write(`making the ${SECONDS} s 1080p30 source (once, cached in ${CACHE})…\n`);
  const tmp = `${file}.part.mp4`;
  await ffmpegOk([
    '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '8M', '-pix_fmt', 'yuv420p', '-g', '60', '-c:a', 'aac', '-b:a', '128k', tmp,
  ]);
  renameSync(tmp, file);
  return file;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
}

interface Row {
  way: string;
  wall: number;
  cpu: number;
  bytes: number;
  processes: number;
}

async function measure(way: string, work: string, runs: string[][]): Promise<Row> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  for (const args of runs) await ffmpegOk(args);
  const wall = (performance.now() - t0) / 1000;
  const cpu = childrenCpuSeconds() - cpu0;
  const row = { way, wall, cpu, bytes: dirBytes(work), processes: runs.length };
  rmSync(work, { recursive: true, force: true });
  return row;
}

const f1 = (n: number): string => n.toFixed(1);

async function main(): Promise<void> {
  const src = await source();
  const plan: PlannedRendition[] = planRenditions(['1080p', '720p', '480p'], { width: 1920, height: 1080, fps: 30 });
  const o: LadderArgsOptions = { preset: PRESET, hasAudio: true, fps: 30, segmentSeconds: 4 };
  const work = path.join(CACHE, 'vod-work');
  const rows: Row[] = [];
  for (let i = 0; i < RUNS; i++) {
    // alternate the order so neither way always runs on a warm (or hot) machine
    const ladder = (): Promise<Row> => measure('ladder (1 process)', work, [buildLadderArgs(src, plan, work, o)]);
    const seq = (): Promise<Row> => measure('per rendition (seed 000)', work, plan.map((r) => buildSingleRenditionArgs(src, r, work, o)));
    if (i % 2 === 0) rows.push(await seq(), await ladder());
    else rows.push(await ladder(), await seq());
  }
  const avg = (way: string, k: 'wall' | 'cpu' | 'bytes'): number => {
    const rs = rows.filter((r) => r.way === way);
    return rs.reduce((n, r) => n + r[k], 0) / rs.length;
  };
  const ways = ['per rendition (seed 000)', 'ladder (1 process)'];
  const base = { wall: avg(ways[0], 'wall'), cpu: avg(ways[0], 'cpu') };
  const lines = [
    `VOD ladder: ${SECONDS} s 1080p30 H.264/AAC -> 1080p/720p/480p HLS (4 s segments), libx264 -preset ${PRESET}, ${os.cpus().length} CPUs, ffmpeg ${path.basename(path.dirname(ffmpeg))}, runs: ${RUNS}`,
    '',
    '| way | ffmpeg processes | wall s | CPU s (user+sys) | cores busy | output MB | wall vs seed | CPU vs seed |',
    '|---|---|---|---|---|---|---|---|',
    ...ways.map((w) => {
      const wall = avg(w, 'wall');
      const cpu = avg(w, 'cpu');
      const procs = rows.find((r) => r.way === w)?.processes ?? 0;
      return `| ${w} | ${procs} | ${f1(wall)} | ${f1(cpu)} | ${(cpu / wall).toFixed(2)} | ${f1(avg(w, 'bytes') / 1e6)} | ${(wall / base.wall).toFixed(2)}× | ${(cpu / base.cpu).toFixed(2)}× |`;
    }),
    '',
    `target: ladder wall ≤ 0.6× seed → ${avg(ways[1], 'wall') / base.wall <= 0.6 ? 'PASS' : 'FAIL'} (${(avg(ways[1], 'wall') / base.wall).toFixed(2)}×)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

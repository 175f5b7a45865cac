import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Job, JobProgress, TranscodeResult } from '../contract/jobs';
import { OnAirError } from '../errors';
import { coverSize, makeCovers } from './covers';
import { runTool, ToolFailed } from '../ffmpeg/run';
import { MASTER_NAME, measureRenditions, writeMasterPlaylist } from './hls-master';
import type { H264Encoder } from '../ffmpeg/encoders';
import { buildLadderArgs, planRenditions } from './ladder';

export interface TranscodeDeps {
  ffmpeg: string;
  /** where finished outputs are published (`<mediaRoot>/<out_dir>`) */
  mediaRoot: string;
  /** scratch folder on the same file system as mediaRoot (so publishing is a rename) */
  workRoot: string;
  /** x264 preset */
  preset: string;
  /** H.264 encoder (libx264 unless a hardware one was picked) */
  encoder?: H264Encoder;
}

export interface RunControl {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

/** "/2024/05/01/<id>/720p.m3u8" for a file in a job's output folder. */
export function outputUrl(outDir: string, file: string): string {
  return `/${outDir.split(path.sep).join('/')}/${file}`;
}

export function workDirOf(workRoot: string, jobId: string): string {
  return path.join(workRoot, jobId);
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new OnAirError('INTERNAL', 'cancelled');
}

/**
 * One transcode attempt: the ladder (one ffmpeg), covers, the master playlist, all in a scratch folder
 * that is renamed into `<mediaRoot>/<out_dir>` only when everything is written. On any failure or
 * cancel the scratch folder is removed; nothing half-written is ever published.
 */
export async function runTranscode(job: Job, deps: TranscodeDeps, ctl: RunControl): Promise<TranscodeResult> {
  const work = workDirOf(deps.workRoot, job.id);
  const finalDir = path.join(deps.mediaRoot, job.options.out_dir);
  let published = false;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const src = job.input.probe;
    if (!existsSync(job.input.file)) throw new OnAirError('NOT_FOUND', `the source ${job.input.original} is gone`);
    const plan = planRenditions(job.options.renditions, src);
    const lo = { preset: deps.preset, encoder: deps.encoder, hasAudio: src.acodec !== null, fps: src.fps, segmentSeconds: 4 };
    const args = buildLadderArgs(job.input.file, plan, work, lo);
    ctl.progress({ stage: 'transcode', percent: 0, fps: null, speed: null, eta_seconds: null });
    const r = await runTool(deps.ffmpeg, args, {
      progress: true,
      durationSeconds: src.duration,
      signal: ctl.signal,
      onProgress: (p) => ctl.progress({ stage: 'transcode', percent: ((p.percent ?? 0) * 90) / 100, fps: p.fps, speed: p.speed, eta_seconds: p.etaSeconds }),
    }).done;
    checkAborted(ctl.signal);
    if (r.code !== 0) throw new ToolFailed('ffmpeg', r);

    // resolved (and clamped) when the job was created
    const times = job.options.covers.times;
    const size = coverSize(job.options.covers, src, { width: plan[0].width, height: plan[0].height });
    ctl.progress({ stage: 'covers', percent: 90, fps: null, speed: null, eta_seconds: null });
    const covers = await makeCovers(deps.ffmpeg, job.input.file, times, size, work, {
      signal: ctl.signal,
      onEach: (n) => ctl.progress({ stage: 'covers', percent: 90 + (8 * n) / Math.max(1, times.length), fps: null, speed: null, eta_seconds: null }),
    });
    checkAborted(ctl.signal);

    const stats = await measureRenditions(deps.ffmpeg, work, plan, { hasAudio: lo.hasAudio, fps: src.fps, signal: ctl.signal });
    writeMasterPlaylist(work, stats);
    checkAborted(ctl.signal);

    ctl.progress({ stage: 'publish', percent: 99, fps: null, speed: null, eta_seconds: 0 });
    mkdirSync(path.dirname(finalDir), { recursive: true });
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(work, finalDir);
    published = true;
    const url = (f: string): string => outputUrl(job.options.out_dir, f);
    return {
      master: url(MASTER_NAME),
      renditions: stats.map((s) => ({
        name: s.name,
        width: s.width,
        height: s.height,
        bandwidth: s.bandwidth,
        average_bandwidth: s.averageBandwidth,
        codecs: s.codecs,
        duration: Math.round(s.duration * 1000) / 1000,
        segments: s.segments,
        playlist: url(path.basename(s.playlistFile)),
      })),
      covers: covers.map(url),
      dir: finalDir,
    };
  } finally {
    if (!published) rmSync(work, { recursive: true, force: true });
  }
}

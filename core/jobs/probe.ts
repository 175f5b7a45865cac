import { statSync } from 'node:fs';
import { z } from 'zod';
import type { MediaInfo } from '../contract/jobs';
import { OnAirError } from '../errors';
import { runTool } from '../ffmpeg/run';

export type { MediaInfo } from '../contract/jobs';

/** Why an input was refused; the compat API maps each to its seed-000 code. */
export type InputFailure = 'not_video' | 'missing' | 'outside_roots' | 'download' | 'too_large' | 'empty' | 'bad_request';

export class InputError extends OnAirError {
  constructor(readonly reason: InputFailure, message: string, cause?: unknown) {
    super(reason === 'not_video' || reason === 'empty' ? 'FORMAT' : reason === 'missing' ? 'NOT_FOUND' : reason === 'too_large' ? 'LIMIT' : reason === 'download' ? 'IO' : 'VALIDATION', message, cause);
    this.name = 'InputError';
  }
}

const ProbeStreamSchema = z.looseObject({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  duration: z.string().optional(),
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
});
const ProbeOutputSchema = z.looseObject({
  streams: z.array(ProbeStreamSchema).default([]),
  format: z.looseObject({ duration: z.string().optional(), format_name: z.string().optional(), size: z.string().optional() }).optional(),
});

function ratio(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^(\d+)[/:](\d+)$/.exec(s);
  if (!m) return null;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > 0 && b > 0 ? a / b : null;
}

/**
 * Containers accepted as video. ffmpeg reads almost anything as "video" (a text file is the `tty`
 * demuxer's ANSI art, a JPEG is `image2`), so the container must be a real video format.
 */
export const VIDEO_CONTAINERS: ReadonlySet<string> = new Set([
  'mov', 'mp4', 'm4v', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'flv', 'mpegts', 'mpeg', 'mpegvideo',
  'asf', 'ogg', 'mxf', 'h264', 'hevc', 'dv', 'nut', 'rm', 'ivf', 'wtv',
]);

/** Turn ffprobe's JSON into MediaInfo; throws InputError('not_video') when there is no usable video. */
export function parseProbe(json: unknown, label: string): MediaInfo {
  const parsed = ProbeOutputSchema.safeParse(json);
  if (!parsed.success) throw new InputError('not_video', `${label}: ffprobe output not understood`);
  const { streams, format } = parsed.data;
  const formats = (format?.format_name ?? '').split(',');
  if (!formats.some((f) => VIDEO_CONTAINERS.has(f))) {
    throw new InputError('not_video', `${label} is not a supported video (format "${(format?.format_name ?? 'unknown').slice(0, 40)}")`);
  }
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0 && (s.height ?? 0) > 0);
  if (!v) throw new InputError('not_video', `${label} is not a supported video (no video stream)`);
  const a = streams.find((s) => s.codec_type === 'audio');
  const duration = Number.parseFloat(format?.duration ?? v.duration ?? '');
  if (!Number.isFinite(duration) || duration <= 0) throw new InputError('not_video', `${label} is not a supported video (no duration; a still image or a truncated file)`);
  const sar = ratio(v.sample_aspect_ratio);
  const height = v.height ?? 0;
  let width = v.width ?? 0;
  if (sar && Math.abs(sar - 1) > 0.01) width = Math.round((width * sar) / 2) * 2;
  const size = Number.parseInt(format?.size ?? '', 10);
  return {
    duration,
    width,
    height,
    vcodec: v.codec_name ?? 'unknown',
    acodec: a?.codec_name ?? null,
    fps: ratio(v.avg_frame_rate) ?? ratio(v.r_frame_rate),
    size: Number.isFinite(size) ? size : null,
    format: format?.format_name ?? null,
  };
}

/** A local path as an ffmpeg input/output argument: `file:` so no part of a name is read as a protocol or option. */
export function fileArg(p: string): string {
  return `file:${p}`;
}

/** ffprobe a file. A file that is not a video (or is empty, or unreadable by ffprobe) -> InputError('not_video'). */
export async function probeMedia(ffprobe: string, file: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<MediaInfo> {
  const label = file.split(/[\\/]/).pop() ?? 'input';
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new InputError('missing', `${label} does not exist`, e);
  }
  if (size === 0) throw new InputError('empty', `${label} is empty (0 bytes)`);
  const r = await runTool(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', fileArg(file)], {
    captureStdout: 4 * 1024 * 1024,
    timeoutMs: opts.timeoutMs ?? 30_000,
    signal: opts.signal,
    stderrBytes: 2048,
  }).done;
  if (r.cancelled) throw new OnAirError('INTERNAL', 'probe cancelled');
  if (r.signal && !r.timedOut) throw new InputError('not_video', `${label}: ffprobe crashed (${r.signal}) reading it; it is not a video this ffprobe can read (configure another ffprobe)`);
  if (r.code !== 0) {
    // ffprobe names the input by its full path ("file:/…/x.download: Invalid data…"): callers see only the name
    const last = (r.stderr.trim().split('\n').pop() ?? '').split(fileArg(file)).join(label).split(file).join(label).slice(0, 200);
    throw new InputError('not_video', `${label} is not a supported video (${last || 'ffprobe failed'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(r.stdout.toString('utf8'));
  } catch {
    throw new InputError('not_video', `${label}: ffprobe output not understood`);
  }
  return parseProbe(json, label);
}

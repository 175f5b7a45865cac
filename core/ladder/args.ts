import { hardwareInput, H264_ENCODERS, type H264Encoder } from '../ffmpeg/encoders';
import type { PlannedRung } from './plan';

/**
 * The ffmpeg argv of a live ladder (pure): decode the source once, `split` + one `scale` per rung, one encoder
 * per rung; every rung's keyframes are the source's (`-force_key_frames source`, a GOP longer than any source's
 * and no scene cuts), timestamps are the source's (`-copyts`), each rung is published back as FLV over RTMP.
 * Every value is a number we computed, an enum, or one of our own rtmp:// URLs — checked here, never a user string.
 */

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

export interface LadderArgsInput {
  /** rtmp:// URL of the source (loopback, signed when auth asks) */
  input: string;
  /** rtmp:// publish URL of each rung, in the order of `rungs` */
  outputs: readonly string[];
  rungs: readonly PlannedRung[];
  encoder: H264Encoder;
  x264Preset: string;
  hasVideo: boolean;
  hasAudio: boolean;
  /** the source's frame rate (null: unknown) */
  sourceFps: number | null;
}

/** a GOP no source reaches: every keyframe is a forced one, at the source's keyframes */
const LONG_GOP = 3000;

const URL_RE = /^rtmps?:\/\/[A-Za-z0-9.:[\]-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\?[A-Za-z0-9_.=&%-]*)?$/;

function checkInput(o: LadderArgsInput): void {
  const bad = (what: string): never => {
    throw new Error(`ladder argv: refused ${what}`);
  };
  if (!URL_RE.test(o.input)) bad('the input URL');
  if (o.outputs.length !== o.rungs.length || o.rungs.length === 0) bad('the outputs');
  for (const u of o.outputs) if (!URL_RE.test(u)) bad('an output URL');
  if (!H264_ENCODERS.includes(o.encoder)) bad('the encoder');
  if (!(X264_PRESETS as readonly string[]).includes(o.x264Preset)) bad('the x264 preset');
  const int = (n: number, lo: number, hi: number): boolean => Number.isInteger(n) && n >= lo && n <= hi;
  for (const r of o.rungs) {
    if (!int(r.video_kbps, 1, 1_000_000) || !int(r.audio_kbps, 1, 10_000)) bad('a bitrate');
    if (o.hasVideo && (!int(r.width, 2, 16_384) || !int(r.height, 2, 16_384))) bad('a frame size');
    if (r.fps !== null && !(Number.isFinite(r.fps) && r.fps > 0 && r.fps <= 240)) bad('a frame rate');
    if (!/^[0-9.]{1,4}$/.test(r.level) || !['high', 'main'].includes(r.profile)) bad('a profile/level');
  }
}

function videoArgs(o: LadderArgsInput, r: PlannedRung): string[] {
  const k = r.video_kbps;
  const rate = ['-b:v', `${k}k`, '-maxrate', `${k}k`, '-bufsize', `${2 * k}k`];
  const keys = ['-g', String(LONG_GOP), '-force_key_frames', 'source'];
  switch (o.encoder) {
    case 'libx264':
      return ['-c:v', 'libx264', '-preset', o.x264Preset, '-tune', 'zerolatency', '-profile:v', r.profile, '-level:v', r.level, '-pix_fmt', 'yuv420p', ...rate, ...keys, '-keyint_min', String(LONG_GOP), '-sc_threshold', '0', '-x264-params', 'nal-hrd=cbr:scenecut=0'];
    case 'h264_nvenc':
      return ['-c:v', 'h264_nvenc', '-preset', 'p4', '-profile:v', r.profile, '-rc', 'cbr', '-pix_fmt', 'yuv420p', ...rate, ...keys, '-forced-idr', '1', '-no-scenecut', '1'];
    case 'h264_qsv':
      return ['-c:v', 'h264_qsv', '-profile:v', r.profile, ...rate, ...keys];
    case 'h264_vaapi':
      return ['-c:v', 'h264_vaapi', '-profile:v', r.profile, ...rate, ...keys];
    case 'h264_videotoolbox':
      return ['-c:v', 'h264_videotoolbox', '-profile:v', r.profile, '-pix_fmt', 'yuv420p', ...rate, ...keys];
  }
}

export function ladderArgs(o: LadderArgsInput): string[] {
  checkInput(o);
  const hw = o.hasVideo ? hardwareInput(o.encoder) : { global: [], filterSuffix: '' };
  const args = ['-hide_banner', '-loglevel', 'error', ...hw.global, '-rtmp_live', 'live', '-copyts', '-i', o.input];
  if (o.hasVideo) {
    const n = o.rungs.length;
    const chains = o.rungs.map((r, i) => {
      const fps = r.fps !== null && o.sourceFps !== null && r.fps < o.sourceFps - 0.01 ? `,fps=${Number(r.fps.toFixed(3))}` : '';
      return `[s${i}]scale=${r.width}:${r.height},setsar=1${fps}${hw.filterSuffix}[v${i}]`;
    });
    const split = `[0:v:0]split=${n}${o.rungs.map((_, i) => `[s${i}]`).join('')}`;
    args.push('-filter_complex', [split, ...chains].join(';'));
  }
  o.rungs.forEach((r, i) => {
    if (o.hasVideo) args.push('-map', `[v${i}]`, ...videoArgs(o, r));
    if (o.hasAudio) args.push('-map', '0:a:0', '-c:a', 'aac', '-b:a', `${r.audio_kbps}k`);
    args.push('-f', 'flv', '-flvflags', 'no_duration_filesize', o.outputs[i]);
  });
  return args;
}

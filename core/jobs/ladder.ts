import path from 'node:path';
import type { MediaInfo, RenditionName } from '../contract/jobs';
import { hardwareInput, videoCodecArgs, type H264Encoder } from '../ffmpeg/encoders';
import { fileArg } from './probe';
import { h264Level } from '../ffmpeg/h264-level';

/** One rung of the ladder. Heights are of the short side, so portrait video works the same. */
export interface RenditionPreset {
  height: number;
  videoKbps: number;
  audioKbps: number;
}

export const RENDITION_PRESETS: Readonly<Record<RenditionName, RenditionPreset>> = {
  '1080p': { height: 1080, videoKbps: 5000, audioKbps: 128 },
  '720p': { height: 720, videoKbps: 2800, audioKbps: 128 },
  '480p': { height: 480, videoKbps: 1400, audioKbps: 96 },
  '360p': { height: 360, videoKbps: 800, audioKbps: 96 },
};

export interface PlannedRendition {
  /** "720p", or "<h>p" when the source is smaller than every requested rung */
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  audioKbps: number;
  /** x264 profile and level forced for this size (CODECS is still read back from the output) */
  profile: 'high' | 'main';
  level: string;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

export { h264Level };

/**
 * The renditions to make: the requested rungs that do not upscale the source, highest first. When the
 * source is smaller than every requested rung, one rendition at the source size.
 */
export function planRenditions(names: readonly RenditionName[], src: Pick<MediaInfo, 'width' | 'height' | 'fps'>): PlannedRendition[] {
  const portrait = src.height > src.width;
  const short = Math.min(src.width, src.height);
  const long = Math.max(src.width, src.height);
  const fps = src.fps && src.fps > 0 ? Math.min(src.fps, 120) : 30;
  const uniq = [...new Set(names)].map((n) => ({ name: n as string, ...RENDITION_PRESETS[n] })).sort((a, b) => b.height - a.height);
  let rungs = uniq.filter((r) => r.height <= short);
  if (rungs.length === 0) {
    const smallest = uniq[uniq.length - 1] ?? { ...RENDITION_PRESETS['360p'], name: '360p' };
    const h = even(short);
    const scale = (h * h) / (smallest.height * smallest.height);
    rungs = [{ name: `${h}p`, height: h, videoKbps: Math.max(200, Math.round(smallest.videoKbps * scale)), audioKbps: smallest.audioKbps }];
  }
  return rungs.map((r) => {
    const s = even(r.height);
    const l = even((long * r.height) / short);
    const width = portrait ? s : l;
    const height = portrait ? l : s;
    return { name: r.name, width, height, videoKbps: r.videoKbps, audioKbps: r.audioKbps, profile: r.height >= 720 ? 'high' : 'main', level: h264Level(width, height, fps) };
  });
}

export interface LadderArgsOptions {
  /** x264 preset (ultrafast … veryslow) */
  preset: string;
  segmentSeconds?: number;
  hasAudio: boolean;
  fps: number | null;
  /** H.264 encoder (default libx264); hardware ones come from pickH264Encoder */
  encoder?: H264Encoder;
}

/** Where each rendition's files go inside the work folder. */
export function renditionFiles(workDir: string, r: Pick<PlannedRendition, 'name'>): { playlist: string; segments: string } {
  return { playlist: path.join(workDir, `${r.name}.m3u8`), segments: path.join(workDir, `${r.name}_%05d.ts`) };
}

/** x264 + AAC settings for one rendition; shared by the ladder and the per-rendition baseline in bench/. */
export function encoderArgs(r: PlannedRendition, o: LadderArgsOptions): string[] {
  const seg = o.segmentSeconds ?? 4;
  const fps = o.fps && o.fps > 0 ? o.fps : 30;
  const v = videoCodecArgs(o.encoder ?? 'libx264', {
    x264Preset: o.preset, profile: r.profile, level: r.level, kbps: r.videoKbps, gop: Math.max(1, Math.round(fps * seg)), segSeconds: seg,
  });
  const a = o.hasAudio ? ['-c:a', 'aac', '-b:a', `${r.audioKbps}k`, '-ac', '2'] : [];
  return [...v, ...a];
}

const SDT_NAME = '\u0015OnAir Studio';

export function hlsArgs(workDir: string, r: Pick<PlannedRendition, 'name'>, segmentSeconds = 4): string[] {
  const f = renditionFiles(workDir, r);
  // SDT strings marked UTF-8 (DVB 0x15): some ffprobe builds crash converting the default ISO 6937 names
  return ['-metadata', `service_provider=${SDT_NAME}`, '-metadata', `service_name=${SDT_NAME}`, '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod', '-hls_list_size', '0', '-hls_segment_filename', fileArg(f.segments), fileArg(f.playlist)];
}

/**
 * ONE ffmpeg argv that decodes the source once and encodes every rendition: the decoded video is
 * `split` into N branches, each scaled and encoded to its own HLS playlist; audio is read once per output.
 * (No -progress / -hide_banner here: runTool adds them.)
 */
export function buildLadderArgs(input: string, renditions: readonly PlannedRendition[], workDir: string, o: LadderArgsOptions): string[] {
  const n = renditions.length;
  const labels = renditions.map((_r, i) => `v${i}`);
  const split = n > 1 ? `[0:v:0]split=${n}${labels.map((l) => `[s${l}]`).join('')};` : '';
  const hw = hardwareInput(o.encoder ?? 'libx264');
  const scales = renditions.map((r, i) => `${n > 1 ? `[s${labels[i]}]` : '[0:v:0]'}scale=${r.width}:${r.height},setsar=1${hw.filterSuffix}[${labels[i]}]`).join(';');
  const args = ['-y', ...hw.global, '-i', fileArg(input), '-filter_complex', split + scales];
  renditions.forEach((r, i) => {
    args.push('-map', `[${labels[i]}]`);
    if (o.hasAudio) args.push('-map', '0:a:0');
    args.push(...encoderArgs(r, o), ...hlsArgs(workDir, r, o.segmentSeconds));
  });
  return args;
}

/** Seed 000's way, for comparison: one ffmpeg run for one rendition (the source decoded again each time). */
export function buildSingleRenditionArgs(input: string, r: PlannedRendition, workDir: string, o: LadderArgsOptions): string[] {
  const map = ['-map', '0:v:0', ...(o.hasAudio ? ['-map', '0:a:0'] : [])];
  const hw = hardwareInput(o.encoder ?? 'libx264');
  return ['-y', ...hw.global, '-i', fileArg(input), ...map, '-vf', `scale=${r.width}:${r.height},setsar=1${hw.filterSuffix}`, ...encoderArgs(r, o), ...hlsArgs(workDir, r, o.segmentSeconds)];
}

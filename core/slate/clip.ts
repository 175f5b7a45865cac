import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { runTool, ToolFailed } from '../ffmpeg/run';
import { FlvDemuxer, FLV_AUDIO, FLV_VIDEO } from '../format/flv/flv';
import { parseAudioTag, parseVideoTag } from '../format/flv/video-tag';
import type { Stream } from '../media/stream';

/**
 * The slate clip (issue 14): a short still-image H.264 + AAC-silence clip at a stream's parameters, encoded ONCE
 * per distinct parameters by ffmpeg (one keyframe at the start, the GOP is the whole clip, `-tune stillimage`,
 * no B-frames), read back with our own FLV demuxer into tag bodies, cached in memory and on disk
 * (`<data_dir>/slate/<hash>.flv`).
 *
 * The default card has no text: the bundled static ffmpeg has drawtext but no guaranteed font on every machine,
 * so the card is drawn with `color` + `drawbox` only (a dark blue field, a lighter band, a white "pause" sign).
 */

export interface SlateParams {
  /** x264 profile: baseline | main | high */
  profile: 'baseline' | 'main' | 'high';
  /** H.264 level, e.g. 3.1 (0: let x264 choose) */
  level: number;
  width: number;
  height: number;
  fps: number;
  /** AAC silence at this rate/channels (null: the clip has no audio) */
  audio: { rate: number; channels: number } | null;
  /** the user's image (absolute path + mtime in the key), or null for the default card */
  image: string | null;
}

/** One tag of the clip: an FLV tag body on the clip's own clock (ms from 0). */
export interface ClipTag {
  kind: 'video' | 'audio';
  ts: number;
  keyframe: boolean;
  body: Buffer;
}

export interface SlateClip {
  key: string;
  videoConfig: Buffer;
  audioConfig: Buffer | null;
  /** media tags (no sequence headers), by timestamp */
  tags: ClipTag[];
  /** one loop of the clip, ms: the next loop starts this much later */
  periodMs: number;
}

/** the default card's field colour (the pixel check in tests looks for it) */
export const SLATE_COLOR = { hex: '0x1d3557', r: 0x1d, g: 0x35, b: 0x57 };
export const CLIP_SECONDS = 2;

/** The slate parameters of a live stream (null: not an H.264 stream, or not known yet). */
export function paramsOf(s: Stream, image: string | null): SlateParams | null {
  const v = s.videoInfo;
  if (!v || v.codec !== 'H264' || !v.width || !v.height) return null;
  const p = v.profile.toLowerCase();
  const profile = p.includes('baseline') ? 'baseline' : p === 'main' ? 'main' : 'high';
  const fr = Number(s.metaFields.framerate ?? s.metaFields.fps);
  const fps = Number.isFinite(fr) && fr >= 1 && fr <= 120 ? Math.round(fr * 1000) / 1000 : 30;
  const a = s.audioInfo;
  const audio = a && a.codec === 'AAC' && a.samplerate > 0 ? { rate: a.samplerate, channels: Math.min(2, Math.max(1, a.channels || 2)) } : null;
  return { profile, level: v.level || 0, width: v.width, height: v.height, fps, audio, image };
}

/** The cache key: every parameter that changes the encoded clip. */
export function clipKey(p: SlateParams): string {
  let img = 'card';
  if (p.image) {
    let m = 0;
    try {
      m = statSync(p.image).mtimeMs;
    } catch {}
    img = `${p.image}@${m}`;
  }
  const audio = p.audio ? `aac${p.audio.rate}x${p.audio.channels}` : 'noaudio';
  return `h264-${p.profile}-${p.level}|${p.width}x${p.height}@${p.fps}|${audio}|${img}`;
}

/** The ffmpeg argv of one clip, written as FLV to stdout (pure). */
export function clipArgs(p: SlateParams): string[] {
  const { width: w, height: h, fps } = p;
  const frames = Math.max(1, Math.round(CLIP_SECONDS * fps));
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  let vf: string;
  if (p.image) {
    args.push('-loop', '1', '-framerate', String(fps), '-i', p.image);
    vf = `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;
  } else {
    args.push('-f', 'lavfi', '-i', `color=c=${SLATE_COLOR.hex}:s=${w}x${h}:r=${fps}`);
    const bw = Math.max(2, Math.round(w / 24) * 2), bh = Math.max(4, Math.round(h / 6) * 2);
    const band = `drawbox=x=0:y=${Math.round(h * 0.35)}:w=${w}:h=${Math.round(h * 0.3)}:color=0x2a4a78:t=fill`;
    const bar = (x: number): string => `drawbox=x=${x}:y=${Math.round((h - bh) / 2)}:w=${bw}:h=${bh}:color=white:t=fill`;
    vf = `${band},${bar(Math.round(w / 2 - bw * 1.5))},${bar(Math.round(w / 2 + bw * 0.5))},format=yuv420p`;
  }
  if (p.audio) args.push('-f', 'lavfi', '-i', `anullsrc=channel_layout=${p.audio.channels === 1 ? 'mono' : 'stereo'}:sample_rate=${p.audio.rate}`);
  args.push('-map', '0:v:0', '-vf', vf, '-r', String(fps));
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-profile:v', p.profile);
  if (p.level > 0) args.push('-level', String(p.level));
  args.push('-g', String(frames + 1), '-keyint_min', String(frames + 1), '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p');
  if (p.audio) args.push('-map', '1:a:0', '-c:a', 'aac', '-b:a', '64k', '-ar', String(p.audio.rate), '-ac', String(p.audio.channels));
  // one -t for the whole output: video and audio cover the same 0–CLIP_SECONDS (-frames:v ended the file before
  // the audio, leaving a hole at every loop)
  args.push('-t', String(CLIP_SECONDS), '-f', 'flv', 'pipe:1');
  return args;
}

/** Parse ffmpeg's FLV into a clip: sequence headers apart, media tags by timestamp, the loop period. */
export function parseClip(key: string, flv: Buffer, fps: number): SlateClip {
  const tags = new FlvDemuxer().push(flv);
  let videoConfig: Buffer | null = null;
  let audioConfig: Buffer | null = null;
  const media: ClipTag[] = [];
  for (const t of tags) {
    if (t.type === FLV_VIDEO) {
      const v = parseVideoTag(t.body);
      if (v.seqHeader) videoConfig ??= Buffer.from(t.body);
      else media.push({ kind: 'video', ts: t.timestamp, keyframe: v.keyframe, body: Buffer.from(t.body) });
    } else if (t.type === FLV_AUDIO && t.body.length > 0) {
      if (parseAudioTag(t.body).seqHeader) audioConfig ??= Buffer.from(t.body);
      else media.push({ kind: 'audio', ts: t.timestamp, keyframe: false, body: Buffer.from(t.body) });
    }
  }
  if (!videoConfig || !media.some((m) => m.kind === 'video' && m.keyframe)) throw new Error('slate clip: no H.264 sequence header or keyframe in ffmpeg output');
  // the clip starts on its keyframe (audio before it would only be dropped by the stream)
  const first = media.find((m) => m.kind === 'video' && m.keyframe)!.ts;
  const kept = media.filter((m) => m.ts >= first).map((m) => ({ ...m, ts: m.ts - first }));
  kept.sort((a, b) => a.ts - b.ts || (a.kind === 'video' ? -1 : 1));
  return { key, videoConfig, audioConfig, tags: kept, periodMs: loopPeriod(kept, fps) };
}

/** One loop's length: past the last frame of every track (video: one frame; audio: one AAC frame at most). */
export function loopPeriod(tags: readonly ClipTag[], fps: number): number {
  let lastVideo = 0;
  let lastAudio = -1;
  for (const t of tags) {
    if (t.kind === 'video') lastVideo = Math.max(lastVideo, t.ts);
    else lastAudio = Math.max(lastAudio, t.ts);
  }
  return Math.max(Math.round(lastVideo + 1000 / fps), lastAudio + 1);
}

export interface ClipCacheDeps {
  ffmpeg: () => Promise<string | null>;
  budget?: FfmpegBudget;
  /** where clips are kept on disk (null: memory only) */
  dir: () => string | null;
}

/** Clips by key: one ffmpeg run per distinct key (concurrent asks share it), then memory (and disk). */
export class ClipCache {
  private readonly clips = new Map<string, Promise<SlateClip>>();
  /** ffmpeg runs so far (tests check that a second drop reuses the clip) */
  encodes = 0;

  constructor(private readonly deps: ClipCacheDeps) {}

  /** forget every clip in memory (the slate image changed; files on disk are keyed by image + mtime) */
  clear(): void {
    this.clips.clear();
  }

  get(p: SlateParams): Promise<SlateClip> {
    const key = clipKey(p);
    let c = this.clips.get(key);
    if (!c) {
      c = this.make(key, p);
      this.clips.set(key, c);
      c.catch(() => this.clips.delete(key)); // a failed encode may be tried again later
    }
    return c;
  }

  private async make(key: string, p: SlateParams): Promise<SlateClip> {
    const dir = this.deps.dir();
    const file = dir ? path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.flv`) : null;
    if (file) {
      try {
        return parseClip(key, readFileSync(file), p.fps);
      } catch {}
    }
    const bin = await this.deps.ffmpeg();
    if (!bin) throw new Error('slate clip: no ffmpeg');
    this.encodes++;
    const r = await runTool(bin, clipArgs(p), { budget: this.deps.budget, kind: 'slate', captureStdout: 64 * 1024 * 1024, timeoutMs: 60_000 }).done;
    if (r.code !== 0) throw new ToolFailed('ffmpeg', r);
    const clip = parseClip(key, r.stdout, p.fps);
    if (file && dir) {
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${file}.tmp`, r.stdout);
        renameSync(`${file}.tmp`, file);
      } catch {}
    }
    return clip;
  }
}

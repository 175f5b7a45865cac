/**
 * Pre-flight (issue 11): the incoming stream checked against a platform's published ingest rules, before and
 * while a destination runs. Pure: no I/O. The verdict is "copy" whenever the rules allow it; otherwise
 * "re-encode" with the reasons in plain words ("keyframes every 8.3 s, Twitch needs ≤ 4 s"), and what the
 * re-encode must do per track (video copy/encode, audio copy/encode/silence). Platform facts: their public
 * ingest docs (Twitch: H.264, CBR ≤ 6 Mbit/s, keyframes 2 s; YouTube: HEVC/AV1 over Enhanced RTMP; Facebook:
 * audio and video both required; all three: keyframes 2 s recommended, > 4 s refused; AAC 44.1/48 kHz).
 */
import type { AudioCodecName, VideoCodecName } from '../format/codec/codec-types';
import type { Platform } from './types';

export interface PlatformRules {
  label: string;
  /** keyframes further apart than this (s) are refused by the platform (null: no rule) */
  maxKeyframeS: number | null;
  /** the GOP a re-encode produces (s) */
  gopS: number;
  /** video bits per second the platform accepts at most (null: no cap we know of) */
  maxVideoBitrate: number | null;
  /** video codecs it accepts (null: any) */
  videoCodecs: readonly VideoCodecName[] | null;
  /** it ends a stream that has no audio */
  audioRequired: boolean;
  /** AAC sample rates it accepts (null: any) */
  audioRates: readonly number[] | null;
}

const STRICT = { maxKeyframeS: 4, gopS: 2, audioRates: [44_100, 48_000] } as const;

export const PLATFORM_RULES: Readonly<Record<Platform, PlatformRules>> = {
  twitch: { label: 'Twitch', ...STRICT, maxVideoBitrate: 6_000_000, videoCodecs: ['H264'], audioRequired: false },
  // HEVC and AV1 over Enhanced RTMP (FourCC video tags), which YouTube ingest accepts
  youtube: { label: 'YouTube', ...STRICT, maxVideoBitrate: null, videoCodecs: ['H264', 'HEVC', 'AV1'], audioRequired: false },
  facebook: { label: 'Facebook', ...STRICT, maxVideoBitrate: null, videoCodecs: ['H264'], audioRequired: true },
  // Kick and Custom: no rules we can vouch for — whatever the user sends is copied
  kick: { label: 'Kick', maxKeyframeS: null, gopS: 2, maxVideoBitrate: null, videoCodecs: null, audioRequired: false, audioRates: null },
  custom: { label: 'this server', maxKeyframeS: null, gopS: 2, maxVideoBitrate: null, videoCodecs: null, audioRequired: false, audioRates: null },
};

/** What is known of the incoming stream. Unknown values are null (not measured yet). */
export interface IncomingStream {
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: VideoCodecName | null;
  audioCodec: AudioCodecName | null;
  audioRate: number | null;
  /** the longest recent keyframe interval, s; or a lower bound while the next keyframe is late */
  keyframeS: number | null;
  /** keyframeS is a lower bound (no second keyframe yet) */
  keyframeAtLeast: boolean;
  /** video bits per second (measured, or declared in onMetaData) */
  videoBitrate: number | null;
}

export type TrackPlan = 'copy' | 'encode';

export interface PreflightVerdict {
  mode: 'copy' | 're-encode';
  /** why a re-encode is needed, in plain words (empty for copy) */
  reasons: string[];
  /** what cannot be fixed here or is only advice (no video for a platform that needs it…) */
  warnings: string[];
  video: TrackPlan;
  audio: TrackPlan | 'silence' | 'none';
  /** the video bitrate a re-encode targets (bits/s) */
  targetBitrate: number;
  /** the re-encode's keyframe interval (s) */
  gopS: number;
  /** one line for the card: "copy" or "re-encode: keyframes every 8.3 s, Twitch needs ≤ 4 s" */
  summary: string;
}

/** A re-encode with no measured source bitrate targets this (bits/s), under the platform cap. */
export const DEFAULT_ENCODE_BITRATE = 4_500_000;

const secs = (s: number): string => `${s.toFixed(1).replace(/\.0$/, '')} s`;
const mbit = (b: number): string => `${(b / 1e6).toFixed(1).replace(/\.0$/, '')} Mbit/s`;

/**
 * Has the stream been seen long enough to judge it? Keyframe rules need a second keyframe, or the current one
 * older than the limit. Platforms without a keyframe rule decide at once.
 */
export function canDecide(platform: Platform, s: IncomingStream): boolean {
  const r = PLATFORM_RULES[platform];
  if (r.maxKeyframeS === null || !s.hasVideo) return true;
  if (s.keyframeS === null) return false;
  return !s.keyframeAtLeast || s.keyframeS > r.maxKeyframeS;
}

export function preflight(platform: Platform, s: IncomingStream): PreflightVerdict {
  const r = PLATFORM_RULES[platform];
  const reasons: string[] = [];
  const warnings: string[] = [];
  let video: TrackPlan = 'copy';
  let audio: PreflightVerdict['audio'] = s.hasAudio ? 'copy' : 'none';
  if (s.hasVideo) {
    if (r.videoCodecs && s.videoCodec && !r.videoCodecs.includes(s.videoCodec)) {
      video = 'encode';
      reasons.push(`video is ${s.videoCodec}, ${r.label} needs ${r.videoCodecs.join(' or ')}`);
    }
    if (r.maxKeyframeS !== null && s.keyframeS !== null && s.keyframeS > r.maxKeyframeS) {
      video = 'encode';
      const at = s.keyframeAtLeast ? `more than ${secs(r.maxKeyframeS)} apart` : `every ${secs(s.keyframeS)}`;
      reasons.push(`keyframes ${at}, ${r.label} needs ≤ ${secs(r.maxKeyframeS)}`);
    }
    if (r.maxVideoBitrate !== null && s.videoBitrate !== null && s.videoBitrate > r.maxVideoBitrate * 1.05) {
      video = 'encode';
      reasons.push(`video at ${mbit(s.videoBitrate)}, ${r.label} takes at most ${mbit(r.maxVideoBitrate)}`);
    }
  } else if (r.maxKeyframeS !== null) {
    warnings.push(`no video: ${r.label} expects video`);
  }
  if (!s.hasAudio && r.audioRequired) {
    audio = 'silence';
    reasons.push(`no audio, ${r.label} ends a stream without audio (adding silence)`);
  } else if (s.hasAudio) {
    if (r.audioRates && s.audioCodec && s.audioCodec !== 'AAC') {
      audio = 'encode';
      reasons.push(`audio is ${s.audioCodec}, ${r.label} needs AAC`);
    } else if (r.audioRates && s.audioRate && !r.audioRates.includes(s.audioRate)) {
      audio = 'encode';
      reasons.push(`audio at ${s.audioRate / 1000} kHz, ${r.label} needs 44.1 or 48 kHz`);
    }
  }
  const measured = s.videoBitrate && s.videoBitrate > 0 ? s.videoBitrate : DEFAULT_ENCODE_BITRATE;
  const targetBitrate = Math.max(300_000, Math.min(measured, r.maxVideoBitrate ?? Infinity));
  const mode = reasons.length ? 're-encode' : 'copy';
  return { mode, reasons, warnings, video, audio, targetBitrate, gopS: r.gopS, summary: mode === 'copy' ? 'copy' : `re-encode: ${reasons.join('; ')}` };
}

import { HEALTH_CHECKS, type HealthAdvice, type HealthCheck, type HealthVerdict } from '../contract/health';

/**
 * The health checks (issue 14), pure: facts about one live stream in, advice out. Priority is HEALTH_CHECKS'
 * order (core/contract/health.ts); a `bad` beats any `warning`. Thresholds, each documented here and in the README:
 *
 * - no_audio_facebook  bad     : no audio track (2 s after publish) and an enabled/auto Facebook destination feeds it
 * - keyframes          bad     : keyframe interval > 4 s (platforms refuse it; HLS segments balloon)
 *                      warning : > 2.5 s (every platform asks for 2 s)
 * - upload             bad     : destinations need more than 1.25 × the best acknowledged throughput of the last 30 s
 *                      warning : more than 1.05 × (shown as a range: lowest–highest acknowledged total)
 * - disk               bad     : < 10 min of recording left at the current write rate; warning: < 60 min
 * - publisher_lag      bad     : frames arrive > 2000 ms late (lowest lag of the last 5 s); warning: > 600 ms
 * - ladder_speed       bad     : the ladder's ffmpeg runs < 0.8× real time; warning: < 0.95×
 * - bitrate_swings     warning : max/min of the last 10 one-second input bitrate samples ≥ 3 (use CBR)
 */
export const THRESHOLDS = {
  audioGraceS: 2,
  keyframeBadS: 4,
  keyframeWarnS: 2.5,
  uploadBad: 1.25,
  uploadWarn: 1.05,
  diskBadMin: 10,
  diskWarnMin: 60,
  lagBadMs: 2000,
  lagWarnMs: 600,
  lagWindowS: 5,
  ladderBad: 0.8,
  ladderWarn: 0.95,
  swingRatio: 3,
  swingWindowS: 10,
} as const;

export interface StreamFacts {
  /** seconds since the publisher started */
  liveS: number;
  hasAudio: boolean;
  hasVideo: boolean;
  /** an enabled (or auto) Facebook destination takes this stream */
  facebookDestination: boolean;
  keyframeS: number | null;
  /** lag samples of the last few seconds, ms */
  lagMs: number[];
  /** 1-s input bitrate samples of the last 10 s */
  bitrates: number[];
  ladderSpeed: number | null;
  /** bits per second the live destinations need, and what they acknowledged (lowest, highest) over 30 s */
  upload: { need: number; lo: number; hi: number } | null;
  /** minutes of recording left on the disk, null when not recording */
  diskMinutes: number | null;
}

const mbit = (bps: number): string => (bps / 1e6).toFixed(1);

/** The English text of one advice (the panel has its own en + zh under shealth.advice.*). */
export function adviceText(check: HealthCheck, p: Record<string, number>): string {
  switch (check) {
    case 'no_audio_facebook': return 'No audio track: Facebook will end the stream';
    case 'keyframes': return `Keyframes every ${p.seconds.toFixed(1)} s: set OBS → Output → Keyframe Interval to 2`;
    case 'upload': return `Your destinations need ${mbit(p.need)} Mbit/s; your upload measured ${mbit(p.lo)}–${mbit(p.hi)} Mbit/s`;
    case 'disk': return `Disk has ${Math.floor(p.minutes)} minutes of recording left`;
    case 'publisher_lag': return `Frames arrive ${Math.round(p.ms)} ms late (publisher network)`;
    case 'ladder_speed': return `Encoder ladder runs at ${p.speed.toFixed(2)}× real time: drop the top rung or use the hardware encoder`;
    case 'bitrate_swings': return `Bitrate swings ${p.ratio.toFixed(1)}× in 10 s: use CBR`;
  }
}

function advice(check: HealthCheck, level: 'warning' | 'bad', params: Record<string, number>): HealthAdvice {
  const rounded = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  return { check, level, params: rounded, text: adviceText(check, rounded) };
}

/** Every failing check, most important first. */
export function runChecks(f: StreamFacts): HealthAdvice[] {
  const T = THRESHOLDS;
  const out: HealthAdvice[] = [];
  if (!f.hasAudio && f.facebookDestination && f.liveS >= T.audioGraceS) out.push(advice('no_audio_facebook', 'bad', {}));
  if (f.hasVideo && f.keyframeS !== null && f.keyframeS > T.keyframeWarnS) {
    out.push(advice('keyframes', f.keyframeS > T.keyframeBadS ? 'bad' : 'warning', { seconds: f.keyframeS }));
  }
  if (f.upload && f.upload.hi > 0 && f.upload.need > f.upload.hi * T.uploadWarn) {
    out.push(advice('upload', f.upload.need > f.upload.hi * T.uploadBad ? 'bad' : 'warning', { ...f.upload }));
  }
  if (f.diskMinutes !== null && f.diskMinutes < T.diskWarnMin) {
    out.push(advice('disk', f.diskMinutes < T.diskBadMin ? 'bad' : 'warning', { minutes: f.diskMinutes }));
  }
  if (f.lagMs.length >= T.lagWindowS) {
    const lag = Math.min(...f.lagMs.slice(-T.lagWindowS));
    if (lag > T.lagWarnMs) out.push(advice('publisher_lag', lag > T.lagBadMs ? 'bad' : 'warning', { ms: lag }));
  }
  if (f.ladderSpeed !== null && f.ladderSpeed < T.ladderWarn) {
    out.push(advice('ladder_speed', f.ladderSpeed < T.ladderBad ? 'bad' : 'warning', { speed: f.ladderSpeed }));
  }
  if (f.bitrates.length >= T.swingWindowS) {
    const last = f.bitrates.slice(-T.swingWindowS);
    const lo = Math.min(...last);
    const hi = Math.max(...last);
    if (lo > 0 && hi / lo >= T.swingRatio) out.push(advice('bitrate_swings', 'warning', { ratio: hi / lo }));
  }
  const rank = (a: HealthAdvice): number => (a.level === 'bad' ? 0 : 100) + HEALTH_CHECKS.indexOf(a.check);
  return out.sort((a, b) => rank(a) - rank(b));
}

export function verdictOf(list: readonly HealthAdvice[]): HealthVerdict {
  if (list.some((a) => a.level === 'bad')) return 'bad';
  return list.length ? 'warning' : 'good';
}

/** the step of each advice number that counts as a change (anything else: bits per second, in Mbit/s) */
const STEP: Record<string, number> = { seconds: 1, ms: 500, minutes: 10, speed: 0.05, ratio: 1 };

/**
 * What must change for `health.changed` to fire: the verdict, THE advice (check + level), and its numbers
 * in coarse steps (a keyframe interval in whole seconds, lag in 500 ms, Mbit/s, disk minutes in 10 s…) — so a
 * number that moves a little every second does not send an event every second.
 */
export function signature(verdict: HealthVerdict, list: readonly HealthAdvice[]): string {
  const top = list[0];
  const coarse = top ? Object.entries(top.params).map(([k, v]) => `${k}=${Math.round(v / (STEP[k] ?? 1e6))}`).join(',') : '';
  return `${verdict}|${top ? `${top.check}:${top.level}` : ''}|${coarse}`;
}

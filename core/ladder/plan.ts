import type { OnAirConfig } from '../config';
import { LADDER_PRESET_RUNGS, type LadderRung, type LadderSetting, type LadderState } from '../contract/ladder';
import { h264Level } from '../ffmpeg/h264-level';
import { fissionRuleMatches, fissionRungs } from '../ladder-config';

/** Which ladder applies to a stream, and where that came from. */
export interface ResolvedLadder {
  rungs: LadderRung[];
  from: LadderState['from'];
}

/** One rung as planned for a source: its stream, its frame size and rates. */
export interface PlannedRung {
  /** "/app/NAME_720" */
  path: string;
  /** "720p" */
  name: string;
  /** the short side asked for (the `_<height>` of the name) */
  label: number;
  /** output frame size (0 × 0 for an audio-only source) */
  width: number;
  height: number;
  /** output fps (null: the source's, unknown) */
  fps: number | null;
  video_kbps: number;
  audio_kbps: number;
  profile: 'high' | 'main';
  level: string;
}

/** The source as the planner sees it (from the stream's sequence header and onMetaData). */
export interface SourceShape {
  width: number;
  height: number;
  fps: number | null;
  hasVideo: boolean;
}

/** The rungs of a setting (null: the ladder is off). */
export function rungsOfSetting(s: LadderSetting): LadderRung[] | null {
  if (s.preset === 'off') return null;
  if (s.preset === 'custom') return s.rungs?.length ? s.rungs : null;
  return [...LADDER_PRESET_RUNGS[s.preset]];
}

/** ladder.streams[path] > ladder.apps[app] > a fission task whose rule matches > none. */
export function resolveLadder(cfg: Pick<OnAirConfig, 'ladder' | 'fission'>, app: string, name: string): ResolvedLadder | null {
  const byStream = cfg.ladder.streams[`/${app}/${name}`];
  if (byStream) {
    const rungs = rungsOfSetting(byStream);
    return rungs ? { rungs, from: 'stream' } : null;
  }
  const byApp = cfg.ladder.apps[app];
  if (byApp) {
    const rungs = rungsOfSetting(byApp);
    return rungs ? { rungs, from: 'app' } : null;
  }
  const task = cfg.fission?.tasks.find((t) => fissionRuleMatches(t.rule, app, name));
  return task ? { rungs: fissionRungs(task), from: 'fission' } : null;
}

/** Is `name` shaped like a rung of some source ("NAME_<digits>")? Returns the base name and the height. */
export function splitRungName(name: string): { base: string; height: number } | null {
  const m = /^(.+)_(\d{2,4})$/.exec(name);
  return m ? { base: m[1], height: Number(m[2]) } : null;
}

/** "/app/NAME" + 720 → "/app/NAME_720" (NMS fission naming). */
export function rungPath(sourcePath: string, height: number): string {
  return `${sourcePath}_${height}`;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

/**
 * The rungs to encode for this source: never upscaled (rungs taller than the source's short side are dropped;
 * if all are, none), one per height (the first wins), tallest first; width = even(height × aspect), fps capped
 * at the source's. An audio-only source keeps every rung, audio only.
 */
export function planRungs(rungs: readonly LadderRung[], src: SourceShape, sourcePath: string): PlannedRung[] {
  const seen = new Set<number>();
  const uniq = rungs.filter((r) => (seen.has(r.height) ? false : (seen.add(r.height), true))).sort((a, b) => b.height - a.height);
  const srcFps = src.fps && src.fps > 0 ? src.fps : null;
  const fpsOf = (r: LadderRung): number | null => (r.fps && srcFps ? Math.min(r.fps, srcFps) : (r.fps ?? srcFps));
  const base = (r: LadderRung): Omit<PlannedRung, 'width' | 'height' | 'profile' | 'level'> => ({
    path: rungPath(sourcePath, r.height), name: `${r.height}p`, label: r.height, fps: fpsOf(r), video_kbps: r.video_kbps, audio_kbps: r.audio_kbps,
  });
  if (!src.hasVideo) return uniq.map((r) => ({ ...base(r), width: 0, height: 0, profile: 'main', level: '3.0' }));
  const short = Math.min(src.width, src.height);
  const long = Math.max(src.width, src.height);
  if (!(short > 0)) return [];
  const portrait = src.height > src.width;
  return uniq.filter((r) => r.height <= short).map((r) => {
    const s = even(r.height);
    const l = even((long * r.height) / short);
    const width = portrait ? s : l;
    const height = portrait ? l : s;
    const b = base(r);
    return { ...b, width, height, profile: r.height >= 720 ? 'high' : 'main', level: h264Level(width, height, b.fps ?? 30) };
  });
}

/** The warning when the encoder does not keep up (speed < 0.95 for a while): which rung to drop, or the hardware encoder. */
export function speedWarning(speed: number, rungs: readonly PlannedRung[], encoder: string): string {
  const top = rungs.filter((r) => r.height > 0)[0];
  const hw = encoder === 'libx264' ? 'use the hardware encoder' : '';
  const drop = rungs.length > 1 && top ? `drop the ${top.name} rung` : '';
  const advice = [drop, hw].filter(Boolean).join(' or ') || 'lower the rungs\' sizes';
  return `Encoder ladder runs at ${speed.toFixed(2)}× real time: ${advice}`;
}

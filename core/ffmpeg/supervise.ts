import type { RunResult } from './run';

/**
 * Small pieces every supervised long-running ffmpeg shares (a destination's re-encode, the live ladder):
 * why a run ended in plain words, and the growing delay before the next try.
 */

/** "ffmpeg ended (SIGKILL): <last two stderr lines>" */
export function ffmpegEndReason(res: RunResult): string {
  const tail = res.stderr.trim().split('\n').slice(-2).join(' | ');
  return `ffmpeg ended (${res.signal ?? `code ${res.code}`}): ${tail || 'no output'}`;
}

/** 0.5 s, 1 s, 2 s … capped at 10 s, for the n-th failure in a row (n ≥ 1) */
export function restartDelayMs(n: number): number {
  return Math.min(10_000, 500 * 2 ** Math.min(5, Math.max(0, n - 1)));
}

export interface StallWatch {
  everyMs: number;
  stallMs: number;
  /** false once this run is not the current one any more: the check does nothing */
  active: () => boolean;
  /** when the run last made progress (ms epoch) */
  lastProgress: () => number;
  /** runs first on every active check (sampling, or refreshing progress while waiting is legitimate) */
  tick?: () => void;
  /** the run made no progress for stallMs: `reason` is "made no progress for N s" */
  onStall: (reason: string) => void;
}

/** The stall watchdog of a supervised ffmpeg: an unref'd interval that reports a run making no progress. */
export function stallWatchdog(w: StallWatch): NodeJS.Timeout {
  const t = setInterval(() => {
    if (!w.active()) return;
    w.tick?.();
    if (Date.now() - w.lastProgress() <= w.stallMs) return;
    w.onStall(`made no progress for ${Math.round(w.stallMs / 1000)} s`);
  }, w.everyMs);
  t.unref();
  return t;
}

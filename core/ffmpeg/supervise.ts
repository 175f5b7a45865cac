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

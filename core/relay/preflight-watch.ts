import { canDecide, preflight, type IncomingStream, type PreflightVerdict } from './preflight';
import type { Platform } from './types';

/**
 * Pre-flight while a destination copies (issue 11: "before and while a destination runs"): the stream is
 * checked again at most once a second; a re-encode verdict that holds for `streak` checks in a row (a bitrate
 * spike or one long GOP does not flip it) is returned once, and the destination switches to re-encoding on
 * the fly. A verdict back to copy is not acted on (the re-encode stays until the next broadcast).
 */
export class PreflightWatch {
  private lastCheck = 0;
  private hits = 0;

  constructor(private readonly everyMs = 1000, private readonly streak = 3) {}

  reset(): void {
    this.lastCheck = 0;
    this.hits = 0;
  }

  /**
   * A verdict to switch to, or null (keep copying). `now` in ms. Called per packet: `stream` may be a function,
   * then the stream is only measured when a check is due.
   */
  check(platform: Platform, stream: IncomingStream | (() => IncomingStream), now = Date.now()): PreflightVerdict | null {
    if (now - this.lastCheck < this.everyMs) return null;
    this.lastCheck = now;
    const s = typeof stream === 'function' ? stream() : stream;
    if (!canDecide(platform, s)) return null;
    const v = preflight(platform, s);
    this.hits = v.mode === 're-encode' ? this.hits + 1 : 0;
    if (this.hits < this.streak) return null;
    this.hits = 0;
    return v;
  }
}

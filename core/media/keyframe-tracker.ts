import type { MediaPacket } from './packet';

/**
 * Keyframe intervals of a stream (media timestamps, ms): `intervalS` is the longest of the last few intervals;
 * while the next keyframe is late, the time since the last one is a lower bound (`atLeast`). A timestamp jump
 * (a new publisher session, a wrap) starts over. Used by destinations' pre-flight and the health checks.
 */
export class KeyframeTracker {
  private lastKey: number | null = null;
  private latest: number | null = null;
  private readonly intervals: number[] = [];

  constructor(private readonly keep = 3) {}

  reset(): void {
    this.lastKey = this.latest = null;
    this.intervals.length = 0;
  }

  add(p: MediaPacket): void {
    if (p.seqHeader || p.kind === 'data') return;
    this.addFrame(p.kind === 'video' && p.keyframe, p.timestamp);
  }

  /** A media frame (not a sequence header); true when its timestamp jumped and the tracker started over. */
  addFrame(keyframe: boolean, timestamp: number): boolean {
    const jumped = this.latest !== null && (timestamp < this.latest - 1000 || timestamp > this.latest + 60_000);
    if (jumped) this.reset();
    this.latest = Math.max(this.latest ?? timestamp, timestamp);
    if (!keyframe) return jumped;
    if (this.lastKey !== null && timestamp > this.lastKey) {
      this.intervals.push(timestamp - this.lastKey);
      if (this.intervals.length > this.keep) this.intervals.shift();
    }
    this.lastKey = timestamp;
    return jumped;
  }

  /** seconds, or null before the first keyframe */
  get intervalS(): number | null {
    if (this.lastKey === null || this.latest === null) return null;
    return Math.max(this.latest - this.lastKey, ...this.intervals) / 1000;
  }

  /** the interval is only a lower bound (the next keyframe has not come yet and is later than any seen) */
  get atLeast(): boolean {
    if (this.lastKey === null || this.latest === null) return true;
    return !this.intervals.length || this.latest - this.lastKey > Math.max(...this.intervals);
  }
}

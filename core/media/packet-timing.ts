import { KeyframeTracker } from './keyframe-tracker';

/**
 * Timing of a publisher's frames, measured on the packet path (issue 14 health): the keyframe interval from
 * media timestamps, and publisher lag — how late frames arrive compared with their own timestamps. Lag is the
 * arrival-minus-timestamp offset above the smallest offset seen this session (the frame that came "earliest"):
 * a publisher whose network cannot keep up falls further behind, so the offset grows. A burst (GOP cache of a
 * relay) arrives early, never late, so it does not read as lag. O(1) memory; reset on every publisher session.
 */
export class PacketTiming {
  private readonly keyframes = new KeyframeTracker();
  private baseline = Infinity;
  /** the newest lag, ms */
  lagMs = 0;

  reset(): void {
    this.keyframes.reset();
    this.baseline = Infinity;
    this.lagMs = 0;
  }

  /** A media frame (not a sequence header) with the publisher's own timestamp (ms), arrived at `now`. */
  add(kind: string, keyframe: boolean, timestamp: number, now: number): void {
    if (this.keyframes.addFrame(kind === 'video' && keyframe, timestamp)) this.baseline = Infinity; // a jump: start over
    const offset = now - timestamp;
    if (offset < this.baseline) this.baseline = offset;
    this.lagMs = offset - this.baseline;
  }

  /**
   * Seconds between keyframes: the longest of the last three intervals; while the next keyframe is later than
   * any seen, the time since the last one (a lower bound). Null before the first keyframe.
   */
  get keyframeIntervalS(): number | null {
    return this.keyframes.intervalS;
  }
}

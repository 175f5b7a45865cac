/**
 * Timing of a publisher's frames, measured on the packet path (issue 14 health): the keyframe interval from
 * media timestamps, and publisher lag — how late frames arrive compared with their own timestamps. Lag is the
 * arrival-minus-timestamp offset above the smallest offset seen this session (the frame that came "earliest"):
 * a publisher whose network cannot keep up falls further behind, so the offset grows. A burst (GOP cache of a
 * relay) arrives early, never late, so it does not read as lag. O(1) memory; reset on every publisher session.
 */
export class PacketTiming {
  private lastKey: number | null = null;
  private latest: number | null = null;
  /** the last few keyframe intervals, ms */
  private readonly intervals: number[] = [];
  private baseline = Infinity;
  /** the newest lag, ms */
  lagMs = 0;

  reset(): void {
    this.lastKey = this.latest = null;
    this.intervals.length = 0;
    this.baseline = Infinity;
    this.lagMs = 0;
  }

  /** A media frame (not a sequence header) with the publisher's own timestamp (ms), arrived at `now`. */
  add(kind: string, keyframe: boolean, timestamp: number, now: number): void {
    if (this.latest !== null && (timestamp < this.latest - 1000 || timestamp > this.latest + 60_000)) this.reset(); // a jump: start over
    this.latest = Math.max(this.latest ?? timestamp, timestamp);
    const offset = now - timestamp;
    if (offset < this.baseline) this.baseline = offset;
    this.lagMs = offset - this.baseline;
    if (kind !== 'video' || !keyframe) return;
    if (this.lastKey !== null && timestamp > this.lastKey) {
      this.intervals.push(timestamp - this.lastKey);
      if (this.intervals.length > 3) this.intervals.shift();
    }
    this.lastKey = timestamp;
  }

  /**
   * Seconds between keyframes: the longest of the last three intervals; while the next keyframe is later than
   * any seen, the time since the last one (a lower bound). Null before the first keyframe.
   */
  get keyframeIntervalS(): number | null {
    if (this.lastKey === null || this.latest === null) return null;
    const since = this.latest - this.lastKey;
    const longest = Math.max(0, ...this.intervals);
    return Math.max(since, longest) / 1000;
  }
}

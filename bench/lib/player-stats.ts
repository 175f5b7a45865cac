/** What every benchmark player records: time to first keyframe and per-frame arrival vs timestamp. */

/** Shared switch: frames count toward jitter only while the measurement window is open. */
export interface WindowClock {
  recording: boolean;
}

const CODEC_AVC = 7;
const CODEC_HEVC = 12;

export abstract class PlayerStats {
  connectAt = 0;
  firstKeyframeMs: number | null = null;
  /** arrival_ms - frame_ts_ms for each video frame inside the window */
  readonly deltas: number[] = [];
  ended = false;
  endReason = '';

  constructor(protected readonly clock: WindowClock) {}

  abstract start(): void;
  abstract close(): void;

  /** A video message / FLV video tag body arrived at `now` (performance.now()). */
  protected onVideo(ts: number, body: Buffer, now: number): void {
    if (body.length < 2) return;
    const b0 = body[0];
    const codec = b0 & 0x0f;
    // AVC/HEVC sequence headers (AVCPacketType 0) are configuration, not frames
    if ((codec === CODEC_AVC || codec === CODEC_HEVC) && body[1] === 0) return;
    if (this.firstKeyframeMs === null && b0 >> 4 === 1) this.firstKeyframeMs = now - this.connectAt;
    if (this.clock.recording) this.deltas.push(now - ts);
  }

  protected finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
  }
}

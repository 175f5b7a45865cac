import type { MediaPacket } from './packet';

export interface QueuePolicy {
  /** queued bytes above which a player skips to the next keyframe */
  maxBytes: number;
  /** how long a player may stay above maxBytes before it is disconnected, ms */
  stallMs: number;
}

export type Verdict = 'send' | 'drop' | 'stall';

/**
 * The per-player queue policy. A player whose output queue passes maxBytes drops frames until the next
 * video keyframe (audio-only: until the queue drains); if it stays over the limit for stallMs it is
 * disconnected. Codec configuration and metadata always pass: they are small and a decoder needs them.
 */
export class BackpressureGate {
  dropped = 0;
  private waitKeyframe: boolean;
  private overSince = 0;

  constructor(private readonly policy: QueuePolicy, private readonly hasVideo: boolean, startsOnKeyframe: boolean) {
    this.waitKeyframe = hasVideo && !startsOnKeyframe;
  }

  admit(p: MediaPacket, queued: number): Verdict {
    if (p.seqHeader || p.kind === 'data') return 'send';
    if (queued > this.policy.maxBytes) {
      const now = Date.now();
      if (this.overSince === 0) this.overSince = now;
      else if (now - this.overSince > this.policy.stallMs) return 'stall';
      if (this.hasVideo) this.waitKeyframe = true;
      this.dropped++;
      return 'drop';
    }
    this.overSince = 0;
    if (this.waitKeyframe) {
      if (p.kind === 'video' && p.keyframe) this.waitKeyframe = false;
      else {
        this.dropped++;
        return 'drop';
      }
    }
    return 'send';
  }
}

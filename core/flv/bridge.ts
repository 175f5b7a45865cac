import type { MediaPacket } from '../media/packet';

/**
 * A bridge frame for FLV players across a new AVC configuration (the slate going on or off, an encoder returning
 * with other settings). mpegts.js / flv.js hold the newest one or two video frames back while they wait for the
 * next; a new sequence header makes them append those held frames after the new init segment, where MSE wants a
 * keyframe and drops them. The player's video buffer then ended where the first dropped frame began, the next
 * range started at the new keyframe, and since neither Chromium nor mpegts.js jumps such a hole, the picture froze
 * on the last source frame (issue 14: about half of the switches).
 *
 * So just before the new sequence header an FLV player gets one frame that carries no picture — an access unit
 * delimiter (NAL type 9) — 1 ms before the keyframe, which the stream clock puts 2 ms after the last frame
 * (media/stream-clock.ts). Whichever frames the player then holds and drops (this one, or it and the last real
 * frame), the hole left is 1–2 ms and the buffer stays one range. The bridge is always among the dropped frames,
 * so no decoder sees it. Only FLV players get it (destinations, HLS, RTMP players do not).
 */

const AVC = 7;

/** the NALU length size of an AVCDecoderConfigurationRecord in an FLV AVC sequence header body (null: not AVC) */
export function avcLengthSize(seqHeader: Buffer): number | null {
  if (seqHeader.length < 10 || (seqHeader[0] & 0x0f) !== AVC || seqHeader[1] !== 0) return null;
  return (seqHeader[5 + 4] & 0x03) + 1;
}

/** an FLV AVC inter frame holding one access unit delimiter, NALU lengths of `lengthSize` bytes */
export function audFrame(timestamp: number, lengthSize: number): MediaPacket {
  const head = Buffer.from([0x20 | AVC, 1, 0, 0, 0]);
  const len = Buffer.alloc(lengthSize);
  len.writeUIntBE(2, 0, lengthSize);
  return { kind: 'video', timestamp, cts: 0, keyframe: false, seqHeader: false, body: Buffer.concat([head, len, Buffer.from([0x09, 0xf0])]) };
}

/**
 * What an FLV player sends for each video packet: a sequence header that differs from the one the player has is
 * held until the next video frame, then sent as [bridge, bridge, header, frame]. Stateful, one per player.
 */
export class ConfigBridge {
  private current: Buffer | null = null;
  private held: MediaPacket | null = null;
  private lastVideoTs = -1;

  /** the configuration the player started with */
  started(config: MediaPacket | null): void {
    this.current = config?.body ?? null;
  }

  /**
   * The per-packet fast path: true when `p` goes out as it is (every packet but a video sequence header and the
   * frame after a held one), noting a video frame's time; no allocation. The rest goes through `map`.
   */
  passes(p: MediaPacket): boolean {
    if (p.kind !== 'video') return true;
    if (p.seqHeader || this.held) return false;
    this.lastVideoTs = p.timestamp;
    return true;
  }

  /** the packets to send in place of `p`: `[p]`, nothing (a held header), or the bridge + the held header + p */
  map(p: MediaPacket): MediaPacket[] {
    if (p.kind !== 'video') return [p];
    if (p.seqHeader) {
      if (this.current && !p.body.equals(this.current) && this.lastVideoTs >= 0) {
        this.held = p;
        return [];
      }
      this.current = p.body;
      return [p];
    }
    const out: MediaPacket[] = [];
    if (this.held) {
      // the bridge frames are read under the configuration before the new header: its NALU length size
      const size = this.current ? avcLengthSize(this.current) : null;
      // room for it between the last frame sent and this one (the stream clock leaves 2 ms)
      if (size !== null && p.timestamp - 1 > this.lastVideoTs) out.push(audFrame(p.timestamp - 1, size));
      out.push({ ...this.held, timestamp: p.timestamp, flvTag: undefined });
      this.current = this.held.body;
      this.held = null;
    }
    this.lastVideoTs = p.timestamp;
    out.push(p);
    return out;
  }
}

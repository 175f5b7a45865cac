import { MsUnwrapper } from '../format/codec/mux-sample';

const TWO_32 = 2 ** 32;
/** The gap put between the last frame of one publisher session and the first of the next, ms (one 30 fps frame). */
const SESSION_GAP_MS = 33;
/**
 * A session that joins on a video keyframe lands 2 ms after the previous session's last VIDEO frame. A browser
 * FLV player (mpegts.js, flv.js) meeting a new AVC configuration drops the one or two newest frames it held back
 * (they end up after the new init segment, where MSE wants a keyframe); its video buffer then ends where the
 * first dropped frame began, and neither Chromium nor mpegts.js jumps the hole to the keyframe: the picture froze
 * on the last source frame. With the keyframe 2 ms after the last frame, and the FLV players' one bridge frame
 * at 1 ms (core/flv/bridge.ts), whatever the player drops, the hole is at most 2 ms and the buffer stays one range.
 */
const VIDEO_JOIN_GAP_MS = 2;

type Kind = 'audio' | 'video' | 'data';

/**
 * One media clock per stream that outlives publisher sessions. OBS and ffmpeg restart their timestamps at 0 on
 * every reconnect; every output (FLV/RTMP players, HLS, LL-HLS, DASH) instead sees timestamps that continue
 * monotonically on each track: a new session is rebased on its first packet (its joining keyframe when the
 * stream has video) to land just after the last one sent; the few audio frames of the new session that would
 * still fall before the old session's last audio frame are dropped. Timestamps stay RTMP's 32-bit milliseconds
 * (wrapping), unwrapped per session for the arithmetic.
 */
export class StreamClock {
  private input = new MsUnwrapper();
  /** added to the session's unwrapped input, ms */
  private offset = 0;
  /** the largest unwrapped output timestamp so far (-1: nothing yet), overall and per track */
  private last = -1;
  private readonly lastOf = { audio: -1, video: -1 };
  /** per track: the previous session's last timestamp, which the new session must pass (-1: no floor) */
  private floor = { audio: -1, video: -1 };
  private rebase = false;

  /** A publisher session begins: its first packet is rebased (unless this is the stream's first session). */
  newSession(): void {
    this.input = new MsUnwrapper();
    this.rebase = this.last >= 0;
    if (!this.rebase) this.offset = 0;
    this.floor = { ...this.lastOf };
  }

  /**
   * Map one of the session's timestamps onto the stream's clock (32-bit ms); null for a frame that would not move
   * its track forward (the overlap at a session switch: drop it).
   */
  map(ts: number, kind: Kind = 'data'): number | null {
    const t = this.input.unwrap(ts);
    if (this.rebase) {
      const base = kind === 'video' && this.lastOf.video >= 0 ? this.lastOf.video + VIDEO_JOIN_GAP_MS : this.last + SESSION_GAP_MS;
      this.offset = base - t;
      this.rebase = false;
    }
    const out = t + this.offset;
    if (kind !== 'data') {
      if (out <= this.floor[kind]) return null;
      this.floor[kind] = -1;
      if (out > this.lastOf[kind]) this.lastOf[kind] = out;
    }
    if (out > this.last) this.last = out;
    return ((out % TWO_32) + TWO_32) % TWO_32;
  }

  /**
   * The current position of the clock for a sequence header sent between frames (32-bit ms): the track's last
   * timestamp, so the header never sits after the next frame of its track.
   */
  now(kind?: 'audio' | 'video'): number {
    const at = kind && this.lastOf[kind] >= 0 ? this.lastOf[kind] : this.last;
    return Math.max(0, at) % TWO_32;
  }
}

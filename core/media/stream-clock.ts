import { MsUnwrapper } from '../format/codec/mux-sample';

const TWO_32 = 2 ** 32;
/** The gap put between the last frame of one publisher session and the first of the next, ms (one 30 fps frame). */
const SESSION_GAP_MS = 33;
/**
 * A session that joins on a video keyframe lands this far after the previous session's last VIDEO frame, ms.
 * Not one frame duration: a browser player meeting a new AVC configuration (the slate's, or a returning
 * encoder's) drops that last frame (mpegts.js holds it back and appends it after the new init segment, where MSE
 * wants a keyframe), so its video buffer ends where that frame began. Chromium does not bridge a 40 ms hole in a
 * SourceBuffer and mpegts.js never jumps one: the player froze on the last source frame. 1 ms keeps the buffer
 * contiguous and the timestamps strictly rising on every track.
 */
const VIDEO_JOIN_GAP_MS = 1;

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

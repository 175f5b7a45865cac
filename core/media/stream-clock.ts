import { MsUnwrapper } from '../format/codec/mux-sample';

const TWO_32 = 2 ** 32;
/** The gap put between the last frame of one publisher session and the first of the next, ms (one 30 fps frame). */
const SESSION_GAP_MS = 33;

/**
 * One media clock per stream that outlives publisher sessions. OBS and ffmpeg restart their timestamps at 0 on
 * every reconnect; every output (FLV/RTMP players, HLS, LL-HLS, DASH) instead sees timestamps that continue
 * monotonically: a new session is rebased on its first packet to land one frame after the last one sent.
 * Timestamps stay RTMP's 32-bit milliseconds (wrapping), unwrapped per session for the arithmetic.
 */
export class StreamClock {
  private input = new MsUnwrapper();
  /** added to the session's unwrapped input, ms */
  private offset = 0;
  /** the largest unwrapped output timestamp so far (-1: nothing yet) */
  private last = -1;
  private rebase = false;

  /** A publisher session begins: its first packet is rebased (unless this is the stream's first session). */
  newSession(): void {
    this.input = new MsUnwrapper();
    this.rebase = this.last >= 0;
    if (!this.rebase) this.offset = 0;
  }

  /** Map one of the session's timestamps onto the stream's clock (32-bit ms). */
  map(ts: number): number {
    const t = this.input.unwrap(ts);
    if (this.rebase) {
      this.offset = this.last + SESSION_GAP_MS - t;
      this.rebase = false;
    }
    const out = t + this.offset;
    if (out > this.last) this.last = out;
    return ((out % TWO_32) + TWO_32) % TWO_32;
  }

  /** The current position of the clock (for sequence headers sent between frames), 32-bit ms. */
  now(): number {
    return Math.max(0, this.last) % TWO_32;
  }
}

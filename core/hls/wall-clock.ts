import { randomBytes } from 'node:crypto';

/**
 * A token that makes every URL of one packager instance unique: created with a LiveHls, and with each LL-HLS /
 * DASH packager (which restarts after idling). Time-ordered base36 + random, [0-9a-z]{10,14}.
 */
export function newEpoch(now = Date.now()): string {
  return now.toString(36) + randomBytes(2).toString('hex');
}

/** how far (ms) a followed clock may place a rung's first packet from its arrival (the ladder's encode delay) */
const FOLLOW_MS = 10_000;

interface Piece {
  /** media time (ms, unwrapped) of the piece's first packet */
  t: number;
  /** wall-clock ms of that packet */
  wall: number;
}

/**
 * The one (media time -> wall clock) mapping of a stream, shared by every packager (TS and LL-HLS
 * PROGRAM-DATE-TIME, DASH availabilityStartTime), so it does not move when a packager (re)starts.
 *
 * It is anchored on the first live packet (its arrival time). Media time is continuous across publisher
 * reconnects (the Stream rebases it), but wall time is not: each reconnect starts a new piece at the new
 * session's first packet. Within a piece wall = piece.wall + (t - piece.t). A piece never maps earlier than the
 * previous one would (wall never goes backwards), so `gapAt(t)` (the wall time lost in reconnects) only grows.
 * DASH keeps one Period whose timeline carries those gaps (presentation time = t + gapAt(t)), so
 * availabilityStartTime + S@t is the segment's real wall-clock time.
 */
export class WallClock {
  private readonly pieces: Piece[] = [];
  private pendingBreak = false;
  private ref: WallClock | null = null;

  /**
   * Anchor on `ref`'s mapping instead of the first packet's arrival when that packet's media time maps there
   * within FOLLOW_MS of now: a ladder rung (the source's timestamps, encoded a little later) then gets the
   * source's PROGRAM-DATE-TIME and availabilityStartTime for the same media time, so ABR players align them.
   */
  follow(ref: WallClock): void {
    if (!this.anchored) this.ref = ref;
  }

  get anchored(): boolean {
    return this.pieces.length > 0;
  }

  /** A live packet at media time `t` arrived now: anchors the clock (first packet, or first after a reconnect). */
  live(t: number, now = Date.now()): void {
    const last = this.pieces[this.pieces.length - 1];
    if (!last) {
      const w = this.ref?.anchored ? this.ref.wall(t) : NaN;
      this.pieces.push({ t, wall: Math.abs(w - now) <= FOLLOW_MS ? w : now });
      this.ref = null;
      return;
    }
    if (!this.pendingBreak) return;
    this.pendingBreak = false;
    if (t <= last.t) return;
    this.pieces.push({ t, wall: Math.max(now, last.wall + (t - last.t)) });
    while (this.pieces.length > 64) this.pieces.shift();
  }

  /** The publisher returned: the next live packet starts a new piece. */
  reconnect(): void {
    this.pendingBreak = true;
  }

  private piece(t: number): Piece | undefined {
    for (let i = this.pieces.length - 1; i > 0; i--) if (this.pieces[i].t <= t) return this.pieces[i];
    return this.pieces[0];
  }

  /** Wall-clock ms of media time `t` (now, when not anchored yet). */
  wall(t: number): number {
    const p = this.piece(t);
    return p ? p.wall + (t - p.t) : Date.now();
  }

  /** Wall time lost in reconnects before media time `t` (ms, whole, non-decreasing in t). */
  gapAt(t: number): number {
    const first = this.pieces[0];
    const p = this.piece(t);
    if (!first || !p) return 0;
    return Math.round(p.wall - p.t - (first.wall - first.t));
  }

  /** DASH availabilityStartTime: the wall time of presentation time 0 (media time 0 of the first piece). */
  get availabilityStart(): number {
    const first = this.pieces[0];
    return first ? first.wall - first.t : Date.now();
  }
}

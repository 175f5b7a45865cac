/**
 * Per-chunk-stream state of the RTMP chunk reader, and how partial message bodies are held.
 *
 * A partial body is a list of parts. Within one push the parts are slices of the pushed buffer (zero copy);
 * at the end of the push `settleParts` keeps them only when they are large and hold at least half of that
 * buffer, and otherwise copies them into one owned buffer (appended to a small owned part before it). So a
 * peer cannot pin a 64 KB socket buffer with one body byte, or make thousands of tiny part objects with a
 * chunk size of 1: what is held stays within about twice the bytes counted as buffered.
 */

/** Parts smaller than this are copied at the end of a push (and merged with a small predecessor). */
const SMALL_PART = 4096;
/** the first capacity of a stream's tail buffer */
const MIN_TAIL = 256;

export interface ChunkStream {
  readonly csid: number;
  /** a fmt 0 header (or the librtmp fmt 1 on csid 2) has been seen */
  seen: boolean;
  timestamp: number;
  /** raw timestamp field of the last fmt 0/1/2 header (fmt 3 new messages add it) */
  delta: number;
  length: number;
  type: number;
  streamId: number;
  /** the last fmt 0/1/2 header used an extended timestamp */
  extended: boolean;
  /** the last extended timestamp value read on this chunk stream */
  extValue: number;
  /** a message is being assembled */
  active: boolean;
  got: number;
  parts: Buffer[];
  /** index in `parts` of the first part added by the current push, or -1 */
  mark: number;
  /** an owned buffer smaller than SMALL_PART whose first `tailLen` bytes are the last part, or null */
  tail: Buffer | null;
  tailLen: number;
}

export function newStream(csid: number): ChunkStream {
  return {
    csid,
    seen: false,
    timestamp: 0,
    delta: 0,
    length: 0,
    type: 0,
    streamId: 0,
    extended: false,
    extValue: 0,
    active: false,
    got: 0,
    parts: [],
    mark: -1,
    tail: null,
    tailLen: 0,
  };
}

/** Decide, for each chunk stream that got body bytes from a push of `pushLen` bytes, how to hold them. */
export function settleParts(touched: ChunkStream[], pushLen: number): void {
  for (const cs of touched) {
    const from = cs.mark;
    if (from < 0) continue; // already settled (listed twice) or completed
    cs.mark = -1;
    if (!cs.active) continue;
    const parts = cs.parts;
    let bytes = 0;
    for (let i = from; i < parts.length; i++) bytes += parts[i].length;
    const count = parts.length - from;
    // large slices that are most of the pushed buffer: keep them (pins at most twice what they hold)
    if (bytes >= SMALL_PART && bytes * 2 >= pushLen && count <= bytes / SMALL_PART + 2) continue;
    copyOut(cs, from, bytes);
  }
  touched.length = 0;
}

/**
 * Replace parts[from..] by a copy. Small copies go into the stream's tail buffer: appended in place while
 * it has room, grown by doubling up to SMALL_PART, so a trickle of tiny pushes costs amortized O(1) per byte.
 */
function copyOut(cs: ChunkStream, from: number, bytes: number): void {
  const parts = cs.parts;
  const tail = cs.tail;
  const onTail = tail !== null && from > 0 && parts[from - 1].buffer === tail.buffer && parts[from - 1].byteOffset === tail.byteOffset;
  let dst: Buffer;
  let at: number;
  let keep: number; // parts before this index stay
  if (onTail && cs.tailLen + bytes <= SMALL_PART) {
    keep = from - 1;
    at = cs.tailLen;
    if (at + bytes <= tail.length) dst = tail;
    else {
      dst = Buffer.allocUnsafeSlow(Math.min(SMALL_PART, Math.max(2 * tail.length, at + bytes)));
      tail.copy(dst, 0, 0, at);
    }
  } else {
    keep = from;
    at = 0;
    // not from the shared pool: a small copy must not pin a pool slab
    dst = Buffer.allocUnsafeSlow(bytes >= SMALL_PART ? bytes : Math.max(MIN_TAIL, bytes));
  }
  let o = at;
  for (let i = from; i < parts.length; i++) o += parts[i].copy(dst, o);
  parts.length = keep;
  parts.push(o === dst.length ? dst : dst.subarray(0, o));
  cs.tail = o < SMALL_PART ? dst : null; // a small tail may still grow
  cs.tailLen = o;
}

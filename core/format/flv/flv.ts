import { OnAirError } from '../../errors';

/** FLV tag types. */
export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

const TAG_HEADER_SIZE = 11;
const DEFAULT_MAX_TAG_SIZE = 8 * 1024 * 1024;
/** Largest DataOffset we accept in the file header (spec: 9; anything else is padding we skip). */
const MAX_HEADER_SIZE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** 9-byte FLV file header followed by PreviousTagSize0 (0): 13 bytes. */
export function flvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const b = Buffer.alloc(13);
  b[0] = 0x46; // F
  b[1] = 0x4c; // L
  b[2] = 0x56; // V
  b[3] = 1;
  b[4] = (hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0);
  b.writeUInt32BE(9, 5);
  // bytes 9..12: PreviousTagSize0 = 0 (Buffer.alloc zero-fills)
  return b;
}

/**
 * One FLV tag: 11-byte header + body + PreviousTagSize, in a single allocation.
 * `timestamp` is milliseconds taken modulo 2^32 (lower 24 bits + TimestampExtended as the high byte).
 */
export function flvTag(type: number, timestamp: number, body: Buffer): Buffer {
  const size = body.length;
  if (size > 0xffffff) throw new OnAirError('FORMAT', `flv tag body too large: ${size} bytes`);
  const ts = timestamp >>> 0;
  const out = Buffer.allocUnsafe(TAG_HEADER_SIZE + size + 4);
  out[0] = type & 0xff;
  out[1] = (size >>> 16) & 0xff;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  out[4] = (ts >>> 16) & 0xff;
  out[5] = (ts >>> 8) & 0xff;
  out[6] = ts & 0xff;
  out[7] = (ts >>> 24) & 0xff;
  out[8] = 0; // StreamID, always 0
  out[9] = 0;
  out[10] = 0;
  body.copy(out, TAG_HEADER_SIZE);
  out.writeUInt32BE(TAG_HEADER_SIZE + size, TAG_HEADER_SIZE + size);
  return out;
}

export interface FlvTag {
  /** The raw first header byte: 8/9/18 normally; Filter/reserved bits are kept so encrypted tags do not match. */
  type: number;
  /** Milliseconds, unsigned 32-bit. */
  timestamp: number;
  body: Buffer;
}

export interface FlvDemuxerOptions {
  /** Largest accepted tag DataSize in bytes (default 8 MiB). */
  maxTagSize?: number;
}

const enum State {
  Header, // collecting the 9-byte file header
  HeaderSkip, // skipping DataOffset - 9 bytes
  PrevSize0, // collecting PreviousTagSize0
  TagHeader, // collecting 11 bytes
  Body, // collecting DataSize bytes
  PrevSize, // collecting the PreviousTagSize after a tag
  Failed,
}

/**
 * Incremental FLV demuxer: push bytes sliced any way, get whole tags back.
 * A tag is returned once its trailing PreviousTagSize has arrived and matched.
 * Bodies that lie whole in one pushed chunk are zero-copy views of that chunk.
 * After an error the demuxer stays failed: every later push throws again. Tags completed earlier in
 * the chunk that failed are not returned (the stream is broken; the caller closes it).
 */
export class FlvDemuxer {
  private readonly maxTagSize: number;
  private state: State = State.Header;
  private readonly scratch = Buffer.allocUnsafe(TAG_HEADER_SIZE);
  private filled = 0; // bytes in scratch (or in body, in State.Body)
  private skipLeft = 0;
  private tagType = 0;
  private tagSize = 0;
  private tagTimestamp = 0;
  private body: Buffer = EMPTY;
  private hdr: { hasAudio: boolean; hasVideo: boolean } | null = null;
  private error: OnAirError | null = null;

  constructor(opts: FlvDemuxerOptions = {}) {
    const max = opts.maxTagSize ?? DEFAULT_MAX_TAG_SIZE;
    if (!Number.isInteger(max) || max < 0) throw new OnAirError('FORMAT', `invalid maxTagSize ${max}`);
    this.maxTagSize = max;
  }

  get header(): { hasAudio: boolean; hasVideo: boolean } | null {
    return this.hdr;
  }

  push(chunk: Buffer): FlvTag[] {
    if (this.error) throw this.error;
    try {
      return this.run(chunk);
    } catch (e) {
      this.state = State.Failed;
      this.body = EMPTY;
      // a non-OnAirError would be a bug here: surface it unchanged, and refuse further input
      this.error = e instanceof OnAirError ? e : new OnAirError('INTERNAL', 'flv demuxer failed earlier', e);
      throw e;
    }
  }

  /** Copies up to `want - filled` bytes from chunk[pos] into scratch; returns the new pos. */
  private collect(chunk: Buffer, pos: number, want: number): number {
    const n = Math.min(want - this.filled, chunk.length - pos);
    chunk.copy(this.scratch, this.filled, pos, pos + n);
    this.filled += n;
    return pos + n;
  }

  private run(chunk: Buffer): FlvTag[] {
    const tags: FlvTag[] = [];
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case State.Header: {
          pos = this.collect(chunk, pos, 9);
          if (this.filled < 9) break;
          this.parseFileHeader();
          break;
        }
        case State.HeaderSkip: {
          const n = Math.min(this.skipLeft, len - pos);
          pos += n;
          this.skipLeft -= n;
          if (this.skipLeft === 0) this.state = State.PrevSize0;
          break;
        }
        case State.PrevSize0: {
          pos = this.collect(chunk, pos, 4);
          if (this.filled < 4) break;
          const prev = this.scratch.readUInt32BE(0);
          if (prev !== 0) throw new OnAirError('FORMAT', `flv PreviousTagSize0 is ${prev}, expected 0`);
          this.filled = 0;
          this.state = State.TagHeader;
          break;
        }
        case State.TagHeader: {
          if (this.filled === 0 && len - pos >= TAG_HEADER_SIZE) {
            this.parseTagHeader(chunk, pos);
            pos += TAG_HEADER_SIZE;
          } else {
            pos = this.collect(chunk, pos, TAG_HEADER_SIZE);
            if (this.filled < TAG_HEADER_SIZE) break;
            this.parseTagHeader(this.scratch, 0);
          }
          this.filled = 0;
          if (this.tagSize === 0) {
            this.body = EMPTY;
            this.state = State.PrevSize;
          } else {
            this.state = State.Body;
          }
          break;
        }
        case State.Body: {
          const size = this.tagSize;
          if (this.filled === 0 && len - pos >= size) {
            this.body = chunk.subarray(pos, pos + size);
            pos += size;
          } else {
            if (this.filled === 0) this.body = Buffer.allocUnsafe(size);
            const n = Math.min(size - this.filled, len - pos);
            chunk.copy(this.body, this.filled, pos, pos + n);
            this.filled += n;
            pos += n;
            if (this.filled < size) break;
          }
          this.filled = 0;
          this.state = State.PrevSize;
          break;
        }
        case State.PrevSize: {
          let prev: number;
          if (this.filled === 0 && len - pos >= 4) {
            prev = chunk.readUInt32BE(pos);
            pos += 4;
          } else {
            pos = this.collect(chunk, pos, 4);
            if (this.filled < 4) break;
            prev = this.scratch.readUInt32BE(0);
          }
          this.filled = 0;
          const expected = TAG_HEADER_SIZE + this.tagSize;
          if (prev !== expected) {
            throw new OnAirError('FORMAT', `flv PreviousTagSize is ${prev}, expected ${expected}`);
          }
          tags.push({ type: this.tagType, timestamp: this.tagTimestamp, body: this.body });
          this.body = EMPTY;
          this.state = State.TagHeader;
          break;
        }
        default:
          throw new OnAirError('FORMAT', 'flv demuxer is in a failed state');
      }
    }
    return tags;
  }

  private parseFileHeader(): void {
    const s = this.scratch;
    if (s[0] !== 0x46 || s[1] !== 0x4c || s[2] !== 0x56) {
      throw new OnAirError('FORMAT', 'not an FLV stream: bad signature');
    }
    const dataOffset = s.readUInt32BE(5);
    if (dataOffset < 9 || dataOffset > MAX_HEADER_SIZE) {
      throw new OnAirError('FORMAT', `flv header DataOffset ${dataOffset} out of range`);
    }
    this.hdr = { hasAudio: (s[4] & 0x04) !== 0, hasVideo: (s[4] & 0x01) !== 0 };
    this.filled = 0;
    this.skipLeft = dataOffset - 9;
    this.state = this.skipLeft > 0 ? State.HeaderSkip : State.PrevSize0;
  }

  private parseTagHeader(b: Buffer, o: number): void {
    const size = (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    if (size > this.maxTagSize) {
      throw new OnAirError('FORMAT', `flv tag DataSize ${size} exceeds the limit of ${this.maxTagSize}`);
    }
    this.tagType = b[o];
    this.tagSize = size;
    this.tagTimestamp = ((b[o + 7] << 24) | (b[o + 4] << 16) | (b[o + 5] << 8) | b[o + 6]) >>> 0;
  }
}

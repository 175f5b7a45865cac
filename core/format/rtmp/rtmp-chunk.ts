/**
 * RTMP chunk stream: reassembly of messages from chunks (ChunkReader) and chunking (encodeChunks).
 * Pure byte logic on the hot path: bodies are kept as slices of the pushed buffers and joined once
 * per message; only a header split across two pushes is copied (at most 18 bytes), and the part of a
 * message still incomplete at the end of a push is copied when it is small next to that push
 * (rtmp-chunk-state.ts), so partial messages never hold much more memory than their own bytes.
 * Every limit (message size, bytes in partial messages, chunk streams) is a ChunkLimits value.
 *
 * The reader keeps references to pushed buffers until the messages using them are complete, and a
 * large single-chunk message payload may be a slice of a pushed buffer: callers must not reuse or
 * mutate a buffer after pushing it (Node's socket 'data' buffers are fine).
 */
import { OnAirError } from '../../errors';
import { EXT_TIMESTAMP, MAX_CHUNK_SIZE } from './rtmp-chunk-encode';
import { newStream, settleParts, type ChunkStream } from './rtmp-chunk-state';

export { encodeChunks } from './rtmp-chunk-encode';

export interface RtmpMessage {
  csid: number;
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

const DEFAULT_CHUNK_SIZE = 128;
const MAX_HEADER = 18; // 3 basic + 11 message + 4 extended timestamp
/** Payloads up to this size that sit in a single chunk are copied, so they do not pin the socket buffer. */
const COPY_BELOW = 1024;
const MSG_HEADER_SIZE = [11, 7, 3, 0];

/** What one peer may make the reader hold. Unset = no limit (buffered: 4 x maxMessageSize). */
export interface ChunkLimits {
  /** the largest message a header may declare (default 8 MiB) */
  maxMessageSize?: number;
  /** body bytes held in partial messages over all chunk streams */
  maxBufferedBytes?: number;
  /** chunk-stream ids that may be opened at all (each keeps a little state) */
  maxChunkStreams?: number;
  /** chunk streams that may hold a partial message at once */
  maxPartialStreams?: number;
}

function limitError(message: string): OnAirError {
  return new OnAirError('LIMIT', `RTMP chunk: ${message}`);
}

function formatError(message: string): OnAirError {
  return new OnAirError('FORMAT', `RTMP chunk: ${message}`);
}

export class ChunkReader {
  private maxMessageSize = 0;
  private maxBufferedBytes = 0;
  private maxChunkStreams = Infinity;
  private maxPartialStreams = Infinity;
  /** chunk streams opened, and those holding a partial message */
  private opened = 0;
  private partial = 0;
  /** chunk streams that got body bytes in the current push (settled at its end) */
  private readonly touched: ChunkStream[] = [];
  /** stop reading after a message this accepts; the bytes after it wait in `held` */
  private haltWhen: ((m: RtmpMessage) => boolean) | null = null;
  private halted = false;
  private held: Buffer | null = null;
  private size = DEFAULT_CHUNK_SIZE;
  private total = 0;
  private readonly low: Array<ChunkStream | undefined> = [];
  private readonly high = new Map<number, ChunkStream>();
  /** bytes of an incomplete chunk header carried over to the next push */
  private pending: Buffer | null = null;
  /** the chunk stream whose chunk body is being read, and how many body bytes of this chunk remain */
  private body: ChunkStream | null = null;
  private bodyLeft = 0;
  /** body bytes held by partially assembled messages, over all chunk streams */
  private buffered = 0;
  private failure: unknown = null;
  private out: RtmpMessage[] = [];

  constructor(opts?: ChunkLimits) {
    this.setLimits(opts ?? {});
  }

  /** Replace the limits (e.g. wider once the peer's connect is accepted); what is held already stays. */
  setLimits(opts: ChunkLimits): void {
    this.maxMessageSize = opts.maxMessageSize ?? 8 * 1024 * 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 4 * this.maxMessageSize;
    this.maxChunkStreams = opts.maxChunkStreams ?? Infinity;
    this.maxPartialStreams = opts.maxPartialStreams ?? Infinity;
  }

  /**
   * Stop after the next message `when` accepts (null: never): the bytes after it are kept unread, and
   * later pushes are queued behind them, until `release()`. Lets a session change limits between messages.
   */
  haltAfter(when: ((m: RtmpMessage) => boolean) | null): void {
    this.haltWhen = when;
  }

  /** Bytes kept unread since a halt. */
  get heldBytes(): number {
    return this.held === null ? 0 : this.held.length;
  }

  /** Resume after a halt (no-op otherwise): read the bytes kept since, and return their messages. */
  release(): RtmpMessage[] {
    if (!this.halted) return [];
    this.halted = false;
    const held = this.held;
    this.held = null;
    return held === null ? [] : this.push(held);
  }

  get chunkSize(): number {
    return this.size;
  }

  get bytesRead(): number {
    return this.total;
  }

  push(chunk: Buffer): RtmpMessage[] {
    if (this.failure !== null) throw this.failure;
    this.out = [];
    if (this.halted) {
      this.held = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
      return this.out;
    }
    try {
      this.total += chunk.length;
      this.consume(chunk);
      if (this.held !== null) this.total -= this.held.length; // counted again when released
      settleParts(this.touched, chunk.length);
    } catch (e) {
      this.failure = e;
      throw e;
    }
    return this.out;
  }

  private stream(csid: number): ChunkStream {
    if (csid < 64) {
      let cs = this.low[csid];
      if (cs === undefined) this.low[csid] = cs = this.open(csid);
      return cs;
    }
    let cs = this.high.get(csid);
    if (cs === undefined) this.high.set(csid, (cs = this.open(csid)));
    return cs;
  }

  private open(csid: number): ChunkStream {
    if (++this.opened > this.maxChunkStreams) throw limitError(`more than ${this.maxChunkStreams} chunk streams`);
    return newStream(csid);
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    if (this.pending !== null) {
      const carried = this.pending.length;
      const head = Buffer.concat([this.pending, chunk.subarray(0, Math.min(chunk.length, MAX_HEADER))]);
      this.pending = null;
      const h = this.header(head, 0);
      if (h < 0) {
        this.pending = head; // the whole chunk was too short to finish the header
        return;
      }
      if (h < carried) {
        // The header ended inside the carried bytes (a fmt 3 peek that found no repeated extended
        // timestamp): the rest of them are body bytes, read before the new chunk.
        this.run(Buffer.from(head.subarray(h, carried)), 0);
        if (this.halted) this.held = Buffer.concat([this.held ?? Buffer.alloc(0), chunk]);
        else this.consume(chunk);
        return;
      }
      off = h - carried;
    }
    this.run(chunk, off);
  }

  private run(chunk: Buffer, start: number): void {
    const end = chunk.length;
    let off = start;
    for (;;) {
      if (this.halted) {
        if (off < end) this.held = chunk.subarray(off);
        return;
      }
      if (this.bodyLeft > 0) {
        const avail = end - off;
        if (avail === 0) return;
        const cs = this.body as ChunkStream;
        const n = avail < this.bodyLeft ? avail : this.bodyLeft;
        if (cs.mark < 0) {
          cs.mark = cs.parts.length;
          this.touched.push(cs);
        }
        cs.parts.push(chunk.subarray(off, off + n));
        cs.got += n;
        this.buffered += n;
        off += n;
        this.bodyLeft -= n;
        if (this.buffered > this.maxBufferedBytes) {
          throw limitError(`more than ${this.maxBufferedBytes} bytes in partial messages`);
        }
        if (cs.got === cs.length) this.complete(cs);
        continue;
      }
      if (off >= end) return;
      const h = this.header(chunk, off);
      if (h < 0) {
        this.pending = Buffer.from(chunk.subarray(off));
        return;
      }
      off += h;
    }
  }

  /**
   * Parse and apply one chunk header at `off`. Returns its length, or -1 (nothing changed) when
   * the buffer ends first. Sets up the body state for the chunk that follows.
   */
  private header(buf: Buffer, off: number): number {
    const len = buf.length;
    const b0 = buf[off];
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let p = off + 1;
    if (csid === 0) {
      if (len - p < 1) return -1;
      csid = 64 + buf[p];
      p += 1;
    } else if (csid === 1) {
      if (len - p < 2) return -1;
      csid = 64 + buf[p] + (buf[p + 1] << 8);
      p += 2;
    }
    const cs = this.stream(csid);
    if (!cs.seen && fmt !== 0 && !(fmt === 1 && csid === 2)) {
      throw formatError(`fmt ${fmt} chunk on chunk stream ${csid} with no previous header`);
    }
    if (cs.active && fmt !== 3) {
      throw formatError(`fmt ${fmt} header on chunk stream ${csid} while a message is incomplete`);
    }
    if (len - p < MSG_HEADER_SIZE[fmt]) {
      // an oversized message is refused as soon as its length field is in, not a byte later
      if (fmt <= 1 && len - p >= 6) this.checkLength((buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5]);
      return -1;
    }
    let tsField = 0;
    let msgLen = cs.length;
    let type = cs.type;
    let streamId = cs.streamId;
    if (fmt <= 2) tsField = (buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2];
    if (fmt <= 1) {
      msgLen = (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5];
      type = buf[p + 6];
      this.checkLength(msgLen);
    }
    if (fmt === 0) streamId = buf.readUInt32LE(p + 7);
    p += MSG_HEADER_SIZE[fmt];

    let ext = -1; // extended timestamp value consumed with this header, or -1
    if (fmt <= 2) {
      if (tsField === EXT_TIMESTAMP) {
        if (len - p < 4) return -1;
        ext = buf.readUInt32BE(p);
        p += 4;
      }
    } else if (cs.extended) {
      if (len - p < 4) return -1;
      const v = buf.readUInt32BE(p);
      // A new message always carries it; a continuation chunk may or may not repeat it: take the
      // 4 bytes only when they equal the value already seen (what production servers do).
      if (!cs.active || v === cs.extValue) {
        ext = v;
        p += 4;
      }
    }

    // --- the header is complete: apply it
    if (fmt === 3) {
      if (!cs.active) {
        if (ext >= 0) cs.delta = cs.extValue = ext;
        cs.timestamp = (cs.timestamp + cs.delta) >>> 0;
      }
    } else {
      const field = ext >= 0 ? ext : tsField;
      cs.extended = ext >= 0;
      if (ext >= 0) cs.extValue = ext;
      cs.delta = field;
      cs.timestamp = fmt === 0 ? field : (cs.timestamp + field) >>> 0;
      cs.seen = true;
    }
    if (!cs.active) {
      cs.length = msgLen;
      cs.type = type;
      cs.streamId = streamId;
      cs.active = true;
      cs.got = 0;
      if (++this.partial > this.maxPartialStreams) throw limitError(`more than ${this.maxPartialStreams} chunk streams with partial messages`);
    }
    this.body = cs;
    const left = cs.length - cs.got;
    this.bodyLeft = left < this.size ? left : this.size;
    if (cs.length === 0) this.complete(cs);
    return p - off;
  }

  private checkLength(msgLen: number): void {
    if (msgLen > this.maxMessageSize) {
      throw limitError(`message of ${msgLen} bytes exceeds limit ${this.maxMessageSize}`);
    }
  }

  private complete(cs: ChunkStream): void {
    const parts = cs.parts;
    let payload: Buffer;
    if (parts.length === 1) payload = cs.length <= COPY_BELOW ? Buffer.from(parts[0]) : parts[0];
    else if (parts.length === 0) payload = Buffer.alloc(0);
    else payload = Buffer.concat(parts, cs.length);
    cs.parts = [];
    cs.mark = -1;
    cs.tail = null;
    cs.active = false;
    this.partial--;
    this.buffered -= cs.got;
    cs.got = 0;
    const msg: RtmpMessage = { csid: cs.csid, type: cs.type, streamId: cs.streamId, timestamp: cs.timestamp, payload };
    this.out.push(msg);
    if (this.haltWhen !== null && this.haltWhen(msg)) this.halted = true;
    if (msg.type === 1) this.applySetChunkSize(payload);
    else if (msg.type === 2) this.applyAbort(payload);
  }

  private applySetChunkSize(payload: Buffer): void {
    if (payload.length < 4) throw formatError('Set Chunk Size shorter than 4 bytes');
    const size = payload.readUInt32BE(0);
    if (size === 0 || size > MAX_CHUNK_SIZE) throw formatError(`invalid chunk size ${size}`);
    this.size = size;
  }

  private applyAbort(payload: Buffer): void {
    if (payload.length < 4) throw formatError('Abort shorter than 4 bytes');
    const csid = payload.readUInt32BE(0);
    const cs = csid < 64 ? this.low[csid] : this.high.get(csid);
    if (cs === undefined || !cs.active) return;
    this.buffered -= cs.got;
    this.partial--;
    cs.parts = [];
    cs.mark = -1;
    cs.tail = null;
    cs.got = 0;
    cs.active = false;
  }
}

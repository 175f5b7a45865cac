/**
 * A test-only RTMP chunk writer that compresses headers the way real clients do (fmt 1/2/3 for new
 * messages) and can interleave chunks of several messages. The production encoder (encodeChunks)
 * always starts a message with fmt 0; this one exercises the reader's other paths.
 */
import type { RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';

interface Last {
  timestamp: number;
  field: number;
  extended: boolean;
  length: number;
  type: number;
  streamId: number;
}

export interface WriterStats {
  fmt: [number, number, number, number];
}

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

function u24(v: number): Buffer {
  return Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
}

function u32be(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export class TestChunkWriter {
  private readonly last = new Map<number, Last>();
  readonly stats: WriterStats = { fmt: [0, 0, 0, 0] };

  constructor(
    public chunkSize = 128,
    private readonly opts: { repeatExtendedInContinuation?: boolean; compress?: boolean } = {},
  ) {}

  /** The chunks of one message, each a complete chunk (header + body). */
  chunks(msg: RtmpMessage): Buffer[] {
    const repeat = this.opts.repeatExtendedInContinuation ?? true;
    const prev = this.last.get(msg.csid);
    const ts = msg.timestamp >>> 0;
    const len = msg.payload.length;
    let fmt = 0;
    let field = ts;
    if (prev && (this.opts.compress ?? true) && prev.streamId === msg.streamId) {
      const delta = (ts - prev.timestamp) >>> 0;
      if (delta < 0x80000000) {
        field = delta;
        if (prev.length !== len || prev.type !== msg.type) fmt = 1;
        else if (delta !== prev.field) fmt = 2;
        else fmt = 3;
      }
    }
    if (fmt === 0) field = ts;
    const extended = fmt === 3 ? (prev as Last).extended : field >= 0xffffff;
    const parts: Buffer[] = [basicHeader(fmt, msg.csid)];
    if (fmt <= 2) parts.push(u24(extended ? 0xffffff : field));
    if (fmt <= 1) parts.push(u24(len), Buffer.from([msg.type]));
    if (fmt === 0) {
      const sid = Buffer.alloc(4);
      sid.writeUInt32LE(msg.streamId >>> 0);
      parts.push(sid);
    }
    if (extended) parts.push(u32be(field));
    this.stats.fmt[fmt]++;
    this.last.set(msg.csid, { timestamp: ts, field, extended, length: len, type: msg.type, streamId: msg.streamId });

    const out: Buffer[] = [];
    let sent = Math.min(this.chunkSize, len);
    out.push(Buffer.concat([...parts, msg.payload.subarray(0, sent)]));
    while (sent < len) {
      const n = Math.min(this.chunkSize, len - sent);
      const head = [basicHeader(3, msg.csid)];
      if (extended && repeat) head.push(u32be(field));
      out.push(Buffer.concat([...head, msg.payload.subarray(sent, sent + n)]));
      sent += n;
    }
    return out;
  }

  write(msg: RtmpMessage): Buffer {
    return Buffer.concat(this.chunks(msg));
  }
}

/** Round-robin the chunks of several messages (each on its own csid), as a muxing client does. */
export function interleave(lists: Buffer[][]): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]);
  }
  return Buffer.concat(out);
}

/** RTMP chunking of one outgoing message (the writing half of rtmp-chunk.ts). Pure. */
import { OnAirError } from '../../errors';
import type { RtmpMessage } from './rtmp-chunk';

export const MAX_CHUNK_SIZE = 0x7fffffff;
/** a 24-bit timestamp field with this value means "an extended timestamp follows" */
export const EXT_TIMESTAMP = 0xffffff;

function chunkError(message: string): OnAirError {
  return new OnAirError('FORMAT', `RTMP chunk: ${message}`);
}

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(out: Buffer, pos: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[pos] = (fmt << 6) | csid;
    return pos + 1;
  }
  if (csid < 320) {
    out[pos] = fmt << 6;
    out[pos + 1] = csid - 64;
    return pos + 2;
  }
  out[pos] = (fmt << 6) | 1;
  out[pos + 1] = (csid - 64) & 0xff;
  out[pos + 2] = (csid - 64) >> 8;
  return pos + 3;
}

/** Serialize one message as chunks: first chunk fmt 0, then fmt 3; extended timestamp when timestamp >= 0xFFFFFF (and repeated in fmt 3 chunks, per spec). csid 2..65599 (1/2/3-byte basic header). */
export function encodeChunks(msg: RtmpMessage, chunkSize: number): Buffer {
  const { csid, payload } = msg;
  if (!Number.isInteger(csid) || csid < 2 || csid > 65599) throw chunkError(`csid ${csid} outside 2..65599`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw chunkError(`invalid chunk size ${chunkSize}`);
  }
  const length = payload.length;
  if (length > 0xffffff) throw new OnAirError('LIMIT', `RTMP chunk: message of ${length} bytes cannot be chunked`);
  const timestamp = msg.timestamp >>> 0;
  const ext = timestamp >= EXT_TIMESTAMP;
  const bh = basicHeaderSize(csid);
  const extSize = ext ? 4 : 0;
  const chunks = length === 0 ? 1 : Math.ceil(length / chunkSize);
  const out = Buffer.allocUnsafe(bh + 11 + extSize + length + (chunks - 1) * (bh + extSize));
  let pos = writeBasicHeader(out, 0, 0, csid);
  out.writeUIntBE(ext ? EXT_TIMESTAMP : timestamp, pos, 3);
  out.writeUIntBE(length, pos + 3, 3);
  out[pos + 6] = msg.type;
  out.writeUInt32LE(msg.streamId >>> 0, pos + 7);
  pos += 11;
  if (ext) pos = out.writeUInt32BE(timestamp, pos);
  for (let sent = 0; ; ) {
    const n = Math.min(chunkSize, length - sent);
    payload.copy(out, pos, sent, sent + n);
    pos += n;
    sent += n;
    if (sent >= length) break;
    pos = writeBasicHeader(out, pos, 3, csid);
    if (ext) pos = out.writeUInt32BE(timestamp, pos);
  }
  return out;
}

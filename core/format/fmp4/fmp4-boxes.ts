/** ISO BMFF box writing for the fMP4 init segment: generic boxes and the avc1/hvc1/mp4a sample entries. */
import { OnAirError } from '../../errors';

export function box(type: string, ...payload: Buffer[]): Buffer {
  let size = 8;
  for (const p of payload) size += p.length;
  const h = Buffer.allocUnsafe(8);
  h.writeUInt32BE(size, 0);
  h.write(type, 4, 4, 'latin1');
  return Buffer.concat([h, ...payload], size);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.allocUnsafe(4);
  vf.writeUInt32BE(((version & 0xff) << 24 | (flags & 0xffffff)) >>> 0, 0);
  return box(type, vf, ...payload);
}

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v & 0xffff, 0);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** Writes a non-negative integer below 2^53 as a 64-bit big-endian value. */
export function writeU64(b: Buffer, v: number, o: number): void {
  b.writeUInt32BE(Math.floor(v / 2 ** 32) >>> 0, o);
  b.writeUInt32BE(v % 2 ** 32 >>> 0, o + 4);
}

export function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

/** The unity transformation matrix of mvhd/tkhd. */
export const UNITY_MATRIX = Buffer.from([
  0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0,
]);

/** avc1 / hvc1 VisualSampleEntry wrapping the decoder configuration record (avcC / hvcC) as is. */
export function visualSampleEntry(format: 'avc1' | 'hvc1', width: number, height: number, record: Buffer): Buffer {
  const e = Buffer.alloc(78);
  e.writeUInt16BE(1, 6); // data_reference_index
  e.writeUInt16BE(width & 0xffff, 24);
  e.writeUInt16BE(height & 0xffff, 26);
  e.writeUInt32BE(0x00480000, 28); // 72 dpi
  e.writeUInt32BE(0x00480000, 32);
  e.writeUInt16BE(1, 40); // frame_count
  // compressorname: 32 bytes, left empty
  e.writeUInt16BE(0x0018, 74); // depth
  e.writeInt16BE(-1, 76); // pre_defined
  return box(format, e, box(format === 'avc1' ? 'avcC' : 'hvcC', record));
}

/** An MPEG-4 descriptor: tag, size in as few 7-bit bytes as needed, payload. */
function descriptor(tag: number, ...payload: Buffer[]): Buffer {
  let size = 0;
  for (const p of payload) size += p.length;
  if (size >= 2 ** 28) throw new OnAirError('FORMAT', `descriptor too large: ${size}`);
  const len: number[] = [size & 0x7f];
  for (let s = size >>> 7; s > 0; s >>>= 7) len.unshift((s & 0x7f) | 0x80);
  return Buffer.concat([Buffer.from([tag, ...len]), ...payload]);
}

/** esds for AAC: ES_Descriptor > DecoderConfigDescriptor (0x40 audio 14496-3) > DecoderSpecificInfo (the ASC). */
export function esds(esId: number, asc: Buffer): Buffer {
  const dcd = Buffer.alloc(13);
  dcd[0] = 0x40; // objectTypeIndication: MPEG-4 Audio
  dcd[1] = 0x15; // streamType 5 (audio) << 2 | upStream 0 | reserved 1
  // bufferSizeDB (24), maxBitrate (32), avgBitrate (32): 0 = unknown
  const es = descriptor(
    0x03,
    u16(esId),
    u8(0), // no dependency, URL or OCR stream
    descriptor(0x04, dcd, descriptor(0x05, asc)),
    descriptor(0x06, u8(0x02)), // SLConfigDescriptor: predefined MP4
  );
  return fullBox('esds', 0, 0, es);
}

/** mp4a AudioSampleEntry with its esds. */
export function mp4aSampleEntry(esId: number, channels: number, sampleRate: number, asc: Buffer): Buffer {
  const e = Buffer.alloc(28);
  e.writeUInt16BE(1, 6); // data_reference_index
  e.writeUInt16BE(channels & 0xffff, 16);
  e.writeUInt16BE(16, 18); // samplesize
  e.writeUInt32BE(sampleRate <= 0xffff ? sampleRate * 0x10000 : 0, 24); // 16.16; 0 when it does not fit
  return box('mp4a', e, esds(esId, asc));
}

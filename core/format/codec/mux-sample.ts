/**
 * Shared input side of the MPEG-TS and fMP4 muxers: what one FLV tag body carries, NAL unit splitting,
 * and 32-bit millisecond timestamp unwrapping. Pure functions, no I/O.
 */
import { OnAirError } from '../../errors';
import type { AudioCodecName, VideoCodecName } from './codec-types';
import { AUDIO_PACKET, VIDEO_PACKET, parseAudioTag, parseVideoTag } from '../flv/video-tag';

/**
 * The fields of a `MediaPacket` (core/media/packet.ts) the muxers read. Declared here structurally so that
 * core/format does not import upward from core/media; a MediaPacket is assignable to it as is.
 */
export interface MuxPacketInput {
  kind: 'video' | 'audio' | 'data';
  /** decode timestamp, ms (32-bit as received from FLV/RTMP; the muxers unwrap it) */
  timestamp: number;
  keyframe: boolean;
  seqHeader: boolean;
  /** the FLV tag body */
  body: Buffer;
}

/** What a tag body means to a muxer. Views (`record`, `asc`, `data`) point into the tag body, no copy. */
export type MuxPayload =
  | { type: 'video-config'; codec: VideoCodecName; record: Buffer }
  | { type: 'audio-config'; codec: AudioCodecName; asc: Buffer }
  | { type: 'video'; codec: VideoCodecName; cts: number; keyframe: boolean; data: Buffer }
  | { type: 'audio'; codec: AudioCodecName; data: Buffer };

/**
 * Classifies a packet by its tag body (legacy FLV and Enhanced RTMP). Returns null for what a muxer skips:
 * script data, end-of-sequence, metadata and command frames, empty payloads.
 * Throws OnAirError('FORMAT') for a malformed tag header.
 */
export function muxPayload(p: MuxPacketInput): MuxPayload | null {
  if (p.kind === 'video') {
    const t = parseVideoTag(p.body);
    const end = Math.min(t.dataEnd, p.body.length);
    const data = p.body.subarray(t.dataOffset, end);
    if (t.seqHeader) return data.length > 0 ? { type: 'video-config', codec: t.codec, record: data } : null;
    const frames = t.packetType === VIDEO_PACKET.CodedFrames || t.packetType === VIDEO_PACKET.CodedFramesX;
    if (!frames || data.length === 0) return null;
    return { type: 'video', codec: t.codec, cts: t.cts, keyframe: t.keyframe, data };
  }
  if (p.kind === 'audio') {
    const t = parseAudioTag(p.body);
    const end = Math.min(t.dataEnd, p.body.length);
    const data = p.body.subarray(t.dataOffset, end);
    if (data.length === 0) return null;
    if (t.seqHeader) return { type: 'audio-config', codec: t.codec, asc: data };
    if (t.codec === 'AAC' && t.packetType !== AUDIO_PACKET.CodedFrames) return null;
    return { type: 'audio', codec: t.codec, data };
  }
  return null;
}

/**
 * Splits length-prefixed NAL units (AVCC/HVCC sample format, as in FLV) into views of `data`.
 * Zero-length units are dropped. Throws OnAirError('FORMAT') when a length runs past the end.
 */
export function splitNalus(data: Buffer, lengthSize: number): Buffer[] {
  if (lengthSize !== 1 && lengthSize !== 2 && lengthSize !== 4) {
    throw new OnAirError('FORMAT', `invalid NAL length size ${lengthSize}`);
  }
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + lengthSize <= data.length) {
    const len = data.readUIntBE(pos, lengthSize);
    pos += lengthSize;
    if (pos + len > data.length) {
      throw new OnAirError('FORMAT', `NAL unit of ${len} bytes runs past the sample (${data.length - pos} left)`);
    }
    if (len > 0) out.push(data.subarray(pos, pos + len));
    pos += len;
  }
  if (pos !== data.length) throw new OnAirError('FORMAT', 'trailing bytes after the last NAL unit');
  return out;
}

/** Joins NAL units into 4-byte length-prefixed form (the MP4 sample format). */
export function joinNalusLengthPrefixed(nalus: readonly Buffer[]): Buffer {
  let size = 0;
  for (const n of nalus) size += 4 + n.length;
  const out = Buffer.allocUnsafe(size);
  let w = 0;
  for (const n of nalus) {
    out.writeUInt32BE(n.length, w);
    w += 4 + n.copy(out, w + 4);
  }
  return out;
}

const TWO_32 = 2 ** 32;
const HALF_32 = 2 ** 31;

/**
 * Turns 32-bit millisecond timestamps (FLV/RTMP wrap after ~49.7 days) into one continuous timeline.
 * A step of more than 2^31 ms backwards is a wrap; a step of more than 2^31 forwards is a late packet from
 * before the wrap. Values already outside [0, 2^32) pass through unchanged (the caller unwrapped them).
 */
export class MsUnwrapper {
  private epoch = 0;
  private last = -1;

  unwrap(ms: number): number {
    if (ms < 0 || ms >= TWO_32) return ms;
    if (this.last < 0) {
      this.last = ms;
      return ms;
    }
    if (ms < this.last - HALF_32) this.epoch += TWO_32;
    else if (ms > this.last + HALF_32 && this.epoch > 0) return this.epoch - TWO_32 + ms;
    this.last = ms;
    return this.epoch + ms;
  }
}

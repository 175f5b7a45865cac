import { OnAirError } from '../../errors';
import type { AudioCodecName, AudioTagInfo, VideoCodecName, VideoTagInfo } from '../codec/codec-types';

/** Enhanced RTMP VideoPacketType values. */
export const VIDEO_PACKET = {
  SequenceStart: 0, CodedFrames: 1, SequenceEnd: 2, CodedFramesX: 3, Metadata: 4, MPEG2TSSequenceStart: 5, Multitrack: 6, ModEx: 7,
} as const;

/** Enhanced RTMP AudioPacketType values. */
export const AUDIO_PACKET = {
  SequenceStart: 0, CodedFrames: 1, SequenceEnd: 2, MultichannelConfig: 4, Multitrack: 5, ModEx: 7,
} as const;

/** Enhanced RTMP AvMultitrackType values. */
export const MULTITRACK = { OneTrack: 0, ManyTracks: 1, ManyTracksManyCodecs: 2 } as const;

export interface ParsedVideoTag extends VideoTagInfo {
  /**
   * Legacy AVC/HEVC: the AVCPacketType (0 seq header, 1 NALUs, 2 end of sequence).
   * Enhanced RTMP: the VideoPacketType after ModEx/Multitrack unwrapping (see VIDEO_PACKET).
   * -1 when the format has none (Sorenson, VP6, screen, video command frames).
   */
  packetType: number;
  /** true for an Enhanced RTMP ex-header tag */
  enhanced: boolean;
  /** Enhanced RTMP v2 multitrack track id (0 when not multitrack) */
  trackId: number;
  /** Where the payload ends: body.length, or the end of the first track of a many-track tag */
  dataEnd: number;
}

export interface ParsedAudioTag extends AudioTagInfo {
  /** Legacy AAC: AACPacketType; ex-header: AudioPacketType (see AUDIO_PACKET); -1 otherwise */
  packetType: number;
  enhanced: boolean;
  /** Ex-header FourCC ('Opus', 'mp4a', 'fLaC', 'ac-3', 'ec-3', '.mp3', ...) */
  fourcc?: string;
  trackId: number;
  dataEnd: number;
}

const VIDEO_FOURCC = new Map<string, VideoCodecName>([['avc1', 'H264'], ['hvc1', 'HEVC'], ['av01', 'AV1'], ['vp09', 'VP9']]);
const AUDIO_FOURCC = new Map<string, AudioCodecName>([['Opus', 'OPUS'], ['mp4a', 'AAC'], ['.mp3', 'MP3']]);

function need(body: Buffer, end: number, what: string): void {
  if (body.length < end) throw new OnAirError('FORMAT', `${what} truncated: ${body.length} bytes, need ${end}`);
}

function readSI24(b: Buffer, o: number): number {
  const v = (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
  return v & 0x800000 ? v - 0x1000000 : v;
}

function fourccAt(b: Buffer, o: number): string {
  return b.toString('latin1', o, o + 4);
}

/**
 * Skips Enhanced RTMP v2 ModEx prefixes starting at `pos` (just after the first byte) while the
 * packet type is ModEx; returns the final packet type and the position after the ModEx blocks.
 */
function skipModEx(body: Buffer, packetType: number, pos: number, modExType: number, what: string): [number, number] {
  let type = packetType;
  let p = pos;
  while (type === modExType) {
    need(body, p + 1, what);
    let size = body[p] + 1;
    p += 1;
    if (size === 256) {
      need(body, p + 2, what);
      size = body.readUInt16BE(p) + 1;
      p += 2;
    }
    p += size;
    need(body, p + 1, what);
    type = body[p] & 0x0f; // high nibble: ModEx type (e.g. TimestampOffsetNano), ignored here
    p += 1;
  }
  return [type, p];
}

interface ExPrefix {
  type: number;
  fourcc: string;
  pos: number;
  trackId: number;
  dataEnd: number;
}

/**
 * Reads what follows the ModEx blocks of an ex-header: either a FourCC, or a Multitrack prefix
 * (AvMultitrackType + packet type [+ FourCC]) and the first track's [FourCC] trackId [UI24 size].
 * Only the first track of a many-track tag is described; `dataEnd` bounds its payload.
 */
function readExPrefix(body: Buffer, start: number, packetType: number, multitrack: number, modEx: number, kind: string): ExPrefix {
  const what = `ex ${kind} tag`;
  let pos = start;
  let type = packetType;
  let mtType = -1;
  const out: ExPrefix = { type, fourcc: '', pos, trackId: 0, dataEnd: body.length };
  if (type === multitrack) {
    need(body, pos + 1, what);
    mtType = body[pos] >> 4;
    type = body[pos] & 0x0f;
    pos += 1;
    if (mtType > MULTITRACK.ManyTracksManyCodecs) throw new OnAirError('FORMAT', `unknown AvMultitrackType ${mtType}`);
    if (type === multitrack || type === modEx) {
      throw new OnAirError('FORMAT', `invalid packet type ${type} inside a multitrack ${kind} tag`);
    }
  }
  // ManyTracksManyCodecs puts the FourCC in each track, the others once in the header:
  // either way the first track's FourCC comes next, then its trackId [UI24 size].
  need(body, pos + 4, what);
  const fourcc = fourccAt(body, pos);
  pos += 4;
  if (mtType >= 0) {
    need(body, pos + 1, what);
    out.trackId = body[pos];
    pos += 1;
    if (mtType !== MULTITRACK.OneTrack) {
      need(body, pos + 3, what);
      const size = body.readUIntBE(pos, 3);
      pos += 3;
      need(body, pos + size, what);
      out.dataEnd = pos + size;
    }
  }
  out.type = type;
  out.fourcc = fourcc;
  out.pos = pos;
  return out;
}

/** Parses the header of an FLV/RTMP video tag body (legacy codec ids and Enhanced RTMP v1/v2). */
export function parseVideoTag(body: Buffer): ParsedVideoTag {
  need(body, 1, 'video tag');
  const b0 = body[0];
  if (b0 & 0x80) return parseExVideoTag(body, b0);
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  const info: ParsedVideoTag = {
    codec: 'UNKNOWN',
    frameType,
    keyframe: frameType === 1 || frameType === 4,
    seqHeader: false,
    seqEnd: false,
    cts: 0,
    dataOffset: 1,
    packetType: -1,
    enhanced: false,
    trackId: 0,
    dataEnd: body.length,
  };
  switch (codecId) {
    case 2:
      info.codec = 'SORENSON';
      break;
    case 3:
    case 6:
      info.codec = 'SCREEN';
      break;
    case 4:
      info.codec = 'VP6';
      info.dataOffset = 2; // HorizontalAdjustment / VerticalAdjustment
      break;
    case 5:
      info.codec = 'VP6';
      info.dataOffset = 5; // adjustments + UI24 OffsetToAlpha
      break;
    case 7:
    case 12:
      info.codec = codecId === 7 ? 'H264' : 'HEVC';
      if (frameType === 5) break; // video info/command frame: one UI8 follows, no packet type
      need(body, 5, 'AVC/HEVC video tag');
      info.packetType = body[1];
      if (info.packetType > 2) throw new OnAirError('FORMAT', `unknown AVCPacketType ${info.packetType}`);
      info.seqHeader = info.packetType === 0;
      info.seqEnd = info.packetType === 2;
      info.keyframe = info.keyframe && info.packetType === 1;
      info.cts = info.packetType === 1 ? readSI24(body, 2) : 0;
      info.dataOffset = 5;
      break;
    default:
      break; // unknown codec id: passed through as UNKNOWN
  }
  need(body, info.dataOffset, 'video tag');
  return info;
}

function parseExVideoTag(body: Buffer, b0: number): ParsedVideoTag {
  const frameType = (b0 >> 4) & 7;
  const [packetType, afterModEx] = skipModEx(body, b0 & 0x0f, 1, VIDEO_PACKET.ModEx, 'ex video tag');
  let pos = afterModEx;
  const info: ParsedVideoTag = {
    codec: 'UNKNOWN',
    frameType,
    keyframe: false,
    seqHeader: false,
    seqEnd: false,
    cts: 0,
    dataOffset: pos,
    packetType,
    enhanced: true,
    trackId: 0,
    dataEnd: body.length,
  };
  if (packetType !== VIDEO_PACKET.Metadata && frameType === 5) {
    // VideoCommand: a single UI8 and no FourCC, no payload
    need(body, pos + 1, 'ex video command');
    info.packetType = -1;
    return info;
  }
  const ex = readExPrefix(body, pos, packetType, VIDEO_PACKET.Multitrack, VIDEO_PACKET.ModEx, 'video');
  const { type, fourcc } = ex;
  pos = ex.pos;
  info.trackId = ex.trackId;
  info.dataEnd = ex.dataEnd;
  info.fourcc = fourcc;
  info.codec = VIDEO_FOURCC.get(fourcc) ?? 'UNKNOWN';
  info.packetType = type;
  info.seqHeader = type === VIDEO_PACKET.SequenceStart;
  info.seqEnd = type === VIDEO_PACKET.SequenceEnd;
  const isFrame = type === VIDEO_PACKET.CodedFrames || type === VIDEO_PACKET.CodedFramesX;
  info.keyframe = isFrame && (frameType === 1 || frameType === 4);
  if (type === VIDEO_PACKET.CodedFrames && (fourcc === 'avc1' || fourcc === 'hvc1' || fourcc === 'vvc1')) {
    need(body, pos + 3, 'ex video coded frames');
    info.cts = readSI24(body, pos);
    pos += 3;
  }
  if (pos > info.dataEnd) throw new OnAirError('FORMAT', 'ex video track shorter than its header');
  info.dataOffset = pos;
  return info;
}

const SOUND_FORMATS: AudioCodecName[] = [
  'PCM', 'UNKNOWN', 'MP3', 'PCM', 'NELLYMOSER', 'NELLYMOSER', 'NELLYMOSER', 'G711A',
  'G711U', 'UNKNOWN', 'AAC', 'SPEEX', 'UNKNOWN', 'UNKNOWN', 'MP3', 'UNKNOWN',
];

/** Parses the header of an FLV/RTMP audio tag body (legacy SoundFormat and the Enhanced RTMP ex-header). */
export function parseAudioTag(body: Buffer): ParsedAudioTag {
  need(body, 1, 'audio tag');
  const b0 = body[0];
  const soundFormat = b0 >> 4;
  if (soundFormat === 9) return parseExAudioTag(body, b0);
  const info: ParsedAudioTag = {
    codec: SOUND_FORMATS[soundFormat],
    seqHeader: false,
    soundRate: (b0 >> 2) & 3,
    soundSize: (b0 >> 1) & 1,
    soundType: b0 & 1,
    dataOffset: 1,
    packetType: -1,
    enhanced: false,
    trackId: 0,
    dataEnd: body.length,
  };
  if (soundFormat === 10) {
    need(body, 2, 'AAC audio tag');
    info.packetType = body[1];
    if (info.packetType > 1) throw new OnAirError('FORMAT', `unknown AACPacketType ${info.packetType}`);
    info.seqHeader = info.packetType === 0;
    info.dataOffset = 2;
  }
  return info;
}

function parseExAudioTag(body: Buffer, b0: number): ParsedAudioTag {
  const [packetType, afterModEx] = skipModEx(body, b0 & 0x0f, 1, AUDIO_PACKET.ModEx, 'ex audio tag');
  const info: ParsedAudioTag = {
    codec: 'UNKNOWN',
    seqHeader: false,
    soundRate: 0,
    soundSize: 0,
    soundType: 0,
    dataOffset: afterModEx,
    packetType,
    enhanced: true,
    trackId: 0,
    dataEnd: body.length,
  };
  const ex = readExPrefix(body, afterModEx, packetType, AUDIO_PACKET.Multitrack, AUDIO_PACKET.ModEx, 'audio');
  const { type, fourcc } = ex;
  info.trackId = ex.trackId;
  info.dataEnd = ex.dataEnd;
  info.fourcc = fourcc;
  info.codec = AUDIO_FOURCC.get(fourcc) ?? 'UNKNOWN';
  info.packetType = type;
  info.seqHeader = type === AUDIO_PACKET.SequenceStart;
  info.dataOffset = ex.pos;
  return info;
}

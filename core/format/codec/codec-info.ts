import { OnAirError } from '../../errors';
import { parseAacConfig } from './aac';
import { parseAvcDecoderConfig } from './avc';
import { BitReader } from './bit-reader';
import type { AudioCodecInfo, AudioTagInfo, VideoCodecInfo, VideoTagInfo } from './codec-types';
import { parseHevcDecoderConfig } from './hevc';

const FLV_SOUND_RATES = [5512, 11025, 22050, 44100];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function plain(i: VideoCodecInfo): VideoCodecInfo {
  const out: VideoCodecInfo = { codec: i.codec, profile: i.profile, level: i.level, width: i.width, height: i.height };
  if (i.codecString !== undefined) out.codecString = i.codecString;
  return out;
}

/**
 * Codec description from a video sequence header tag (legacy AVC/HEVC seq header or Enhanced RTMP
 * SequenceStart): avcC, hvcC, av1C (size from its sequence header OBU when present) or vpcC.
 * Codecs without a configuration record (VP6, Sorenson, ...) get zeros.
 */
export function videoInfoFromSeqHeader(tag: VideoTagInfo & { dataEnd?: number }, body: Buffer): VideoCodecInfo {
  const zeros: VideoCodecInfo = { codec: tag.codec, profile: '', level: 0, width: 0, height: 0 };
  const hasRecord = tag.codec === 'H264' || tag.codec === 'HEVC' || tag.codec === 'AV1' || tag.codec === 'VP9';
  if (!hasRecord) return zeros;
  if (!tag.seqHeader) throw new OnAirError('FORMAT', `${tag.codec} tag is not a sequence header`);
  const end = Math.min(tag.dataEnd ?? body.length, body.length);
  if (tag.dataOffset > end) throw new OnAirError('FORMAT', 'video tag dataOffset beyond the body');
  const rec = body.subarray(tag.dataOffset, end);
  switch (tag.codec) {
    case 'H264': return plain(parseAvcDecoderConfig(rec));
    case 'HEVC': return plain(parseHevcDecoderConfig(rec));
    case 'AV1': return parseAv1Config(rec);
    default: return parseVp9Config(rec);
  }
}

const AV1_PROFILES = ['Main', 'High', 'Professional'];

/** AV1CodecConfigurationRecord (av1C) plus the sequence header OBU among its configOBUs, if any. */
export function parseAv1Config(rec: Buffer): VideoCodecInfo {
  if (rec.length < 4) throw new OnAirError('FORMAT', `av1C too short: ${rec.length} bytes`);
  if (rec[0] !== 0x81) throw new OnAirError('FORMAT', `av1C marker/version byte 0x${rec[0].toString(16)} is not 0x81`);
  const profile = rec[1] >> 5;
  const levelIdx = rec[1] & 0x1f;
  const tier = rec[2] >> 7;
  const bitDepth = rec[2] & 0x40 ? (rec[2] & 0x20 ? 12 : 10) : 8;
  const info: VideoCodecInfo = {
    codec: 'AV1',
    profile: AV1_PROFILES[profile] ?? '',
    level: levelIdx < 24 ? 2 + (levelIdx >> 2) + (levelIdx & 3) / 10 : 0,
    width: 0,
    height: 0,
    codecString: `av01.${profile}.${pad2(levelIdx)}${tier ? 'H' : 'M'}.${pad2(bitDepth)}`,
  };
  let pos = 4;
  while (pos < rec.length) {
    const h = rec[pos++];
    if (h & 0x80) throw new OnAirError('FORMAT', 'av1 OBU forbidden bit set');
    const type = (h >> 3) & 0x0f;
    if (h & 0x04) pos++; // extension header
    let size = rec.length - pos;
    if (h & 0x02) [size, pos] = readLeb128(rec, pos);
    if (pos + size > rec.length) throw new OnAirError('FORMAT', 'av1 OBU truncated');
    if (type === 1) {
      const seq = parseAv1SequenceHeader(rec.subarray(pos, pos + size));
      info.width = seq.width;
      info.height = seq.height;
      break;
    }
    pos += size;
  }
  return info;
}

function readLeb128(b: Buffer, start: number): [value: number, pos: number] {
  let value = 0;
  let pos = start;
  for (let i = 0; i < 8; i++) {
    if (pos >= b.length) throw new OnAirError('FORMAT', 'av1 leb128 truncated');
    const byte = b[pos++];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) return [value, pos];
  }
  throw new OnAirError('FORMAT', 'av1 leb128 longer than 8 bytes');
}

function readUvlc(r: BitReader): number {
  let zeros = 0;
  while (r.readBit() === 0) zeros++;
  if (zeros >= 32) return 2 ** 32 - 1;
  return r.readBits(zeros) + 2 ** zeros - 1;
}

/** AV1 sequence_header_obu() up to max_frame_width/height (AV1 spec 5.5). */
export function parseAv1SequenceHeader(payload: Buffer): { profile: number; levelIdx: number; width: number; height: number } {
  const r = new BitReader(payload);
  const profile = r.readBits(3);
  r.skipBits(1); // still_picture
  const reduced = r.readFlag();
  let levelIdx: number;
  if (reduced) {
    levelIdx = r.readBits(5);
  } else {
    let decoderModelInfo = false;
    let bufferDelayLength = 0;
    if (r.readFlag()) {
      // timing_info
      r.skipBits(64); // num_units_in_display_tick, time_scale
      if (r.readFlag()) readUvlc(r); // equal_picture_interval -> num_ticks_per_picture_minus_1
      decoderModelInfo = r.readFlag();
      if (decoderModelInfo) {
        bufferDelayLength = r.readBits(5) + 1;
        r.skipBits(32 + 5 + 5); // num_units_in_decoding_tick, buffer_removal_time_length, frame_presentation_time_length
      }
    }
    const initialDisplayDelay = r.readFlag();
    const opCount = r.readBits(5) + 1;
    levelIdx = 0;
    for (let i = 0; i < opCount; i++) {
      r.skipBits(12); // operating_point_idc
      const idx = r.readBits(5);
      if (i === 0) levelIdx = idx;
      if (idx > 7) r.skipBits(1); // seq_tier
      if (decoderModelInfo && r.readFlag()) r.skipBits(2 * bufferDelayLength + 1);
      if (initialDisplayDelay && r.readFlag()) r.skipBits(4);
    }
  }
  const widthBits = r.readBits(4) + 1;
  const heightBits = r.readBits(4) + 1;
  const width = r.readBits(widthBits) + 1;
  const height = r.readBits(heightBits) + 1;
  return { profile, levelIdx, width, height };
}

/** VPCodecConfigurationRecord (vpcC), with or without the 4-byte FullBox version/flags prefix. */
export function parseVp9Config(rec: Buffer): VideoCodecInfo {
  let o = 0;
  if (rec.length >= 12 && rec[0] === 1 && rec[1] === 0 && rec[2] === 0 && rec[3] === 0) o = 4;
  if (rec.length < o + 8) throw new OnAirError('FORMAT', `vpcC too short: ${rec.length} bytes`);
  const profile = rec[o];
  const level = rec[o + 1];
  const bitDepth = rec[o + 2] >> 4;
  if (profile > 3) throw new OnAirError('FORMAT', `vpcC profile ${profile} > 3`);
  return {
    codec: 'VP9',
    profile: `Profile ${profile}`,
    level: level / 10,
    width: 0,
    height: 0,
    codecString: `vp09.${pad2(profile)}.${pad2(level)}.${pad2(bitDepth)}`,
  };
}

/**
 * Codec description from an audio tag: AAC from its AudioSpecificConfig (the sequence header),
 * Opus from its OpusHead, everything else from the FLV SoundFormat/SoundRate/SoundType bits.
 * An AAC raw frame (no config) falls back to those bits too (FLV always says 44100 stereo there);
 * ex-header codecs other than AAC/Opus give 0 Hz / 0 channels.
 */
export function audioInfoFromTag(tag: AudioTagInfo & { dataEnd?: number }, body: Buffer): AudioCodecInfo {
  const end = Math.min(tag.dataEnd ?? body.length, body.length);
  const enhanced = body.length > 0 && body[0] >> 4 === 9;
  if (tag.codec === 'AAC' && tag.seqHeader) {
    const c = parseAacConfig(body.subarray(tag.dataOffset, end));
    return { codec: 'AAC', profile: c.profile, samplerate: c.samplerate, channels: c.channels, objectType: c.objectType, codecString: c.codecString };
  }
  if (tag.codec === 'OPUS') {
    let channels = 2;
    const o = tag.dataOffset;
    // OpusHead: 'OpusHead' version channelCount ... (RFC 7845 5.1)
    if (tag.seqHeader && end - o >= 10 && body.toString('latin1', o, o + 8) === 'OpusHead') channels = body[o + 9];
    return { codec: 'OPUS', profile: '', samplerate: 48000, channels, codecString: 'opus' };
  }
  if (enhanced) {
    return { codec: tag.codec, profile: '', samplerate: 0, channels: 0 };
  }
  const soundFormat = body.length > 0 ? body[0] >> 4 : -1;
  let samplerate = FLV_SOUND_RATES[tag.soundRate & 3];
  let channels = tag.soundType + 1;
  switch (soundFormat) {
    case 4: samplerate = 16000; channels = 1; break; // Nellymoser 16 kHz mono
    case 5: samplerate = 8000; channels = 1; break; // Nellymoser 8 kHz mono
    case 7:
    case 8: samplerate = 8000; break; // G.711
    case 11: samplerate = 16000; channels = 1; break; // Speex
    case 14: samplerate = 8000; break; // MP3 8 kHz
    default: break;
  }
  return { codec: tag.codec, profile: '', samplerate, channels };
}

import { OnAirError } from '../../errors';
import { BitReader, removeEmulationPrevention } from './bit-reader';
import type { VideoCodecInfo } from './codec-types';

export interface HevcSpsInfo {
  profileSpace: number;
  tierFlag: number;
  profileIdc: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** display size after the conformance window */
  width: number;
  height: number;
}

export interface HevcDecoderConfig extends VideoCodecInfo {
  vps: Buffer[];
  sps: Buffer[];
  pps: Buffer[];
  nalLengthSize: number;
}

const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;
const HVCC_HEADER_SIZE = 23;

export function hevcProfileName(profileIdc: number, compatFlags = 0): string {
  let idc = profileIdc;
  if (idc === 0) {
    // profile_idc 0 is allowed when a compatibility flag names the profile
    for (let j = 1; j <= 4; j++) {
      if (compatFlags & (1 << (31 - j))) {
        idc = j;
        break;
      }
    }
  }
  switch (idc) {
    case 1: return 'Main';
    case 2: return 'Main 10';
    case 3: return 'Main Still Picture';
    case 4: return 'Rext';
    default: return '';
  }
}

/** general_level_idc is 30 × the level number: 93 -> 3.1, 123 -> 4.1, 120 -> 4. */
export function hevcLevel(levelIdc: number): number {
  return Math.round(levelIdc / 3) / 10;
}

/** RFC 6381 / ISO 14496-15 Annex E: hvc1.<space><idc>.<reversed compat hex>.<L|H><level>[.<constraint bytes>] */
export function hevcCodecString(
  profileSpace: number, profileIdc: number, compatFlags: number, tierFlag: number, levelIdc: number,
  constraint: ArrayLike<number>,
): string {
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    if (compatFlags & (1 << i)) reversed |= 1 << (31 - i);
  }
  let last = constraint.length;
  while (last > 0 && constraint[last - 1] === 0) last--;
  let s = `hvc1.${['', 'A', 'B', 'C'][profileSpace & 3]}${profileIdc}.${(reversed >>> 0).toString(16).toUpperCase()}`;
  s += `.${tierFlag ? 'H' : 'L'}${levelIdc}`;
  for (let i = 0; i < last; i++) s += `.${constraint[i].toString(16).toUpperCase()}`;
  return s;
}

function skipProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): { space: number; tier: number; idc: number; level: number } {
  const space = r.readBits(2);
  const tier = r.readBit();
  const idc = r.readBits(5);
  r.skipBits(32); // general_profile_compatibility_flags
  r.skipBits(48); // progressive/interlaced/non_packed/frame_only + 44 constraint bits
  const level = r.readBits(8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.readFlag());
    levelPresent.push(r.readFlag());
  }
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skipBits(88);
    if (levelPresent[i]) r.skipBits(8);
  }
  return { space, tier, idc, level };
}

/** Parses an HEVC sequence parameter set NAL unit (including its 2-byte NAL header) up to the bit depths. */
export function parseHevcSps(nal: Buffer): HevcSpsInfo {
  if (nal.length < 3) throw new OnAirError('FORMAT', 'hevc sps too short');
  const type = (nal[0] >> 1) & 0x3f;
  if (type !== NAL_SPS) throw new OnAirError('FORMAT', `not an hevc sps: nal type ${type}`);
  const r = new BitReader(removeEmulationPrevention(nal.subarray(2)));
  r.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  if (maxSubLayersMinus1 > 6) throw new OnAirError('FORMAT', 'hevc sps: sps_max_sub_layers_minus1 > 6');
  r.skipBits(1); // sps_temporal_id_nesting_flag
  const ptl = skipProfileTierLevel(r, maxSubLayersMinus1);
  const spsId = r.readUE();
  if (spsId > 15) throw new OnAirError('FORMAT', `hevc sps: sps_seq_parameter_set_id ${spsId} > 15`);
  const chromaFormatIdc = r.readUE();
  if (chromaFormatIdc > 3) throw new OnAirError('FORMAT', `hevc sps: chroma_format_idc ${chromaFormatIdc} > 3`);
  const separateColourPlane = chromaFormatIdc === 3 ? r.readFlag() : false;
  const picWidth = r.readUE();
  const picHeight = r.readUE();
  let left = 0;
  let right = 0;
  let top = 0;
  let bottom = 0;
  if (r.readFlag()) {
    left = r.readUE();
    right = r.readUE();
    top = r.readUE();
    bottom = r.readUE();
  }
  const bitDepthLuma = r.readUE() + 8;
  const bitDepthChroma = r.readUE() + 8;
  if (bitDepthLuma > 16 || bitDepthChroma > 16) throw new OnAirError('FORMAT', 'hevc sps: bit depth > 16');
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const width = picWidth - subWidthC * (left + right);
  const height = picHeight - subHeightC * (top + bottom);
  if (picWidth === 0 || picHeight === 0 || width <= 0 || height <= 0) {
    throw new OnAirError('FORMAT', 'hevc sps: empty picture or conformance window exceeds it');
  }
  return {
    profileSpace: ptl.space, tierFlag: ptl.tier, profileIdc: ptl.idc, levelIdc: ptl.level,
    chromaFormatIdc, bitDepthLuma, bitDepthChroma, width, height,
  };
}

/** Parses an HEVCDecoderConfigurationRecord (hvcC). Parameter sets are views into `rec`. */
export function parseHevcDecoderConfig(rec: Buffer): HevcDecoderConfig {
  if (rec.length < HVCC_HEADER_SIZE) throw new OnAirError('FORMAT', `hvcC too short: ${rec.length} bytes`);
  if (rec[0] !== 1) throw new OnAirError('FORMAT', `hvcC configurationVersion ${rec[0]} is not 1`);
  const profileSpace = rec[1] >> 6;
  const tierFlag = (rec[1] >> 5) & 1;
  const profileIdc = rec[1] & 0x1f;
  const compatFlags = rec.readUInt32BE(2);
  const constraint = rec.subarray(6, 12);
  const levelIdc = rec[12];
  const nalLengthSize = (rec[21] & 0x03) + 1;
  if (nalLengthSize === 3) throw new OnAirError('FORMAT', 'hvcC NAL length size 3 is invalid');
  const vps: Buffer[] = [];
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  const numArrays = rec[22];
  let pos = HVCC_HEADER_SIZE;
  for (let a = 0; a < numArrays; a++) {
    if (pos + 3 > rec.length) throw new OnAirError('FORMAT', 'hvcC truncated in an array header');
    const type = rec[pos] & 0x3f;
    const count = rec.readUInt16BE(pos + 1);
    pos += 3;
    const list = type === NAL_VPS ? vps : type === NAL_SPS ? sps : type === NAL_PPS ? pps : null;
    for (let i = 0; i < count; i++) {
      if (pos + 2 > rec.length) throw new OnAirError('FORMAT', 'hvcC truncated in a NAL length');
      const len = rec.readUInt16BE(pos);
      pos += 2;
      if (pos + len > rec.length) throw new OnAirError('FORMAT', 'hvcC truncated in a NAL unit');
      if (list) list.push(rec.subarray(pos, pos + len));
      pos += len;
    }
  }
  const info: HevcDecoderConfig = {
    codec: 'HEVC',
    profile: hevcProfileName(profileIdc, compatFlags),
    level: hevcLevel(levelIdc),
    width: 0,
    height: 0,
    codecString: hevcCodecString(profileSpace, profileIdc, compatFlags, tierFlag, levelIdc, constraint),
    vps,
    sps,
    pps,
    nalLengthSize,
  };
  if (sps.length > 0) {
    const s = parseHevcSps(sps[0]);
    info.width = s.width;
    info.height = s.height;
  }
  return info;
}

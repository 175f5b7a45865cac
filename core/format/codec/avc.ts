import { OnAirError } from '../../errors';
import { BitReader, removeEmulationPrevention } from './bit-reader';
import type { VideoCodecInfo } from './codec-types';

export interface H264SpsInfo {
  profileIdc: number;
  /** constraint_set0..5 flags byte (profile_compatibility) */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  frameMbsOnly: boolean;
  /** display size after frame cropping */
  width: number;
  height: number;
  /** sample aspect ratio from the VUI, 1:1 when absent */
  sarWidth: number;
  sarHeight: number;
  /** frames per second from the VUI timing info (time_scale / (2 * num_units_in_tick)), 0 when absent */
  fps: number;
}

export interface AvcDecoderConfig extends VideoCodecInfo {
  sps: Buffer[];
  pps: Buffer[];
  nalLengthSize: number;
}

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

const SAR_TABLE: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11],
  [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];

export function avcProfileName(profileIdc: number): string {
  switch (profileIdc) {
    case 66: return 'Baseline';
    case 77: return 'Main';
    case 88: return 'Extended';
    case 100: return 'High';
    case 110: return 'High 10';
    case 122: return 'High 4:2:2';
    case 244: return 'High 4:4:4';
    default: return '';
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.readSE();
      if (delta < -128 || delta > 127) throw new OnAirError('FORMAT', 'h264 sps: scaling list delta out of range');
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

function ue(r: BitReader, max: number, what: string): number {
  const v = r.readUE();
  if (v > max) throw new OnAirError('FORMAT', `h264 sps: ${what} ${v} out of range`);
  return v;
}

/** Parses an H.264 sequence parameter set NAL unit (including its 1-byte NAL header). */
export function parseH264Sps(nal: Buffer): H264SpsInfo {
  if (nal.length < 4) throw new OnAirError('FORMAT', 'h264 sps too short');
  if ((nal[0] & 0x1f) !== 7) throw new OnAirError('FORMAT', `not an h264 sps: nal type ${nal[0] & 0x1f}`);
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1)));
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  const spsId = ue(r, 31, 'seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = ue(r, 3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.readFlag();
    bitDepthLuma = ue(r, 6, 'bit_depth_luma_minus8') + 8;
    bitDepthChroma = ue(r, 6, 'bit_depth_chroma_minus8') + 8;
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readFlag()) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.readFlag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  ue(r, 12, 'log2_max_frame_num_minus4');
  const pocType = ue(r, 2, 'pic_order_cnt_type');
  if (pocType === 0) {
    ue(r, 12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (pocType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = ue(r, 255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) r.readSE();
  }
  r.readUE(); // max_num_ref_frames
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = ue(r, 0xffff, 'pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = ue(r, 0xffff, 'pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.readFlag();
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.readFlag()) {
    cropLeft = r.readUE();
    cropRight = r.readUE();
    cropTop = r.readUE();
    cropBottom = r.readUE();
  }
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new OnAirError('FORMAT', 'h264 sps: cropping exceeds the picture');

  const vui = { sarWidth: 1, sarHeight: 1, fps: 0 };
  try {
    if (r.bitsLeft > 0 && r.readFlag()) readVui(r, vui);
  } catch (e) {
    // A damaged VUI does not invalidate the picture size; keep the defaults.
    if (!(e instanceof OnAirError)) throw e;
  }
  return {
    profileIdc, constraintFlags, levelIdc, spsId, chromaFormatIdc, bitDepthLuma, bitDepthChroma,
    frameMbsOnly, width, height, ...vui,
  };
}

function readVui(r: BitReader, out: { sarWidth: number; sarHeight: number; fps: number }): void {
  if (r.readFlag()) {
    const idc = r.readBits(8);
    if (idc === 255) {
      out.sarWidth = r.readBits(16);
      out.sarHeight = r.readBits(16);
    } else if (idc > 0 && idc < SAR_TABLE.length) {
      [out.sarWidth, out.sarHeight] = SAR_TABLE[idc];
    }
  }
  if (r.readFlag()) r.skipBits(1); // overscan_appropriate_flag
  if (r.readFlag()) {
    r.skipBits(4); // video_format, video_full_range_flag
    if (r.readFlag()) r.skipBits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
  }
  if (r.readFlag()) {
    r.readUE(); // chroma_sample_loc_type_top_field
    r.readUE(); // chroma_sample_loc_type_bottom_field
  }
  if (r.readFlag()) {
    const unitsInTick = r.readBits(32);
    const timeScale = r.readBits(32);
    if (unitsInTick > 0 && timeScale > 0) out.fps = Math.round((timeScale / (2 * unitsInTick)) * 1000) / 1000;
  }
}

/** Parses an AVCDecoderConfigurationRecord (avcC, the FLV AVC sequence header payload). */
export function parseAvcDecoderConfig(rec: Buffer): AvcDecoderConfig {
  if (rec.length < 7) throw new OnAirError('FORMAT', `avcC too short: ${rec.length} bytes`);
  if (rec[0] !== 1) throw new OnAirError('FORMAT', `avcC configurationVersion ${rec[0]} is not 1`);
  const nalLengthSize = (rec[4] & 0x03) + 1;
  if (nalLengthSize === 3) throw new OnAirError('FORMAT', 'avcC NAL length size 3 is invalid');
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  let pos = 5;
  const numSps = rec[pos++] & 0x1f;
  pos = readNalList(rec, pos, numSps, sps);
  if (pos >= rec.length) throw new OnAirError('FORMAT', 'avcC truncated before numOfPictureParameterSets');
  const numPps = rec[pos++];
  readNalList(rec, pos, numPps, pps);
  // Trailing high-profile extension fields (chroma_format etc.) are not needed: the SPS has them.

  const info: AvcDecoderConfig = {
    codec: 'H264',
    profile: avcProfileName(rec[1]),
    level: rec[3] / 10,
    width: 0,
    height: 0,
    codecString: `avc1.${hex2(rec[1])}${hex2(rec[2])}${hex2(rec[3])}`,
    sps,
    pps,
    nalLengthSize,
  };
  if (sps.length > 0) {
    const s = parseH264Sps(sps[0]);
    info.width = s.width;
    info.height = s.height;
  }
  return info;
}

/** Reads `count` (u16 length + NAL) entries; returns the position after them. NALs are views into rec. */
function readNalList(rec: Buffer, start: number, count: number, out: Buffer[]): number {
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > rec.length) throw new OnAirError('FORMAT', 'avcC truncated in a parameter set length');
    const len = rec.readUInt16BE(pos);
    pos += 2;
    if (pos + len > rec.length) throw new OnAirError('FORMAT', 'avcC truncated in a parameter set');
    out.push(rec.subarray(pos, pos + len));
    pos += len;
  }
  return pos;
}

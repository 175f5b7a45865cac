/** Annex-B access units for MPEG-TS: AUD first, parameter sets before every random access picture. */

export type TsVideoCodec = 'H264' | 'HEVC';

const START_CODE = Buffer.from([0, 0, 0, 1]);
const H264_AUD = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]); // primary_pic_type 7 (any slice type)
const HEVC_AUD = Buffer.from([0, 0, 0, 1, 0x46, 0x01, 0x50]); // nal type 35, layer 0, tid 1; pic_type 2

function h264Type(nal: Buffer): number {
  return nal[0] & 0x1f;
}

function hevcType(nal: Buffer): number {
  return (nal[0] >> 1) & 0x3f;
}

/** true for an H.264 IDR slice (type 5) or an HEVC IRAP picture (types 16..23: BLA, IDR, CRA). */
export function isRandomAccessNal(codec: TsVideoCodec, nal: Buffer): boolean {
  if (nal.length === 0) return false;
  if (codec === 'H264') return h264Type(nal) === 5;
  const t = hevcType(nal);
  return t >= 16 && t <= 23;
}

function isParamSet(codec: TsVideoCodec, nal: Buffer): boolean {
  if (codec === 'H264') {
    const t = h264Type(nal);
    return t === 7 || t === 8;
  }
  const t = hevcType(nal);
  return t >= 32 && t <= 34;
}

function isAud(codec: TsVideoCodec, nal: Buffer): boolean {
  return codec === 'H264' ? h264Type(nal) === 9 : hevcType(nal) === 35;
}

/**
 * The Annex-B byte stream of one access unit as a list of chunks (start codes and views of the NAL units,
 * nothing copied): an access unit delimiter, then — when `keyframe` or an IDR/IRAP slice is present and the
 * unit carries no parameter sets of its own — `paramSets` (SPS+PPS for H.264, VPS+SPS+PPS for HEVC), then the
 * NAL units. Access unit delimiters already in `nalus` are dropped (there is exactly one, first).
 */
export function annexBAccessUnit(
  codec: TsVideoCodec, nalus: readonly Buffer[], keyframe: boolean, paramSets: readonly Buffer[],
): Buffer[] {
  const out: Buffer[] = [codec === 'H264' ? H264_AUD : HEVC_AUD];
  let randomAccess = keyframe;
  let hasParams = false;
  for (const n of nalus) {
    if (n.length === 0) continue;
    if (isRandomAccessNal(codec, n)) randomAccess = true;
    if (isParamSet(codec, n)) hasParams = true;
  }
  if (randomAccess && !hasParams) {
    for (const ps of paramSets) out.push(START_CODE, ps);
  }
  for (const n of nalus) {
    if (n.length === 0 || isAud(codec, n)) continue;
    out.push(START_CODE, n);
  }
  return out;
}

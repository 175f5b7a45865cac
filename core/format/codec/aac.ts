import { OnAirError } from '../../errors';
import { BitReader } from './bit-reader';
import type { AudioCodecInfo } from './codec-types';

export const AAC_SAMPLE_RATES: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/** Output channels per channelConfiguration (0 = defined by a program_config_element; reported as 0). */
const AAC_CHANNELS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 0, 0];

/** GA-specific-config object types (ISO 14496-3 1.6.2.1) after which a sync extension may follow. */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

export interface AacConfig extends AudioCodecInfo {
  codec: 'AAC';
  /** signalled object type: 5 (SBR) / 29 (PS) when HE-AAC is detected, otherwise the core type */
  objectType: number;
  /** the core codec's object type (2 for HE-AAC over LC) */
  coreObjectType: number;
  /** the core sampling frequency index; for an explicit (escape 15) frequency, the nearest standard index */
  samplingIndex: number;
  /** the core sampling frequency; `samplerate` is the output rate (the SBR rate for HE-AAC) */
  coreSamplerate: number;
  /** channelConfiguration as signalled (`channels` is 2 for HEv2 mono-plus-PS) */
  channelConfig: number;
  sbr: boolean;
  ps: boolean;
}

export function aacProfileName(objectType: number): string {
  switch (objectType) {
    case 1: return 'Main';
    case 2: return 'LC';
    case 3: return 'SSR';
    case 4: return 'LTP';
    case 5: return 'HE';
    case 29: return 'HEv2';
    default: return '';
  }
}

function readObjectType(r: BitReader): number {
  const t = r.readBits(5);
  return t === 31 ? 32 + r.readBits(6) : t;
}

function readFrequency(r: BitReader): [index: number, rate: number] {
  const index = r.readBits(4);
  if (index === 15) return [index, r.readBits(24)];
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new OnAirError('FORMAT', `aac: reserved sampling frequency index ${index}`);
  return [index, rate];
}

/** Parses an MPEG-4 AudioSpecificConfig (the FLV AAC sequence header payload). */
export function parseAacConfig(asc: Buffer): AacConfig {
  if (asc.length < 2) throw new OnAirError('FORMAT', `aac AudioSpecificConfig too short: ${asc.length} bytes`);
  const r = new BitReader(asc);
  let objectType = readObjectType(r);
  if (objectType === 0) throw new OnAirError('FORMAT', 'aac: audioObjectType 0 is invalid');
  const [samplingIndex, coreRate] = readFrequency(r);
  if (coreRate === 0) throw new OnAirError('FORMAT', 'aac: sampling frequency 0');
  const channelConfig = r.readBits(4);
  let sbr = false;
  let ps = false;
  let extRate = 0;
  let coreType = objectType;
  if (objectType === 5 || objectType === 29) {
    // explicit hierarchical signalling: extension rate and the core object type follow
    sbr = true;
    ps = objectType === 29;
    extRate = readFrequency(r)[1];
    coreType = readObjectType(r);
  } else if (GA_OBJECT_TYPES.has(objectType) && channelConfig !== 0) {
    // backward-compatible explicit signalling: a sync extension after the GASpecificConfig
    try {
      const ext = readSyncExtension(r, objectType);
      if (ext.sbr) {
        sbr = true;
        ps = ext.ps;
        extRate = ext.rate;
        objectType = ps ? 29 : 5;
      }
    } catch (e) {
      if (!(e instanceof OnAirError)) throw e;
    }
  }
  if (sbr && extRate === 0) extRate = coreRate * 2 <= 96000 ? coreRate * 2 : coreRate;
  const channels = ps && channelConfig === 1 ? 2 : AAC_CHANNELS[channelConfig];
  return {
    codec: 'AAC',
    profile: aacProfileName(objectType),
    samplerate: sbr ? extRate : coreRate,
    channels,
    objectType,
    codecString: `mp4a.40.${objectType}`,
    coreObjectType: coreType,
    samplingIndex: samplingIndex === 15 ? aacSamplingIndex(coreRate) : samplingIndex,
    coreSamplerate: coreRate,
    channelConfig,
    sbr,
    ps,
  };
}

function readSyncExtension(r: BitReader, objectType: number): { sbr: boolean; ps: boolean; rate: number } {
  const none = { sbr: false, ps: false, rate: 0 };
  // GASpecificConfig
  r.skipBits(1); // frameLengthFlag
  if (r.readFlag()) r.skipBits(14); // dependsOnCoreCoder -> coreCoderDelay
  const extensionFlag = r.readFlag();
  if (objectType === 6 || objectType === 20) r.skipBits(3); // layerNr
  if (extensionFlag) {
    if (objectType === 22) r.skipBits(16); // numOfSubFrame(5) layer_length(11)
    if (objectType === 17 || objectType === 19 || objectType === 20 || objectType === 23) r.skipBits(3);
    r.skipBits(1); // extensionFlag3
  }
  if (r.bitsLeft < 16 || r.readBits(11) !== 0x2b7) return none;
  if (readObjectType(r) !== 5) return none;
  if (!r.readFlag()) return none;
  const rate = readFrequency(r)[1];
  let ps = false;
  if (r.bitsLeft >= 12 && r.readBits(11) === 0x548) ps = r.readFlag();
  return { sbr: true, ps, rate };
}

/**
 * Nearest ADTS sampling frequency index for a rate (ISO 14496-3 table 4.82 ranges);
 * exact for the 13 standard rates.
 */
export function aacSamplingIndex(rate: number): number {
  if (rate >= 92017) return 0;
  if (rate >= 75132) return 1;
  if (rate >= 55426) return 2;
  if (rate >= 46009) return 3;
  if (rate >= 37566) return 4;
  if (rate >= 27713) return 5;
  if (rate >= 23004) return 6;
  if (rate >= 18783) return 7;
  if (rate >= 13856) return 8;
  if (rate >= 11502) return 9;
  if (rate >= 9391) return 10;
  if (rate >= 7700) return 11;
  return 12;
}

/**
 * A 7-byte ADTS header (no CRC) for one raw AAC frame of `payloadLength` bytes.
 * `objectType` 1..4; 5/29 (HE-AAC) are written as LC with implicit SBR, so `samplingIndex` must be the core's
 * (as in AacConfig). The channel_configuration is `channelConfig` when given (an AacConfig has it),
 * else `channels` (8 is written as configuration 7).
 */
export function adtsHeader(
  info: { objectType: number; samplingIndex: number; channels: number; channelConfig?: number },
  payloadLength: number,
): Buffer {
  const aot = info.objectType === 5 || info.objectType === 29 ? 2 : info.objectType;
  if (aot < 1 || aot > 4) throw new OnAirError('FORMAT', `adts: object type ${info.objectType} cannot be carried`);
  if (info.samplingIndex < 0 || info.samplingIndex > 12) throw new OnAirError('FORMAT', `adts: sampling index ${info.samplingIndex}`);
  const chan = info.channelConfig ?? (info.channels === 8 ? 7 : info.channels);
  if (chan < 0 || chan > 7) throw new OnAirError('FORMAT', `adts: channel configuration ${info.channels}`);
  const frameLength = payloadLength + 7;
  if (payloadLength < 0 || frameLength > 0x1fff) throw new OnAirError('FORMAT', `adts: frame length ${frameLength}`);
  const h = Buffer.allocUnsafe(7);
  h[0] = 0xff;
  h[1] = 0xf1; // sync, MPEG-4, layer 0, protection_absent
  h[2] = ((aot - 1) << 6) | (info.samplingIndex << 2) | (chan >> 2);
  h[3] = ((chan & 3) << 6) | (frameLength >> 11);
  h[4] = (frameLength >> 3) & 0xff;
  h[5] = ((frameLength & 7) << 5) | 0x1f; // buffer fullness 0x7FF (VBR)
  h[6] = 0xfc; // buffer fullness low bits, 1 raw data block
  return h;
}

/**
 * Fragmented MP4 / CMAF: the init segment (ftyp + moov) and media fragments (moof + mdat). Pure, no I/O.
 *
 * A stream is `initSegment(tracks)` followed by `fragment(1, ...)`, `fragment(2, ...)`, ... Each fragment is
 * self-contained (default-base-is-moof, tfdt carries the 64-bit decode time), so the same bytes serve LL-HLS
 * parts (a few frames each), HLS/DASH segments (one or more fragments), and a crash-safe recording: a file that
 * is the init segment plus fragments appended as they are made stays playable up to its last complete fragment.
 *
 * Timescales: video 90000, audio the sample rate. Sample data is the MP4 sample format, i.e. the FLV payload as is:
 * length-prefixed NAL units (with the record's NAL length size) for video, one raw AAC frame for audio.
 * `Fmp4Muxer` (fmp4-muxer.ts) drives this from MediaPackets and computes the durations.
 */
import { OnAirError } from '../../errors';
import { parseAacConfig } from '../codec/aac';
import { parseAvcDecoderConfig } from '../codec/avc';
import { UNITY_MATRIX, box, fullBox, mp4aSampleEntry, u16, u32, visualSampleEntry, writeU64, zeros } from './fmp4-boxes';
import { parseHevcDecoderConfig } from '../codec/hevc';

export const VIDEO_TIMESCALE = 90000;

export interface Fmp4VideoTrack {
  type: 'video';
  id: number;
  codec: 'H264' | 'HEVC';
  /** AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord, written as avcC / hvcC */
  config: Buffer;
  width: number;
  height: number;
  timescale: number;
  /** RFC 6381 codec string for playlists and manifests, e.g. 'avc1.64001e' */
  codecString: string;
}

export interface Fmp4AudioTrack {
  type: 'audio';
  id: number;
  codec: 'AAC';
  /** AudioSpecificConfig, written into esds */
  config: Buffer;
  /** output sample rate (the SBR rate for HE-AAC); also the timescale */
  sampleRate: number;
  channels: number;
  timescale: number;
  /** duration of one AAC frame in timescale units (1024 samples of the core rate) */
  frameDuration: number;
  codecString: string;
}

export type Fmp4Track = Fmp4VideoTrack | Fmp4AudioTrack;

/** A video track description from its decoder configuration record (size and codec string from the SPS). */
export function videoTrack(codec: 'H264' | 'HEVC', record: Buffer, id = 1): Fmp4VideoTrack {
  const c = codec === 'H264' ? parseAvcDecoderConfig(record) : parseHevcDecoderConfig(record);
  return {
    type: 'video', id, codec, config: Buffer.from(record), width: c.width, height: c.height,
    timescale: VIDEO_TIMESCALE, codecString: c.codecString ?? (codec === 'H264' ? 'avc1' : 'hvc1'),
  };
}

/** An AAC track description from its AudioSpecificConfig. */
export function audioTrack(asc: Buffer, id = 2): Fmp4AudioTrack {
  const c = parseAacConfig(asc);
  return {
    type: 'audio', id, codec: 'AAC', config: Buffer.from(asc), sampleRate: c.samplerate,
    channels: c.channels > 0 ? c.channels : 2, timescale: c.samplerate,
    frameDuration: Math.round((1024 * c.samplerate) / c.coreSamplerate), codecString: c.codecString ?? 'mp4a.40.2',
  };
}

const MOVIE_TIMESCALE = 1000;
const LANGUAGE_UND = 0x55c4;

function mvhd(nextTrackId: number): Buffer {
  const b = Buffer.alloc(96);
  b.writeUInt32BE(MOVIE_TIMESCALE, 8);
  // duration 0: unknown / given by the fragments
  b.writeUInt32BE(0x00010000, 16); // rate 1.0
  b.writeUInt16BE(0x0100, 20); // volume 1.0
  UNITY_MATRIX.copy(b, 32);
  b.writeUInt32BE(nextTrackId, 92);
  return fullBox('mvhd', 0, 0, b);
}

function tkhd(t: Fmp4Track): Buffer {
  const b = Buffer.alloc(80);
  b.writeUInt32BE(t.id, 8);
  if (t.type === 'audio') b.writeUInt16BE(0x0100, 32); // volume
  UNITY_MATRIX.copy(b, 36);
  if (t.type === 'video') {
    b.writeUInt32BE((t.width & 0xffff) * 0x10000, 72);
    b.writeUInt32BE((t.height & 0xffff) * 0x10000, 76);
  }
  return fullBox('tkhd', 0, 3, b); // enabled | in_movie
}

function mdhd(timescale: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(timescale, 8);
  b.writeUInt16BE(LANGUAGE_UND, 16);
  return fullBox('mdhd', 0, 0, b);
}

function hdlr(type: 'vide' | 'soun', name: string): Buffer {
  const b = Buffer.alloc(20 + name.length + 1);
  b.write(type, 4, 4, 'latin1');
  b.write(name, 20, 'latin1');
  return fullBox('hdlr', 0, 0, b);
}

function stbl(t: Fmp4Track): Buffer {
  const entry = t.type === 'video'
    ? visualSampleEntry(t.codec === 'H264' ? 'avc1' : 'hvc1', t.width, t.height, t.config)
    : mp4aSampleEntry(t.id, t.channels, t.sampleRate, t.config);
  return box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), entry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
}

function trak(t: Fmp4Track): Buffer {
  const media = t.type === 'video' ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, u16(0), u16(0));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  return box(
    'trak',
    tkhd(t),
    box(
      'mdia',
      mdhd(t.timescale),
      hdlr(t.type === 'video' ? 'vide' : 'soun', t.type === 'video' ? 'VideoHandler' : 'SoundHandler'),
      box('minf', media, dinf, stbl(t)),
    ),
  );
}

function trex(id: number): Buffer {
  return fullBox('trex', 0, 0, u32(id), u32(1), u32(0), u32(0), u32(0));
}

/** ftyp (iso6, compatible iso6/cmfc/isom/dash) + moov with one trak per track and mvex/trex. */
export function initSegment(tracks: readonly Fmp4Track[]): Buffer {
  if (tracks.length === 0) throw new OnAirError('VALIDATION', 'fmp4 init segment needs at least one track');
  const ids = new Set(tracks.map((t) => t.id));
  if (ids.size !== tracks.length || tracks.some((t) => !Number.isInteger(t.id) || t.id < 1)) {
    throw new OnAirError('VALIDATION', 'fmp4 track ids must be distinct positive integers');
  }
  const ftyp = box('ftyp', Buffer.from('iso6', 'latin1'), u32(0), Buffer.from('iso6cmfcisomdash', 'latin1'));
  const nextId = Math.max(...tracks.map((t) => t.id)) + 1;
  const moov = box('moov', mvhd(nextId), ...tracks.map(trak), box('mvex', ...tracks.map((t) => trex(t.id))));
  return Buffer.concat([ftyp, moov]);
}

export interface Fmp4Sample {
  /** in the track's timescale; the next sample's decode time minus this one's */
  duration: number;
  /** the sample bytes (MP4 sample format) */
  data: Buffer;
  /** a sync sample (IDR/IRAP); every audio sample is one */
  keyframe: boolean;
  /** composition time offset (pts - dts) in the track's timescale, may be negative; video only */
  cto?: number;
}

export interface Fmp4TrackRun {
  trackId: number;
  /** decode time of the first sample, track timescale, integer below 2^53 (written as 64 bits) */
  baseDecodeTime: number;
  samples: readonly Fmp4Sample[];
  /** write composition time offsets (trun version 1); default: when any sample has a non-zero cto */
  withCto?: boolean;
}

/** sample_depends_on 2 (an I picture); sample_depends_on 1 + sample_is_non_sync_sample. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

/**
 * moof (mfhd + one traf per run: tfhd default-base-is-moof, tfdt version 1, trun with per-sample duration,
 * size, flags and — for video — signed composition offsets) followed by one mdat holding the runs' samples
 * in order. Runs without samples are left out. `seq` is the mfhd sequence number (start at 1, +1 per fragment).
 */
export function fragment(seq: number, runs: readonly Fmp4TrackRun[]): Buffer {
  const live = runs.filter((r) => r.samples.length > 0);
  if (live.length === 0) throw new OnAirError('VALIDATION', 'fmp4 fragment needs at least one sample');
  const withCto = live.map((r) => r.withCto ?? r.samples.some((s) => (s.cto ?? 0) !== 0));
  let moofSize = 8 + 16;
  const trafSizes = live.map((r, i) => {
    const perSample = withCto[i] ? 16 : 12;
    const size = 8 + 16 + 20 + (20 + perSample * r.samples.length);
    moofSize += size;
    return size;
  });
  let dataSize = 0;
  for (const r of live) for (const s of r.samples) dataSize += s.data.length;
  if (8 + dataSize > 0xffffffff) throw new OnAirError('LIMIT', 'fmp4 fragment larger than 4 GiB');
  const out = Buffer.allocUnsafe(moofSize + 8 + dataSize);
  let w = 0;
  const header = (size: number, type: string): void => {
    out.writeUInt32BE(size, w);
    out.write(type, w + 4, 4, 'latin1');
    w += 8;
  };
  const word = (v: number): void => {
    out.writeUInt32BE(v >>> 0, w);
    w += 4;
  };
  header(moofSize, 'moof');
  header(16, 'mfhd');
  word(0);
  word(seq);
  let dataOffset = moofSize + 8; // from the start of moof to the first sample of the run
  live.forEach((r, i) => {
    header(trafSizes[i], 'traf');
    header(16, 'tfhd');
    word(TFHD_DEFAULT_BASE_IS_MOOF);
    word(r.trackId);
    header(20, 'tfdt');
    word(0x01000000); // version 1: 64-bit baseMediaDecodeTime
    writeU64(out, Math.max(0, Math.floor(r.baseDecodeTime)), w);
    w += 8;
    const perSample = withCto[i] ? 16 : 12;
    header(20 + perSample * r.samples.length, 'trun');
    word((withCto[i] ? 0x01000000 : 0) | TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | (withCto[i] ? TRUN_CTO : 0));
    word(r.samples.length);
    word(dataOffset);
    for (const s of r.samples) {
      word(Math.min(0xffffffff, Math.max(0, Math.round(s.duration))));
      word(s.data.length);
      word(s.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS);
      if (withCto[i]) {
        out.writeInt32BE(Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(s.cto ?? 0))), w);
        w += 4;
      }
      dataOffset += s.data.length;
    }
  });
  header(8 + dataSize, 'mdat');
  for (const r of live) for (const s of r.samples) w += s.data.copy(out, w);
  return out;
}

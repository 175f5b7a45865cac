/**
 * MPEG-TS muxer for HLS: H.264 or HEVC video and AAC (ADTS) audio in one program. Pure: bytes in, bytes out.
 *
 * From MediaPackets (the usual path):
 *
 *   const ts = new TsMuxer({ video: 'H264', audio: 'AAC' });
 *   segment.push(ts.tables());                 // at the start of every segment
 *   for (const p of packets) segment.push(ts.muxPacket(p)); // seq headers configure, frames produce packets
 *
 * Or with decoded-out units: `setVideoConfig(avcC|hvcC)`, `setAudioConfig(asc)`, then `video(au)` / `audio(frame)`.
 * Times given to `video`/`audio` are milliseconds on a continuous timeline (any real number); they become 90 kHz
 * PTS/DTS modulo 2^33. `muxPacket` first unwraps the 32-bit FLV millisecond timestamps (one clock for both tracks).
 *
 * PIDs: PMT 0x1000, video 0x100, audio 0x101 (stream types 0x1B H.264, 0x24 HEVC, 0x0F AAC ADTS).
 * PCR is carried in the first packet of every PES on the video PID (the audio PID when there is no video),
 * equal to that PES's DTS; a PCR that goes backwards (or jumps more than 10 s) sets discontinuity_indicator.
 * Keyframes set random_access_indicator; each H.264/HEVC access unit starts with an AUD, and SPS/PPS
 * (HEVC: VPS/SPS/PPS) from the decoder configuration precede every IDR/IRAP that does not carry its own.
 */
import { OnAirError } from '../../errors';
import { adtsHeader, parseAacConfig } from '../codec/aac';
import { parseAvcDecoderConfig } from '../codec/avc';
import { parseHevcDecoderConfig } from '../codec/hevc';
import { PID_AUDIO, PID_PAT, PID_PMT, PID_VIDEO, STREAM_TYPE, patSection, pmtSection, sectionPacket } from './mpegts-psi';
import type { PmtStream } from './mpegts-psi';
import { STREAM_ID_AUDIO, STREAM_ID_VIDEO, TS_CLOCK_WRAP, msTo90k, packetizePes, pesHeader } from './mpegts-pes';
import { annexBAccessUnit } from './mpegts-video';
import type { TsVideoCodec } from './mpegts-video';
import { MsUnwrapper, muxPayload, splitNalus } from '../codec/mux-sample';
import type { MuxPacketInput } from '../codec/mux-sample';

export type { TsVideoCodec } from './mpegts-video';
export { crc32Mpeg2, PID_AUDIO, PID_PAT, PID_PMT, PID_VIDEO, TS_PACKET_SIZE } from './mpegts-psi';

export interface TsMuxerOptions {
  video?: TsVideoCodec;
  audio?: 'AAC';
}

export interface TsVideoAccessUnit {
  /** decode time, ms */
  dts: number;
  /** presentation time, ms */
  pts: number;
  keyframe: boolean;
  /** NAL units without start codes or length prefixes (see `splitNalus` for FLV's length-prefixed form) */
  nalus: readonly Buffer[];
}

/** What an ADTS header needs (an AacConfig from parseAacConfig has all of it). */
export interface AdtsConfig {
  objectType: number;
  samplingIndex: number;
  channels: number;
  channelConfig?: number;
}

export interface TsAudioFrame {
  /** presentation time, ms */
  pts: number;
  /** one raw AAC frame (no ADTS header) */
  data: Buffer;
  /** overrides the configuration from setAudioConfig for this frame */
  config?: AdtsConfig;
}

const EMPTY = Buffer.alloc(0);
/** A PCR step forwards larger than this (90 kHz) is flagged as a discontinuity. */
const MAX_PCR_STEP = 10 * 90000;

export class TsMuxer {
  readonly videoCodec: TsVideoCodec | undefined;
  readonly hasAudio: boolean;
  /** PID that carries the PCR */
  readonly pcrPid: number;
  private readonly pat: Buffer;
  private readonly pmt: Buffer;
  private readonly cc = new Map<number, number>();
  private paramSets: Buffer[] = [];
  private nalLengthSize = 4;
  private adts: AdtsConfig | null = null;
  private lastPcr = -1;
  private readonly clock = new MsUnwrapper();

  constructor(opts: TsMuxerOptions) {
    if (!opts.video && !opts.audio) throw new OnAirError('VALIDATION', 'TsMuxer needs a video or an audio track');
    if (opts.video && opts.video !== 'H264' && opts.video !== 'HEVC') {
      throw new OnAirError('VALIDATION', `TsMuxer: unsupported video codec ${String(opts.video)}`);
    }
    if (opts.audio && opts.audio !== 'AAC') throw new OnAirError('VALIDATION', `TsMuxer: unsupported audio codec ${String(opts.audio)}`);
    this.videoCodec = opts.video;
    this.hasAudio = opts.audio === 'AAC';
    this.pcrPid = opts.video ? PID_VIDEO : PID_AUDIO;
    const streams: PmtStream[] = [];
    if (opts.video) streams.push({ streamType: opts.video === 'H264' ? STREAM_TYPE.H264 : STREAM_TYPE.HEVC, pid: PID_VIDEO });
    if (this.hasAudio) streams.push({ streamType: STREAM_TYPE.AAC_ADTS, pid: PID_AUDIO });
    this.pat = patSection(PID_PMT);
    this.pmt = pmtSection(this.pcrPid, streams);
  }

  /** PAT + PMT (two packets, 376 bytes); write them first in every segment. */
  tables(): Buffer {
    return Buffer.concat([sectionPacket(PID_PAT, this.nextCc(PID_PAT, 1), this.pat), sectionPacket(PID_PMT, this.nextCc(PID_PMT, 1), this.pmt)]);
  }

  /** Sets the AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord (the FLV sequence header payload). */
  setVideoConfig(record: Buffer): void {
    if (this.videoCodec === 'H264') {
      const c = parseAvcDecoderConfig(record);
      this.paramSets = [...c.sps, ...c.pps].map((b) => Buffer.from(b));
      this.nalLengthSize = c.nalLengthSize;
    } else if (this.videoCodec === 'HEVC') {
      const c = parseHevcDecoderConfig(record);
      this.paramSets = [...c.vps, ...c.sps, ...c.pps].map((b) => Buffer.from(b));
      this.nalLengthSize = c.nalLengthSize;
    } else {
      throw new OnAirError('VALIDATION', 'TsMuxer has no video track');
    }
  }

  /**
   * Sets the AAC AudioSpecificConfig (the FLV AAC sequence header payload). Throws OnAirError('FORMAT') for a
   * configuration ADTS cannot carry (object types other than 1-4 and HE-AAC 5/29, explicit sampling rates).
   */
  setAudioConfig(asc: Buffer): void {
    if (!this.hasAudio) throw new OnAirError('VALIDATION', 'TsMuxer has no audio track');
    const c = parseAacConfig(asc);
    const cfg: AdtsConfig = { objectType: c.objectType, samplingIndex: c.samplingIndex, channels: c.channels, channelConfig: c.channelConfig };
    adtsHeader(cfg, 0); // throws OnAirError('FORMAT') now for what ADTS cannot carry, not on every frame
    this.adts = cfg;
  }

  /** One access unit as one PES; returns whole 188-byte packets. */
  video(au: TsVideoAccessUnit): Buffer {
    const codec = this.videoCodec;
    if (!codec) throw new OnAirError('VALIDATION', 'TsMuxer has no video track');
    const dts = msTo90k(au.dts);
    const pts = msTo90k(au.pts);
    const chunks = annexBAccessUnit(codec, au.nalus, au.keyframe, this.paramSets);
    let size = 0;
    for (const c of chunks) size += c.length;
    chunks.unshift(pesHeader(STREAM_ID_VIDEO, pts, dts, size));
    return this.emit(PID_VIDEO, chunks, dts, au.keyframe);
  }

  /**
   * AAC frames, each with its own ADTS header, in one PES stamped with the first frame's PTS
   * (pass several frames to batch them). Returns whole 188-byte packets; empty for an empty list.
   */
  audio(frames: TsAudioFrame | readonly TsAudioFrame[]): Buffer {
    if (!this.hasAudio) throw new OnAirError('VALIDATION', 'TsMuxer has no audio track');
    const list: readonly TsAudioFrame[] = Array.isArray(frames) ? frames : [frames as TsAudioFrame];
    if (list.length === 0) return EMPTY;
    const chunks: Buffer[] = [];
    let size = 0;
    for (const f of list) {
      const cfg = f.config ?? this.adts;
      if (!cfg) throw new OnAirError('VALIDATION', 'TsMuxer: no AAC configuration (setAudioConfig first)');
      const h = adtsHeader(cfg, f.data.length);
      chunks.push(h, f.data);
      size += h.length + f.data.length;
    }
    const pts = msTo90k(list[0].pts);
    chunks.unshift(pesHeader(STREAM_ID_AUDIO, pts, pts, size));
    return this.emit(PID_AUDIO, chunks, pts, this.pcrPid === PID_AUDIO);
  }

  /**
   * Muxes one MediaPacket (FLV tag body). Sequence headers set the configuration and return an empty Buffer;
   * so do packets this muxer does not carry (data, other codecs, AAC before its configuration, end of sequence).
   * Throws OnAirError('FORMAT') for a malformed tag body or decoder configuration record.
   */
  muxPacket(p: MuxPacketInput): Buffer {
    const m = muxPayload(p);
    if (!m) return EMPTY;
    switch (m.type) {
      case 'video-config':
        if (m.codec === this.videoCodec) this.setVideoConfig(m.record);
        return EMPTY;
      case 'audio-config':
        if (this.hasAudio && m.codec === 'AAC') this.setAudioConfig(m.asc);
        return EMPTY;
      case 'video': {
        if (m.codec !== this.videoCodec) return EMPTY;
        const dts = this.clock.unwrap(p.timestamp);
        const nalus = splitNalus(m.data, this.nalLengthSize);
        return this.video({ dts, pts: dts + m.cts, keyframe: m.keyframe || p.keyframe, nalus });
      }
      case 'audio': {
        if (!this.hasAudio || m.codec !== 'AAC' || !this.adts) return EMPTY;
        return this.audio({ pts: this.clock.unwrap(p.timestamp), data: m.data });
      }
    }
  }

  private nextCc(pid: number, n: number): number {
    const cur = this.cc.get(pid) ?? 0;
    this.cc.set(pid, (cur + n) & 0x0f);
    return cur;
  }

  private emit(pid: number, chunks: Buffer[], dts: number, randomAccess: boolean): Buffer {
    let pcr: number | undefined;
    let discontinuity = false;
    if (pid === this.pcrPid) {
      pcr = dts;
      if (this.lastPcr >= 0) {
        const step = (pcr - this.lastPcr + TS_CLOCK_WRAP) % TS_CLOCK_WRAP;
        discontinuity = step > MAX_PCR_STEP;
      }
      this.lastPcr = pcr;
    }
    const { packets, cc } = packetizePes(chunks, { pid, cc: this.cc.get(pid) ?? 0, pcr, randomAccess, discontinuity });
    this.cc.set(pid, cc);
    return packets;
  }
}

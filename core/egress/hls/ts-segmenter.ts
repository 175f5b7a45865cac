import { muxPayload, MsUnwrapper } from '../../format/mux-sample';
import { TsMuxer } from '../../format/mpegts';
import type { MediaPacket } from '../../media/packet';

export interface TsSegment {
  seq: number;
  data: Buffer;
  /** ms */
  duration: number;
  /** wall-clock ms at the segment's first frame (EXT-X-PROGRAM-DATE-TIME) */
  pdt: number;
  discontinuity: boolean;
}

/** A jump in the publisher's timestamps beyond these (ms) starts a new discontinuity. */
const MAX_BACKWARD = 1000;
const MAX_FORWARD = 10_000;

/**
 * Cuts a stream into MPEG-TS segments on keyframes (audio-only: on time) and keeps a sliding window.
 * A new codec configuration or a timestamp jump closes the segment and marks the next one discontinuous.
 */
export class TsSegmenter {
  readonly segments: TsSegment[] = [];
  private muxer: TsMuxer | null = null;
  private videoConfig: Buffer | null = null;
  private audioConfig: Buffer | null = null;
  private chunks: Buffer[] = [];
  private segStart = -1;
  private segPdt = 0;
  private lastDts = -1;
  private nextSeq = 0;
  private discontinuityNext = false;
  discontinuitySequence = 0;
  private readonly clock = new MsUnwrapper();
  private wallAnchor: { dts: number; wall: number } | null = null;

  constructor(private readonly segmentMs: number, private readonly listSize: number, private readonly onSegment: (s: TsSegment) => void) {}

  private get hasVideo(): boolean {
    return this.videoConfig !== null;
  }

  /** A codec configuration packet (sequence header). A changed one starts a discontinuity. */
  config(p: MediaPacket): void {
    const pl = muxPayload(p);
    if (!pl) return;
    if (pl.type === 'video-config') {
      if (pl.codec !== 'H264' && pl.codec !== 'HEVC') return; // TS carries H.264/HEVC only
      if (this.videoConfig?.equals(pl.record)) return;
      this.videoConfig = Buffer.from(pl.record);
    } else if (pl.type === 'audio-config') {
      if (pl.codec !== 'AAC' || this.audioConfig?.equals(pl.asc)) return;
      this.audioConfig = Buffer.from(pl.asc);
    } else return;
    if (this.muxer) this.breakHere();
    this.muxer = null;
  }

  private breakHere(): void {
    this.closeSegment(this.lastDts);
    this.discontinuityNext = true;
    this.wallAnchor = null;
  }

  private ensureMuxer(videoCodec: 'H264' | 'HEVC' | undefined): TsMuxer | null {
    if (this.muxer) return this.muxer;
    if (!this.videoConfig && !this.audioConfig) return null;
    const m = new TsMuxer({ video: this.videoConfig ? videoCodec ?? 'H264' : undefined, audio: this.audioConfig ? 'AAC' : undefined });
    if (this.videoConfig) m.setVideoConfig(this.videoConfig);
    if (this.audioConfig) m.setAudioConfig(this.audioConfig);
    this.muxer = m;
    return m;
  }

  push(p: MediaPacket, videoCodec: 'H264' | 'HEVC' | undefined, now = Date.now()): void {
    if (p.seqHeader) return this.config(p);
    if (p.kind === 'data') return;
    if (p.kind === 'video' && !this.hasVideo) return;
    if (p.kind === 'audio' && !this.audioConfig) return;
    const dts = this.clock.unwrap(p.timestamp);
    if (this.lastDts >= 0 && (dts < this.lastDts - MAX_BACKWARD || dts > this.lastDts + MAX_FORWARD)) {
      this.breakHere();
      this.muxer = null;
    }
    const boundary = this.hasVideo ? p.kind === 'video' && p.keyframe : p.kind === 'audio';
    if (this.segStart < 0) {
      if (!boundary) return; // start on a keyframe
      this.openSegment(dts, now);
    } else if (boundary && dts - this.segStart >= this.segmentMs) {
      this.closeSegment(dts);
      this.openSegment(dts, now);
    }
    const m = this.ensureMuxer(videoCodec);
    if (!m) return;
    if (this.chunks.length === 0) this.chunks.push(m.tables());
    const out = m.muxPacket(p);
    if (out.length) this.chunks.push(out);
    if (dts > this.lastDts) this.lastDts = dts;
  }

  private openSegment(dts: number, now: number): void {
    this.segStart = dts;
    if (!this.wallAnchor) this.wallAnchor = { dts, wall: now };
    this.segPdt = this.wallAnchor.wall + (dts - this.wallAnchor.dts);
    this.chunks = [];
  }

  /** Close the open segment at `endDts` (the next segment's first frame, or the last frame seen). */
  closeSegment(endDts: number): void {
    if (this.segStart < 0 || this.chunks.length <= 1) {
      this.segStart = -1;
      this.chunks = [];
      return;
    }
    const duration = Math.max(1, endDts - this.segStart);
    const seg: TsSegment = { seq: this.nextSeq++, data: Buffer.concat(this.chunks), duration, pdt: this.segPdt, discontinuity: this.discontinuityNext };
    this.discontinuityNext = false;
    this.chunks = [];
    this.segStart = -1;
    this.segments.push(seg);
    while (this.segments.length > this.listSize) {
      const gone = this.segments.shift()!;
      if (gone.discontinuity) this.discontinuitySequence++;
    }
    this.onSegment(seg);
  }

  /** The publisher left: close what is open. */
  finish(): void {
    this.closeSegment(this.lastDts + 33);
    this.discontinuityNext = true;
    this.wallAnchor = null;
    this.muxer = null;
  }

  get mediaSequence(): number {
    return this.segments[0]?.seq ?? this.nextSeq;
  }

  find(seq: number): TsSegment | undefined {
    return this.segments.find((s) => s.seq === seq);
  }
}

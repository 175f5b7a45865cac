import { muxPayload, MsUnwrapper } from '../format/codec/mux-sample';
import { TsMuxer } from '../format/mpegts/mpegts';
import type { MediaPacket } from '../media/packet';
import { Retired } from './retention';

export interface TsSegment {
  seq: number;
  data: Buffer;
  /** ms */
  duration: number;
  /** wall-clock ms at the segment's first frame (EXT-X-PROGRAM-DATE-TIME) */
  pdt: number;
  discontinuity: boolean;
}

export interface TsSegmenterOptions {
  /** cut on the first keyframe in each slot of this (ms) on the stream clock (see segmentSlot) */
  segmentMs: number;
  /** EXT-X-TARGETDURATION in ms: a segment is cut on time (even mid-GOP) before it would run longer */
  targetMs: number;
  listSize: number;
  /** media time (ms) -> wall-clock ms, shared by every packager of the stream */
  wall: (t: number) => number;
  onSegment: (s: TsSegment) => void;
}

/** A jump in the publisher's timestamps beyond these (ms) starts a new discontinuity. */
const MAX_BACKWARD = 1000;
const MAX_FORWARD = 10_000;

/**
 * Where segments are cut, the same for every muxer of a stream and for its ladder rungs (which carry the
 * source's timestamps): at the first lead boundary (keyframe; audio-only: frame) whose presentation time falls
 * in a new slot of `segmentMs` on the stream's own clock, counted from timestamp 0 (PTS, not DTS: rungs encoded
 * with other B-frame settings share the keyframes' PTS, not their DTS), so a muxer that started later (an LL-HLS
 * packager on demand, a rung published seconds after its source) cuts at the same media times and numbers the
 * segment by its slot at start. A boundary up to SLOT_EARLY_MS before a slot edge counts as in it (ms
 * rounding of keyframes meant to be on the edge). A slot boundary less than half a segment into the open
 * segment (only the first one after a start) is skipped.
 */
export const SLOT_EARLY_MS = 8;
export const segmentSlot = (t: number, segmentMs: number): number => Math.floor((t + SLOT_EARLY_MS) / segmentMs);

/**
 * Cuts a stream into MPEG-TS segments on keyframes (audio-only: on time) and keeps a sliding window. No segment
 * is longer than the target duration: a GOP longer than that is cut on time. A new codec configuration, a
 * timestamp jump or a publisher reconnect closes the segment and marks the next one discontinuous (once).
 * Segments that leave the window stay fetchable for a while (see Retired).
 */
export class TsSegmenter {
  readonly segments: TsSegment[] = [];
  private readonly retired = new Retired<TsSegment>();
  private muxer: TsMuxer | null = null;
  private videoConfig: Buffer | null = null;
  private audioConfig: Buffer | null = null;
  private chunks: Buffer[] = [];
  private segStart = -1;
  private lastDts = -1;
  private frameMs = 1000 / 30;
  private nextSeq = -1;
  /** slot of the last lead boundary seen (see segmentSlot) */
  private lastSlot = -Infinity;
  private discontinuityNext = false;
  discontinuitySequence = 0;
  private readonly clock = new MsUnwrapper();

  constructor(private readonly o: TsSegmenterOptions) {}

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
    this.closeSegment(this.lastDts + this.frameMs);
    this.discontinuityNext = true;
    this.lastSlot = -Infinity; // timestamps may have jumped back
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

  push(p: MediaPacket, videoCodec: 'H264' | 'HEVC' | undefined): void {
    if (p.seqHeader) return this.config(p);
    if (p.kind === 'data') return;
    if (p.kind === 'video' && !this.hasVideo) return;
    if (p.kind === 'audio' && !this.audioConfig) return;
    const dts = this.clock.unwrap(p.timestamp);
    if (this.lastDts >= 0 && (dts < this.lastDts - MAX_BACKWARD || dts > this.lastDts + MAX_FORWARD)) {
      this.breakHere();
      this.muxer = null;
    }
    const lead = this.hasVideo ? p.kind === 'video' : p.kind === 'audio';
    const boundary = lead && (p.kind === 'audio' || p.keyframe);
    const slot = boundary ? segmentSlot(dts + p.cts, this.o.segmentMs) : this.lastSlot; // keyframe PTS: what rungs align
    const newSlot = slot > this.lastSlot;
    if (boundary) this.lastSlot = slot;
    if (this.segStart < 0) {
      if (!boundary) return; // start on a keyframe
      if (this.nextSeq < 0) this.nextSeq = Math.max(0, slot);
      this.openSegment(dts);
    } else if (lead && ((newSlot && dts - this.segStart >= this.o.segmentMs / 2) || dts - this.segStart >= this.o.targetMs)) {
      this.closeSegment(dts);
      this.openSegment(dts);
    }
    const m = this.ensureMuxer(videoCodec);
    if (!m) return;
    if (this.chunks.length === 0) this.chunks.push(m.tables());
    const out = m.muxPacket(p);
    if (out.length) this.chunks.push(out);
    if (lead && dts > this.lastDts && this.lastDts >= 0 && dts - this.lastDts < 200) this.frameMs = dts - this.lastDts;
    if (dts > this.lastDts) this.lastDts = dts;
  }

  private openSegment(dts: number): void {
    this.segStart = dts;
    this.chunks = [];
  }

  /** Close the open segment at `endDts` (the next segment's first frame, or the last frame seen + one frame). */
  closeSegment(endDts: number): void {
    if (this.segStart < 0 || this.chunks.length <= 1) {
      this.segStart = -1;
      this.chunks = [];
      return;
    }
    // a stall inside a session must not produce an EXTINF that rounds above the target duration
    const duration = Math.max(1, Math.min(endDts - this.segStart, this.o.targetMs + 400));
    const seg: TsSegment = { seq: this.nextSeq++, data: Buffer.concat(this.chunks), duration, pdt: this.o.wall(this.segStart), discontinuity: this.discontinuityNext };
    this.discontinuityNext = false;
    this.chunks = [];
    this.segStart = -1;
    this.segments.push(seg);
    const gone = this.segments.splice(0, Math.max(0, this.segments.length - this.o.listSize));
    // kept for one target duration + the duration of the playlist they left
    const keep = this.o.targetMs + this.segments.reduce((a, s) => a + s.duration, 0);
    for (const g of gone) {
      if (g.discontinuity) this.discontinuitySequence++;
      this.retired.add(g, keep);
    }
    this.o.onSegment(seg);
  }

  /** The publisher left: close what is open (no ENDLIST); the next segment (a reconnect) is discontinuous. */
  pause(): void {
    this.closeSegment(this.lastDts + this.frameMs);
    this.discontinuityNext = true;
  }

  /** The stream is over: close what is open. */
  finish(): void {
    this.closeSegment(this.lastDts + this.frameMs);
    this.muxer = null;
  }

  get mediaSequence(): number {
    return this.segments[0]?.seq ?? Math.max(0, this.nextSeq);
  }

  /** A segment of the window, or one that left it recently. */
  find(seq: number): TsSegment | undefined {
    return this.segments.find((s) => s.seq === seq) ?? this.retired.find(seq);
  }
}

import { Fmp4Muxer, type Fmp4Fragment } from '../format/fmp4/fmp4-muxer';
import { MsUnwrapper } from '../format/codec/mux-sample';
import type { MediaPacket } from '../media/packet';
import { Retired } from './retention';
import { segmentSlot } from './ts-segmenter';
import { newEpoch } from './wall-clock';

export interface CmafPart {
  /** index within its segment */
  index: number;
  data: Buffer;
  /** ms */
  duration: number;
  independent: boolean;
}

export interface CmafSegment {
  seq: number;
  /** which init segment (EXT-X-MAP / DASH initialization) these fragments belong to */
  initId: number;
  parts: CmafPart[];
  /** decode time of the first sample, ms on the muxer timeline */
  startTime: number;
  duration: number;
  pdt: number;
  complete: boolean;
  discontinuity: boolean;
}

/** A segment's bytes are its parts in order (kept once, never concatenated). */
export function segmentChunks(seg: CmafSegment): Buffer[] {
  return seg.parts.map((p) => p.data);
}

export interface CmafOptions {
  /** cut a segment on the first keyframe in each slot of this (ms) on the stream clock (see segmentSlot) */
  segmentMs: number;
  /** cut a segment on time, even mid-GOP, before it runs longer than this (LL-HLS TARGETDURATION); Infinity: never */
  targetMs: number;
  /** PART-TARGET, ms (a whole number of frames); Infinity: one part per segment (DASH) */
  partMs: number;
  listSize: number;
  /** media time (ms) -> wall-clock ms */
  wall: (t: number) => number;
  onChange: () => void;
}

/**
 * Cuts a stream into CMAF segments made of LL-HLS parts, and keeps a sliding window. Parts are cut on the lead
 * track (video, else audio) before the next frame would make them longer than PART-TARGET, so each holds a
 * whole number of frames and is >= 85 % of the target, except the last of a segment (and a part a keyframe
 * starts, which is INDEPENDENT). A segment is cut on the first keyframe of each segmentMs slot of the stream
 * clock (segmentSlot: the same cuts and numbers in every muxer and ladder rung), or on time at targetMs.
 * Every URL carries `epoch` (new with each segmenter); numbers keep counting across publisher reconnects.
 */
export class CmafSegmenter {
  readonly epoch = newEpoch();
  readonly segments: CmafSegment[] = [];
  readonly inits = new Map<number, Buffer>();
  private readonly retired = new Retired<CmafSegment>();
  private muxer = new Fmp4Muxer();
  /** lead track timescale (DASH SegmentTimeline: the audio sample rate, or 90 kHz) */
  timescale = 1000;
  /** no track to carry (e.g. the audio DASH track of a video-only stream) */
  private idle = false;
  private initId = 0;
  private needInit = true;
  private current: CmafSegment | null = null;
  private partStart = -1;
  private lastLead = -1;
  private leadFrameMs = 1000 / 30;
  private nextSeq = -1;
  /** slot of the last lead boundary seen (see segmentSlot) */
  private lastSlot = -Infinity;
  private discontinuityNext = false;
  discontinuitySequence = 0;
  private readonly clock = new MsUnwrapper();

  constructor(private readonly o: CmafOptions) {}

  /** Start with the tracks this publisher has. */
  begin(video: boolean, audio: boolean): void {
    this.idle = !video && !audio;
    if (!this.idle) this.muxer = new Fmp4Muxer({ video, audio });
    this.needInit = true;
  }

  /** PART-TARGET, ms */
  get partTargetMs(): number {
    return this.o.partMs;
  }

  get initIdCurrent(): number {
    return this.initId;
  }

  push(p: MediaPacket): void {
    if (p.kind === 'data' || this.idle) return;
    this.muxer.push(p);
    if (p.seqHeader) {
      if (this.muxer.configChanged && !this.needInit) this.restartInit();
      return;
    }
    if (this.needInit) {
      if (!this.muxer.ready) return;
      this.newInit();
    }
    const t = this.clock.unwrap(p.timestamp);
    const hasVideo = this.muxer.tracks.some((x) => x.type === 'video');
    if (p.kind !== (hasVideo ? 'video' : 'audio')) return; // cuts follow the lead track
    const boundary = p.kind === 'audio' || p.keyframe;
    if (t > this.lastLead && this.lastLead >= 0 && t - this.lastLead < 200) this.leadFrameMs = t - this.lastLead;
    this.lastLead = Math.max(t, this.lastLead);
    const slot = boundary ? segmentSlot(t + p.cts, this.o.segmentMs) : this.lastSlot; // keyframe PTS: what rungs align
    const newSlot = slot > this.lastSlot;
    if (boundary) this.lastSlot = slot;
    if (!this.current) {
      if (!boundary) return;
      if (this.nextSeq < 0) this.nextSeq = Math.max(0, slot);
      this.open(t);
      return;
    }
    const inSeg = t - this.current.startTime;
    const inPart = t - this.partStart;
    if ((newSlot && inSeg >= this.o.segmentMs / 2) || inSeg >= this.o.targetMs) {
      this.cutPart(false);
      this.close();
      this.open(t);
    } else if (inPart + this.leadFrameMs > this.o.partMs + 1 || (boundary && hasVideo && inPart >= this.o.partMs * 0.85)) {
      this.cutPart(false);
      this.partStart = t;
    }
  }

  private newInit(): void {
    this.needInit = false;
    this.initId++;
    this.inits.set(this.initId, this.muxer.init());
    this.timescale = this.muxer.tracks[0]?.timescale ?? 1000;
    this.dropUnusedInits();
  }

  private dropUnusedInits(): void {
    const used = new Set([...this.segments, ...this.retired.list()].map((s) => s.initId));
    for (const id of [...this.inits.keys()]) if (id < this.initId && !used.has(id)) this.inits.delete(id);
  }

  /** A new SPS/ASC: flush, close the segment, new init, and a discontinuity. */
  private restartInit(): void {
    this.cutPart(true);
    this.close();
    this.newInit();
    this.discontinuityNext = true;
    this.lastSlot = -Infinity;
  }

  private open(t: number): void {
    this.current = {
      seq: this.nextSeq++, initId: this.initId, parts: [], startTime: t, duration: 0,
      pdt: this.o.wall(t), complete: false, discontinuity: this.discontinuityNext,
    };
    this.discontinuityNext = false;
    this.partStart = t;
    this.segments.push(this.current);
  }

  private cutPart(final: boolean): void {
    const f: Fmp4Fragment | null = this.muxer.flush(final);
    if (!f || !this.current) return;
    const seg = this.current;
    if (seg.parts.length === 0) seg.startTime = f.startTime;
    seg.parts.push({ index: seg.parts.length, data: f.data, duration: f.duration, independent: f.independent });
    seg.duration += f.duration;
    this.o.onChange();
  }

  private close(): void {
    const seg = this.current;
    this.current = null;
    if (!seg) return;
    if (seg.parts.length === 0) {
      this.segments.pop();
      this.nextSeq--;
      return;
    }
    seg.complete = true;
    const keep = () => (Number.isFinite(this.o.targetMs) ? this.o.targetMs : this.o.segmentMs * 2) + this.segments.reduce((a, s) => a + s.duration, 0);
    while (this.segments.filter((s) => s.complete).length > this.o.listSize) {
      const gone = this.segments.shift()!;
      if (gone.discontinuity) this.discontinuitySequence++;
      this.retired.add(gone, keep());
    }
    this.dropUnusedInits();
    this.o.onChange();
  }

  /** The publisher left: emit what is buffered and close the segment; the next one (a reconnect) is discontinuous. */
  pause(): void {
    if (this.idle) return;
    this.cutPart(true);
    this.close();
    this.discontinuityNext = true;
  }

  /** The stream is over: emit what is buffered and close the segment. */
  finish(): void {
    if (this.idle) return;
    this.cutPart(true);
    this.close();
  }

  get mediaSequence(): number {
    return this.segments[0]?.seq ?? Math.max(0, this.nextSeq);
  }

  /** A segment of the window, or one that left it recently. */
  find(seq: number): CmafSegment | undefined {
    return this.segments.find((s) => s.seq === seq) ?? this.retired.find(seq);
  }
}

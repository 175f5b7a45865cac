import { Fmp4Muxer, type Fmp4Fragment } from '../../format/fmp4-muxer';
import { MsUnwrapper } from '../../format/mux-sample';
import type { MediaPacket } from '../../media/packet';

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

/**
 * Cuts a stream into CMAF segments made of LL-HLS parts: a part every ~partMs, a segment on the first keyframe
 * after segmentMs. The same fragments serve LL-HLS (parts + segments) and DASH (segments).
 */
export class CmafSegmenter {
  readonly segments: CmafSegment[] = [];
  readonly inits = new Map<number, Buffer>();
  private muxer = new Fmp4Muxer();

  /** Start (or restart after finish()) with the tracks this publisher has. */
  begin(video: boolean, audio: boolean): void {
    this.idle = !video && !audio;
    if (!this.idle) this.muxer = new Fmp4Muxer({ video, audio });
    this.needInit = true;
  }

  /** no track to carry (e.g. the audio DASH track of a video-only stream) */
  private idle = false;
  private initId = 0;
  private needInit = true;
  private current: CmafSegment | null = null;
  private partStart = -1;
  private nextSeq = 0;
  private discontinuityNext = false;
  discontinuitySequence = 0;
  private readonly clock = new MsUnwrapper();
  private wallAnchor: { t: number; wall: number } | null = null;

  constructor(
    private readonly segmentMs: number,
    private readonly partMs: number,
    private readonly listSize: number,
    private readonly onChange: () => void,
  ) {}

  get initIdCurrent(): number {
    return this.initId;
  }

  push(p: MediaPacket, now = Date.now()): void {
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
    const boundary = hasVideo ? p.kind === 'video' && p.keyframe : p.kind === 'audio';
    if (!this.current) {
      if (!boundary) return;
      this.open(t, now);
      return;
    }
    if (boundary && t - this.current.startTime >= this.segmentMs) {
      this.cutPart(false);
      this.close();
      this.open(t, now);
    } else if (t - this.partStart >= this.partMs * 0.9 || (hasVideo && p.kind === 'video' && p.keyframe && t > this.partStart)) {
      // a keyframe inside a segment starts its own part, so players can join there (INDEPENDENT=YES)
      this.cutPart(false);
      this.partStart = t;
    }
  }

  private newInit(): void {
    this.needInit = false;
    this.initId++;
    this.inits.set(this.initId, this.muxer.init());
    for (const id of [...this.inits.keys()]) if (id < this.initId && !this.segments.some((s) => s.initId === id)) this.inits.delete(id);
  }

  /** A new SPS/ASC: flush, close the segment, new init, and a discontinuity. */
  private restartInit(): void {
    this.cutPart(true);
    this.close();
    this.newInit();
    this.discontinuityNext = true;
    this.wallAnchor = null;
  }

  private open(t: number, now: number): void {
    if (!this.wallAnchor) this.wallAnchor = { t, wall: now };
    this.current = {
      seq: this.nextSeq++, initId: this.initId, parts: [], startTime: t, duration: 0,
      pdt: this.wallAnchor.wall + (t - this.wallAnchor.t), complete: false, discontinuity: this.discontinuityNext,
    };
    this.discontinuityNext = false;
    this.partStart = t;
    this.segments.push(this.current);
  }

  private cutPart(final: boolean): void {
    const f: Fmp4Fragment | null = this.muxer.flush(final);
    if (!f || !this.current) return;
    const seg = this.current;
    seg.parts.push({ index: seg.parts.length, data: f.data, duration: f.duration, independent: f.independent });
    seg.duration += f.duration;
    this.onChange();
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
    while (this.segments.filter((s) => s.complete).length > this.listSize) {
      const gone = this.segments.shift()!;
      if (gone.discontinuity) this.discontinuitySequence++;
    }
    this.onChange();
  }

  /** The publisher left: emit what is buffered and close the segment. The next publish starts a discontinuity. */
  finish(): void {
    if (this.idle) return;
    this.cutPart(true);
    this.close();
    this.muxer = new Fmp4Muxer();
    this.needInit = true;
    this.discontinuityNext = true;
    this.wallAnchor = null;
  }

  get mediaSequence(): number {
    return this.segments[0]?.seq ?? this.nextSeq;
  }

  find(seq: number): CmafSegment | undefined {
    return this.segments.find((s) => s.seq === seq);
  }
}

/**
 * MediaPacket-driven fMP4 muxer: collects samples per track, works out their durations, and cuts fragments
 * when asked. Pure: no timers, no I/O; the caller decides when to cut.
 *
 *   const m = new Fmp4Muxer();
 *   for (const p of packets) {
 *     m.push(p);                                        // seq headers configure tracks, frames queue samples
 *     if (!init && m.ready) out(init = m.init());       // once the wanted tracks are configured
 *     if (m.configChanged) { out(m.flush(true)?.data); out(m.init()); }   // new SPS/ASC: new init
 *     else if (p.kind === 'video' && p.keyframe && init) out(m.flush()?.data); // a fragment per GOP
 *   }
 *   out(m.flush(true)?.data);                           // at the end: everything, last durations estimated
 *
 * Durations: a sample's duration is the next sample's decode time minus its own, so `flush()` emits every
 * sample of every track except the newest one of each (pushing a keyframe and then flushing yields exactly the
 * previous GOP). `flush(true)` also emits the newest ones; each gets the duration of the sample before it in its
 * track, or 1/30 s (video) / one AAC frame (audio) when it is the track's only sample.
 * Audio decode times advance by exactly one AAC frame (1024 core samples) while the packet timestamps agree with
 * that within half a frame (FLV's millisecond rounding); a larger difference is taken as a real gap.
 * Timestamps: 32-bit FLV milliseconds are unwrapped (one clock for both tracks). When a track's decode time
 * goes backwards or stands still, that track is shifted to continue after its previous sample (decode times
 * never decrease within a track). Video frames before the first keyframe are dropped.
 * Track ids: video 1, audio 2. `init()` fixes the track set; samples of tracks configured later are dropped
 * until the next `init()`.
 */
import type { Fmp4Sample, Fmp4Track, Fmp4TrackRun } from './fmp4';
import { VIDEO_TIMESCALE, audioTrack, fragment, initSegment, videoTrack } from './fmp4';
import { MsUnwrapper, muxPayload } from '../codec/mux-sample';
import type { MuxPacketInput } from '../codec/mux-sample';
import { OnAirError } from '../../errors';

export interface Fmp4Fragment {
  /** moof + mdat */
  data: Buffer;
  /** mfhd sequence number */
  sequence: number;
  /** decode time of the first sample, ms on the muxer's timeline (video when present, else audio) */
  startTime: number;
  /** ms, the sum of that track's sample durations */
  duration: number;
  /** starts with a video keyframe (always true without video): an INDEPENDENT=YES part */
  independent: boolean;
}

export interface Fmp4MuxerOptions {
  /** expect and keep video (default true); false drops video packets */
  video?: boolean;
  /** expect and keep audio (default true); false drops audio packets */
  audio?: boolean;
  /**
   * Start the timeline at 0: the first frame's timestamp (either track) becomes decode time 0 (default false:
   * decode time = packet timestamp). Use it for recordings, where players read the last decode time as the
   * duration. A track whose first frame is earlier than that origin is shifted to start at 0.
   */
  zeroBased?: boolean;
}

interface Pending extends Fmp4Sample {
  dts: number;
}

const DEFAULT_VIDEO_DURATION = VIDEO_TIMESCALE / 30;

class TrackQueue {
  readonly ready: Pending[] = [];
  newest: Pending | null = null;
  private offset = 0; // ticks added to keep decode times increasing
  private lastDuration: number;

  constructor(readonly track: Fmp4Track) {
    this.lastDuration = track.type === 'audio' ? track.frameDuration : DEFAULT_VIDEO_DURATION;
  }

  add(ms: number, data: Buffer, keyframe: boolean, ctsMs: number): void {
    const t = this.track;
    let dts = Math.round((ms * t.timescale) / 1000) + this.offset;
    const prev = this.newest;
    if (!prev && dts < 0 && this.ready.length === 0) {
      this.offset -= dts;
      dts = 0;
    }
    if (prev) {
      if (t.type === 'audio') {
        const expected = prev.dts + t.frameDuration;
        if (Math.abs(dts - expected) <= t.frameDuration / 2) dts = expected;
      }
      if (dts <= prev.dts) {
        const shift = prev.dts + this.lastDuration - dts;
        this.offset += shift;
        dts += shift;
      }
      prev.duration = dts - prev.dts;
      this.lastDuration = prev.duration;
      this.ready.push(prev);
    }
    const cto = t.type === 'video' ? Math.round((ctsMs * t.timescale) / 1000) : undefined;
    this.newest = { dts, data, keyframe, cto, duration: 0 };
  }

  take(final: boolean): Pending[] {
    const out = this.ready.splice(0);
    if (final && this.newest) {
      this.newest.duration = this.lastDuration;
      out.push(this.newest);
      this.newest = null;
    }
    return out;
  }
}

export class Fmp4Muxer {
  private readonly wantVideo: boolean;
  private readonly wantAudio: boolean;
  private video: TrackQueue | null = null;
  private audio: TrackQueue | null = null;
  private frozen: Set<number> | null = null;
  private sequence = 0;
  private sawKeyframe = false;
  private changed = false;
  private readonly clock = new MsUnwrapper();
  private readonly zeroBased: boolean;
  private origin: number | null = null;

  constructor(opts: Fmp4MuxerOptions = {}) {
    this.wantVideo = opts.video ?? true;
    this.wantAudio = opts.audio ?? true;
    this.zeroBased = opts.zeroBased ?? false;
    if (!this.wantVideo && !this.wantAudio) throw new OnAirError('VALIDATION', 'Fmp4Muxer needs video or audio');
  }

  /** The configured tracks (video first). */
  get tracks(): Fmp4Track[] {
    const out: Fmp4Track[] = [];
    if (this.video) out.push(this.video.track);
    if (this.audio) out.push(this.audio.track);
    return out;
  }

  /** Every wanted track (options `video` / `audio`) has its configuration: time for `init()`. */
  get ready(): boolean {
    return (!this.wantVideo || this.video !== null) && (!this.wantAudio || this.audio !== null);
  }

  /** A sequence header changed a track included in the last init segment: flush, then write a new `init()`. */
  get configChanged(): boolean {
    return this.changed;
  }

  /** The init segment for the configured tracks; fixes the track set used by the following fragments. */
  init(): Buffer {
    const tracks = this.tracks;
    this.frozen = new Set(tracks.map((t) => t.id));
    this.changed = false;
    return initSegment(tracks);
  }

  /** Takes one MediaPacket. Throws OnAirError('FORMAT') for a malformed tag body or configuration record. */
  push(p: MuxPacketInput): void {
    const m = muxPayload(p);
    if (!m) return;
    switch (m.type) {
      case 'video-config': {
        if (!this.wantVideo || (m.codec !== 'H264' && m.codec !== 'HEVC')) return;
        if (this.video && this.video.track.config.equals(m.record)) return;
        const q = new TrackQueue(videoTrack(m.codec, m.record, 1));
        if (this.video) this.carryOver(this.video, q);
        this.video = q;
        return;
      }
      case 'audio-config': {
        if (!this.wantAudio || m.codec !== 'AAC') return;
        if (this.audio && this.audio.track.config.equals(m.asc)) return;
        const q = new TrackQueue(audioTrack(m.asc, 2));
        if (this.audio) this.carryOver(this.audio, q);
        this.audio = q;
        return;
      }
      case 'video': {
        const q = this.video;
        if (!q || m.codec !== q.track.codec || !this.accepts(q)) return;
        const keyframe = m.keyframe || p.keyframe;
        if (!this.sawKeyframe && !keyframe) return;
        this.sawKeyframe = true;
        q.add(this.time(p.timestamp), m.data, keyframe, m.cts);
        return;
      }
      case 'audio': {
        const q = this.audio;
        if (!q || m.codec !== 'AAC' || !this.accepts(q)) return;
        q.add(this.time(p.timestamp), m.data, true, 0);
        return;
      }
    }
  }

  /**
   * One fragment with the samples whose durations are known (`final`: all samples), or null when there are none.
   */
  flush(final = false): Fmp4Fragment | null {
    const runs: Fmp4TrackRun[] = [];
    let lead: { track: Fmp4Track; samples: Pending[] } | null = null;
    for (const q of [this.video, this.audio]) {
      if (!q || !this.accepts(q)) continue;
      const samples = q.take(final);
      if (samples.length === 0) continue;
      runs.push({ trackId: q.track.id, baseDecodeTime: samples[0].dts, samples, withCto: q.track.type === 'video' });
      lead ??= { track: q.track, samples };
    }
    if (!lead) return null;
    const videoRun = runs.find((r) => r.trackId === this.video?.track.id);
    const hasVideo = this.video !== null && this.accepts(this.video);
    this.sequence += 1;
    let ticks = 0;
    for (const s of lead.samples) ticks += s.duration;
    const scale = 1000 / lead.track.timescale;
    return {
      data: fragment(this.sequence, runs),
      sequence: this.sequence,
      startTime: lead.samples[0].dts * scale,
      duration: ticks * scale,
      independent: videoRun ? videoRun.samples[0].keyframe : !hasVideo,
    };
  }

  /** Unwrapped packet time, ms, relative to the origin when zero-based. */
  private time(timestamp: number): number {
    const ms = this.clock.unwrap(timestamp);
    if (!this.zeroBased) return ms;
    this.origin ??= ms;
    return ms - this.origin;
  }

  private accepts(q: TrackQueue): boolean {
    return this.frozen === null || this.frozen.has(q.track.id);
  }

  /**
   * A new configuration for a track. If the track is in the current init segment its queued samples stay
   * flushable (they belong to the old init; `configChanged` tells the caller to flush, then write a new init);
   * otherwise they are dropped (no init segment describes them).
   */
  private carryOver(old: TrackQueue, next: TrackQueue): void {
    if (!this.frozen?.has(old.track.id)) return;
    this.changed = true;
    next.ready.push(...old.take(true));
  }
}

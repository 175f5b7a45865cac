import type { AudioCodecInfo, VideoCodecInfo } from '../format/codec/codec-types';
import { Burst } from './burst';
import { GopCache } from './gop-cache';
import type { MediaPacket } from './packet';
import { RateMeter } from './rate-meter';
import { StreamClock } from './stream-clock';
import { PacketTiming } from './packet-timing';
import type { StreamStart, Subscriber } from './subscriber';

/** The publishing side of a stream, as the stream and the stats API see it. */
export interface PublisherHandle {
  readonly id: string;
  readonly ip: string;
  readonly protocol: string;
  readonly connectCreated: Date;
  readonly bytes: number;
  /** Disconnect the publisher (kick). */
  stop(reason: string): void;
}

export interface StreamLimits {
  gopCache: boolean;
  gopMaxBytes: number;
  gopMaxPackets: number;
  /** how long subscribers wait for a dropped publisher to come back (hls.cleanup_after_s), ms; 0 = end at once */
  reconnectWindowMs: number;
  /** rtmp.flush_ms: coalesce subscribers' writes for up to this long (one shared timer per stream); 0/unset = every burst */
  flushMs?: number;
}

/** Audio written since the last flush may wait this long for the next video frame, so it shares that write. */
const AUDIO_HOLD_MS = 40;

/** How many audio frames may pass with no video keyframe before a stream that announced video starts anyway. */
const MAX_AUDIO_BEFORE_KEYFRAME = 200;

/**
 * One live stream: the publisher's codec state, the GOP cache and the fan-out to every subscriber.
 * Knows no protocol. Subscribers attached before the stream is ready (play before publish) wait and
 * are started at the first keyframe.
 */
export class Stream {
  publisher: PublisherHandle | null = null;
  /**
   * One of our own in-process outputs (a destination's re-encode): published through the same path, but not
   * listed, announced, muxed to HLS, recorded or sent to webhooks. Set by media/publish.ts from a reservation.
   */
  internal = false;
  /** a live bitrate ladder rung (core/ladder): its source's path, set by the ladder when the rung publishes */
  rungOf: string | null = null;
  readonly subscribers = new Set<Subscriber>();
  private readonly waiting = new Set<Subscriber>();
  metadata: MediaPacket | null = null;
  videoConfig: MediaPacket | null = null;
  audioConfig: MediaPacket | null = null;
  videoInfo: VideoCodecInfo | null = null;
  audioInfo: AudioCodecInfo | null = null;
  /** fields of onMetaData, for stats */
  metaFields: Record<string, unknown> = {};
  ready = false;
  publishedAt: Date | null = null;
  readonly video = new RateMeter();
  readonly audio = new RateMeter();
  /** keyframe interval and publisher lag, from the packet path (core/health reads it) */
  readonly timing = new PacketTiming();
  bitrateOut = 0;
  private lastBytesOut = 0;
  private lastSampleAt = Date.now();
  private audioSinceStart = 0;
  private expectVideo = false;
  private expectAudio = false;
  private readonly gop: GopCache;
  /** when the oldest unflushed fan-out happened (0: nothing pending) and whether a video frame is among them */
  private pendingSince = 0;
  private pendingVideo = false;
  private holdTimer: NodeJS.Timeout | null = null;
  private burst = new Burst();
  /** one media clock across publisher sessions: a reconnect continues the timestamps */
  private readonly clock = new StreamClock();
  /** the publisher dropped; subscribers that survive drops wait until this fires */
  private dropTimer: NodeJS.Timeout | null = null;
  /** a publisher came back within the window: the sequence headers it had, to tell what changed */
  private returning: { changed: { video: boolean; audio: boolean }; audioFrames: number } | null = null;

  /** `onOver` runs when the stream is really over (publisher gone past the reconnect window). */
  constructor(readonly app: string, readonly name: string, private readonly limits: StreamLimits, private readonly onOver: (s: Stream) => void = () => undefined) {
    this.gop = new GopCache(limits.gopMaxBytes, limits.gopMaxPackets);
  }

  /** The publisher dropped and the stream waits for it (subscribers stay attached). */
  get reconnecting(): boolean {
    return this.dropTimer !== null;
  }

  get path(): string {
    return `/${this.app}/${this.name}`;
  }

  get hasVideo(): boolean {
    return this.expectVideo || this.videoConfig !== null;
  }

  get hasAudio(): boolean {
    return this.expectAudio || this.audioConfig !== null;
  }

  get gopSize(): { packets: number; bytes: number } {
    return this.gop.size;
  }

  attachPublisher(p: PublisherHandle): void {
    this.publisher = p;
    this.publishedAt = new Date();
    this.clock.newSession();
    this.timing.reset();
    if (this.dropTimer) {
      // back within the window: subscribers continue; tell them at the new session's first keyframe
      clearTimeout(this.dropTimer);
      this.dropTimer = null;
      this.returning = { changed: { video: false, audio: false }, audioFrames: 0 };
    }
  }

  /**
   * The publisher left. Subscribers that survive drops (players, HLS) wait up to the reconnect window for the
   * next publisher; the others end now. With nobody waiting, or when the window passes, the stream is over.
   */
  detachPublisher(reason: string): void {
    this.flushNow();
    this.publisher = null;
    this.publishedAt = null;
    this.returning = null;
    const stay = (s: Subscriber): boolean => s.survivesDrop === true && this.limits.reconnectWindowMs > 0;
    for (const s of [...this.subscribers]) {
      if (stay(s)) continue;
      this.subscribers.delete(s);
      s.end(reason);
    }
    this.gop.clear();
    this.lastKeyframe = null;
    if (this.subscribers.size === 0 || this.limits.reconnectWindowMs <= 0) return this.over(reason);
    for (const s of [...this.subscribers]) {
      try {
        s.publisherLeft?.();
      } catch (e) {
        this.dropFaulty(s, e);
      }
    }
    this.dropTimer = setTimeout(() => {
      this.dropTimer = null;
      this.over(`${reason}; no publisher came back in ${Math.round(this.limits.reconnectWindowMs / 1000)} s`);
    }, this.limits.reconnectWindowMs);
    this.dropTimer.unref();
  }

  /** The stream is really over: end every subscriber, reset the codec state, let the registry drop it. */
  private over(reason: string): void {
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = null;
    for (const s of [...this.subscribers]) s.end(reason);
    this.subscribers.clear();
    this.ready = false;
    this.metadata = this.videoConfig = this.audioConfig = this.lastKeyframe = null;
    this.videoInfo = this.audioInfo = null;
    this.metaFields = {};
    this.expectVideo = this.expectAudio = false;
    this.audioSinceStart = 0;
    this.gop.clear();
    this.onOver(this);
  }


  setMetadata(p: MediaPacket, fields: Record<string, unknown>): void {
    this.metadata = p;
    this.metaFields = fields;
    if ('videocodecid' in fields || fields.hasVideo === true) this.expectVideo = true;
    if ('audiocodecid' in fields || fields.hasAudio === true) this.expectAudio = true;
    if (this.ready && !this.returning) this.fanout(p);
  }

  setVideoConfig(p: MediaPacket, info: VideoCodecInfo): void {
    const q = { ...p, timestamp: this.clock.now('video') };
    const same = this.videoConfig?.body.equals(p.body) ?? false;
    this.videoConfig = q;
    this.videoInfo = info;
    this.expectVideo = true;
    if (this.returning && !same) this.returning.changed.video = true;
    if (this.ready && !same) this.fanout(q);
  }

  /** Codec info of audio that has no sequence header (MP3, G.711…), from a frame; a sequence header's info wins. */
  learnAudioInfo(info: AudioCodecInfo): void {
    if (!this.audioInfo) this.audioInfo = info;
  }

  setAudioConfig(p: MediaPacket, info: AudioCodecInfo): void {
    const q = { ...p, timestamp: this.clock.now('audio') };
    const same = this.audioConfig?.body.equals(p.body) ?? false;
    this.audioConfig = q;
    this.audioInfo = info;
    this.expectAudio = true;
    if (this.returning && !same) this.returning.changed.audio = true;
    if (this.ready && !same) this.fanout(q);
  }

  /** the newest video keyframe (for snapshots), whatever the GOP cache setting */
  lastKeyframe: MediaPacket | null = null;

  /** A media frame (not a sequence header) from the publisher, on the session's clock. */
  push(input: MediaPacket): void {
    if (input.kind !== 'data') this.timing.add(input.kind, input.keyframe === true, input.timestamp, Date.now());
    if (this.returning) {
      // a returning publisher joins its waiting subscribers at its first keyframe (audio-only: first frame);
      // what comes before is dropped unmapped, so the stream clock anchors the new session on the joining frame
      if (input.kind === 'audio') this.returning.audioFrames++;
      const joins = this.hasVideo ? (input.kind === 'video' && input.keyframe) || this.returning.audioFrames > MAX_AUDIO_BEFORE_KEYFRAME : input.kind === 'audio';
      if (!joins) return;
      const changed = this.returning.changed;
      this.returning = null;
      for (const s of [...this.subscribers]) {
        try {
          s.publisherReturned?.(changed);
        } catch (e) {
          this.dropFaulty(s, e);
        }
      }
    }
    const ts = this.clock.map(input.timestamp, input.kind);
    if (ts === null) return; // the new session's overlap with the old one on this track (a few audio frames)
    const p: MediaPacket = { ...input, timestamp: ts };
    if (p.kind === 'video') {
      this.video.add(p.body.length);
      if (p.keyframe) this.lastKeyframe = p;
      if (!this.expectVideo) this.expectVideo = true;
    } else if (p.kind === 'audio') {
      this.audio.add(p.body.length);
      if (!this.expectAudio) this.expectAudio = true;
    }
    if (this.limits.gopCache || !this.ready) this.gop.push(p, this.hasVideo, p.timestamp);
    if (this.ready) {
      this.fanout(p);
      return;
    }
    if (p.kind === 'audio') this.audioSinceStart++;
    const startNow = this.hasVideo ? (p.kind === 'video' && p.keyframe) || this.audioSinceStart > MAX_AUDIO_BEFORE_KEYFRAME : p.kind === 'audio';
    if (startNow) this.becomeReady();
  }

  /** A data message other than onMetaData (cue points, text): passed through, not cached. */
  pushData(p: MediaPacket): void {
    if (!this.ready || this.returning) return;
    const ts = this.clock.map(p.timestamp);
    if (ts !== null) this.fanout({ ...p, timestamp: ts });
  }

  private becomeReady(): void {
    this.ready = true;
    const init = this.startInfo();
    if (!this.limits.gopCache) this.gop.clear();
    for (const s of this.waiting) {
      this.subscribers.add(s);
      try {
        s.start(init);
      } catch (e) {
        this.dropFaulty(s, e);
      }
    }
    this.waiting.clear();
  }

  private fanout(p: MediaPacket): void {
    if (this.pendingSince === 0) this.pendingSince = Date.now();
    this.burst.packets.push(p);
    if (p.kind !== 'audio') this.pendingVideo = true;
    for (const s of this.subscribers) {
      try {
        s.send(p);
      } catch (e) {
        this.dropFaulty(s, e);
      }
    }
  }

  /** A subscriber broke its contract (threw): it goes, the stream and everyone else go on. */
  private dropFaulty(s: Subscriber, e: unknown): void {
    this.subscribers.delete(s);
    this.waiting.delete(s);
    this.faults.push(`${s.protocol} ${s.id}: ${(e as Error).message}`);
    if (this.faults.length > 20) this.faults.shift();
    try {
      s.end(`internal error: ${(e as Error).message}`);
    } catch {}
  }

  /** messages of subscribers dropped for throwing (logged by the owner) */
  readonly faults: string[] = [];

  /**
   * End of one ingest burst: every subscriber writes what it coalesced. When only audio is pending on a
   * stream with video, the write waits (at most AUDIO_HOLD_MS) for the next video frame: one write per
   * frame instead of one per message, and video is never held. With `flushMs` (rtmp.flush_ms) everything
   * waits for the stream's one timer instead: subscribers write at most once per flushMs.
   */
  flush(): void {
    if (this.pendingSince === 0) return;
    const flushMs = this.limits.flushMs ?? 0;
    if (flushMs > 0) {
      // rtmp.flush_ms: one write per subscriber per flushMs, counted from the oldest unflushed packet
      this.holdTimer ??= setTimeout(() => {
        this.holdTimer = null;
        this.flushNow();
      }, Math.max(0, flushMs - (Date.now() - this.pendingSince)));
      return;
    }
    if (!this.pendingVideo && this.hasVideo) {
      const wait = AUDIO_HOLD_MS - (Date.now() - this.pendingSince);
      if (wait > 0) {
        this.holdTimer ??= setTimeout(() => {
          this.holdTimer = null;
          this.flushNow();
        }, wait);
        return;
      }
    }
    this.flushNow();
  }

  private flushNow(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.pendingSince = 0;
    this.pendingVideo = false;
    const burst = this.burst;
    this.burst = new Burst();
    for (const s of this.subscribers) s.flush(burst);
  }

  startInfo(): StreamStart {
    return {
      metadata: this.metadata,
      videoConfig: this.videoConfig,
      audioConfig: this.audioConfig,
      gop: this.limits.gopCache || !this.ready ? this.gop.list.slice() : [],
      hasAudio: this.hasAudio,
      hasVideo: this.hasVideo,
    };
  }

  addSubscriber(s: Subscriber): void {
    if (this.ready) {
      this.subscribers.add(s);
      try {
        s.start(this.startInfo());
        s.flush();
      } catch (e) {
        this.dropFaulty(s, e);
      }
    } else {
      this.waiting.add(s);
    }
  }

  removeSubscriber(s: Subscriber): void {
    this.subscribers.delete(s);
    this.waiting.delete(s);
  }

  /** All subscribers, started or waiting. */
  allSubscribers(): Subscriber[] {
    return [...this.subscribers, ...this.waiting];
  }

  get idle(): boolean {
    return this.publisher === null && this.dropTimer === null && this.subscribers.size === 0 && this.waiting.size === 0;
  }

  sample(now: number): void {
    this.video.sample(now);
    this.audio.sample(now);
    let out = 0;
    for (const s of this.subscribers) out += s.bytes;
    const dt = (now - this.lastSampleAt) / 1000;
    if (dt > 0) this.bitrateOut = Math.max(0, ((out - this.lastBytesOut) * 8) / dt);
    this.lastBytesOut = out;
    this.lastSampleAt = now;
  }
}

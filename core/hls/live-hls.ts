import type { Logger } from 'pino';
import type { AudioCodecInfo, VideoCodecInfo } from '../format/codec/codec-types';
import { MsUnwrapper } from '../format/codec/mux-sample';
import type { MediaPacket } from '../media/packet';
import type { Stream } from '../media/stream';
import type { StreamStart, Subscriber } from '../media/subscriber';
import { CmafSegmenter } from './cmaf-segmenter';
import { DvrWriter } from './dvr';
import { partTargetMs, type HlsSettings } from './settings';
import { TsSegmenter } from './ts-segmenter';
import { newEpoch, WallClock } from './wall-clock';

type Waiter = { ready: () => boolean; resolve: () => void; timer: NodeJS.Timeout };
type Targets = { ll?: CmafSegmenter | null; dash?: { video: CmafSegmenter; audio: CmafSegmenter } | null };

/** LL-HLS / DASH muxers nobody asked for in this long are stopped (they restart on the next request). */
const IDLE_MS = 60_000;

/**
 * The in-process HLS / LL-HLS / DASH muxer of one stream: a Subscriber fed from the same packets as every
 * player. Segments live in memory in a sliding window; HTTP requests read them (and may wait for a part).
 * MPEG-TS HLS (and the DVR) run from the first packet; LL-HLS and DASH start on their first request, primed
 * from the GOP cache so they answer at once, and stop again after a minute without requests.
 *
 * It survives publisher drops: `publisherLeft` closes the open segments (no ENDLIST), `publisherReturned`
 * continues the same playlists (one discontinuity; a new init only when a codec changed). ENDLIST only at
 * `end()`, when the stream is over. One WallClock maps media time to wall time for every packager.
 */
export class LiveHls implements Subscriber {
  readonly id: string;
  readonly protocol = 'hls' as const;
  readonly ip = '';
  readonly internal = true;
  readonly survivesDrop = true;
  readonly connectCreated = new Date();
  /** in every TS segment name: a new LiveHls (a new stream after cleanup) never reuses a URL */
  readonly epoch = newEpoch();
  readonly clock = new WallClock();
  bytes = 0;
  readonly dropped = 0;
  readonly ts: TsSegmenter | null;
  private cmaf: CmafSegmenter | null = null;
  private dashTracks: { video: CmafSegmenter; audio: CmafSegmenter } | null = null;
  private llUsedAt = 0;
  private dashUsedAt = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  ended = false;
  /** the publisher dropped and has not returned (yet) */
  paused = false;
  /** the whole event on disk, when hls.dvr is on */
  dvr: DvrWriter | null = null;
  /** the last codecs seen: the MPD keeps describing them while the publisher is away */
  videoInfo: VideoCodecInfo | null = null;
  audioInfo: AudioCodecInfo | null = null;
  private waiters: Waiter[] = [];
  private videoCodec: 'H264' | 'HEVC' | undefined;
  private failed = false;
  private readonly unwrap = new MsUnwrapper();
  private lastVideoT = -1;
  private videoFrameMs = 0;

  constructor(public stream: Stream, readonly settings: HlsSettings, private readonly log: Logger, private readonly mediaRoot: string | null = null) {
    this.id = `hls:${stream.path}`;
    const wall = (t: number): number => this.clock.wall(t);
    this.ts = settings.hls || settings.dvr ? new TsSegmenter({
      segmentMs: settings.segmentMs, targetMs: settings.targetMs, listSize: settings.listSize, wall,
      onSegment: (seg) => {
        this.dvr?.add(seg);
        this.wake();
      },
    }) : null;
  }

  /** PART-TARGET (ms) for a segmenter starting now: whole frames of the lead track. */
  partTarget(): number {
    const fps = this.stream.metaFields.framerate;
    const rate = this.audioInfo?.samplerate;
    const frame = this.videoInfo || this.stream.hasVideo
      ? (typeof fps === 'number' && fps > 1 && fps < 300 ? 1000 / fps : this.videoFrameMs || 1000 / 30)
      : rate ? (1024 * 1000) / rate : 1000 / 30;
    return partTargetMs(this.settings.partMs, frame);
  }

  /** The LL-HLS segmenter, started on demand (null when LL-HLS is off). */
  ll(): CmafSegmenter | null {
    if (!this.settings.ll) return null;
    this.llUsedAt = Date.now();
    if (!this.cmaf) {
      const s = this.settings;
      this.cmaf = new CmafSegmenter({ segmentMs: s.segmentMs, targetMs: s.targetMs, partMs: this.partTarget(), listSize: s.listSize, wall: (t) => this.clock.wall(t), onChange: () => this.wake() });
      this.prime({ ll: this.cmaf });
    }
    return this.cmaf;
  }

  /** The DASH video and audio segmenters, started on demand (null when DASH is off). */
  dash(): { video: CmafSegmenter; audio: CmafSegmenter } | null {
    if (!this.settings.dash) return null;
    this.dashUsedAt = Date.now();
    if (!this.dashTracks) {
      const o = { segmentMs: this.settings.segmentMs, targetMs: Infinity, partMs: Infinity, listSize: this.settings.listSize, wall: (t: number) => this.clock.availabilityStart + t, onChange: () => this.wake() };
      this.dashTracks = { video: new CmafSegmenter(o), audio: new CmafSegmenter(o) };
      this.prime({ dash: this.dashTracks });
    }
    return this.dashTracks;
  }

  /** Feed newly started segmenters (only those) what the stream holds now (configs + GOP cache). */
  private prime(only: Targets): void {
    if (!this.ended && this.stream.ready) this.startSegmenters(this.stream.startInfo(), only);
    if (this.paused) for (const c of [only.ll, only.dash?.video, only.dash?.audio]) c?.pause();
    if (!this.idleTimer) {
      this.idleTimer = setInterval(() => this.stopIdle(), IDLE_MS / 4);
      this.idleTimer.unref();
    }
  }

  private forEachCmaf(f: (c: CmafSegmenter) => void): void {
    for (const c of [this.cmaf, this.dashTracks?.video, this.dashTracks?.audio]) if (c) f(c);
  }

  private stopIdle(): void {
    const now = Date.now();
    if (this.cmaf && now - this.llUsedAt > IDLE_MS) this.cmaf = null;
    if (this.dashTracks && now - this.dashUsedAt > IDLE_MS) this.dashTracks = null;
    if (!this.cmaf && !this.dashTracks && this.idleTimer) {
      clearInterval(this.idleTimer);
      this.idleTimer = null;
    }
  }

  start(init: StreamStart): void {
    this.ended = false;
    this.paused = false;
    if (this.settings.dvr && this.mediaRoot && !this.dvr) this.dvr = new DvrWriter(this.mediaRoot, this.stream.app, this.stream.name, this.log, this.settings.targetMs / 1000);
    try {
      this.startSegmenters(init, null);
    } catch (e) {
      this.failed = true;
      this.log.warn({ path: this.stream.path, err: (e as Error).message }, 'hls muxing could not start for this stream');
    }
  }

  /** begin() the given CMAF segmenters and feed them the stream start; with `all` (attach), every segmenter. */
  private startSegmenters(init: StreamStart, only: Targets | null): void {
    this.noteCodecs();
    const all = only === null;
    const hasV = init.videoConfig !== null;
    const hasA = init.audioConfig !== null;
    const ll = all ? this.cmaf : only.ll;
    const dash = all ? this.dashTracks : only.dash;
    ll?.begin(hasV, hasA);
    dash?.video.begin(hasV, false);
    dash?.audio.begin(false, hasA);
    // the GOP cache is history: anchor the clock on its newest packet, "now"
    const last = init.gop[init.gop.length - 1];
    if (last && !this.clock.anchored) this.clock.live(this.unwrap.unwrap(last.timestamp));
    const feed = (p: MediaPacket): void => (all ? this.send(p) : this.sendCmaf(p, this.unwrap.unwrap(p.timestamp), only));
    if (init.videoConfig) feed(init.videoConfig);
    if (init.audioConfig) feed(init.audioConfig);
    for (const p of init.gop) feed(p);
  }

  private noteCodecs(): void {
    if (this.stream.videoInfo) this.videoInfo = this.stream.videoInfo;
    if (this.stream.audioInfo) this.audioInfo = this.stream.audioInfo;
    const v = this.videoInfo?.codec;
    this.videoCodec = v === 'H264' || v === 'HEVC' ? v : undefined;
  }

  private sendCmaf(p: MediaPacket, t: number, to: Targets = { ll: this.cmaf, dash: this.dashTracks }): void {
    to.ll?.push(p);
    if (to.dash) {
      // DASH: one Period, presentation time = media time + wall time lost in reconnects (a gap in the timeline)
      const gap = this.clock.gapAt(t);
      const q = gap === 0 || p.seqHeader ? p : { ...p, timestamp: p.timestamp + gap };
      if (p.kind === 'video') to.dash.video.push(q);
      else if (p.kind === 'audio') to.dash.audio.push(q);
    }
  }

  send(p: MediaPacket): void {
    if (this.failed) return;
    try {
      if (p.seqHeader) this.noteCodecs();
      const t = this.unwrap.unwrap(p.timestamp);
      if (!p.seqHeader && p.kind !== 'data') {
        this.clock.live(t);
        this.paused = false;
        if (p.kind === 'video') {
          if (this.lastVideoT >= 0 && t > this.lastVideoT && t - this.lastVideoT < 200 && !this.videoFrameMs) this.videoFrameMs = t - this.lastVideoT;
          this.lastVideoT = t;
        }
      }
      this.ts?.push(p, this.videoCodec);
      this.sendCmaf(p, t);
    } catch (e) {
      // a muxer refusing this stream's data must not touch the stream or its players
      this.failed = true;
      this.log.warn({ path: this.stream.path, err: (e as Error).message }, 'hls muxing stopped for this stream');
    }
  }

  flush(): void {}

  publisherLeft(): void {
    if (this.ended || this.paused) return;
    this.paused = true;
    try {
      this.ts?.pause();
      this.forEachCmaf((c) => c.pause());
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'hls pause failed');
    }
    this.wake();
  }

  publisherReturned(_changed: { video: boolean; audio: boolean }): void {
    this.publisherLeft(); // closes what is open when the drop was not announced; a no-op otherwise
    this.clock.reconnect();
    this.failed = false;
  }

  end(_reason: string): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.ts?.finish();
      this.forEachCmaf((c) => c.finish());
      this.dvr?.end();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'hls finish failed');
    }
    this.failed = false;
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.ready() || this.ended) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolve when `ready()` holds, the stream ends, or `timeoutMs` passes (then false). */
  waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w: Waiter = {
        ready,
        resolve: () => resolve(ready()),
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Does the LL playlist already hold segment `msn` (part `part`, or the whole segment when part is undefined)? */
  hasPart(msn: number, part: number | undefined): boolean {
    const segs = this.cmaf?.segments ?? [];
    const s = segs.find((x) => x.seq === msn);
    if (!s) return segs.length > 0 && segs[segs.length - 1].seq > msn;
    return part === undefined ? s.complete : s.parts.length > part || s.complete;
  }

  dispose(): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = [];
  }
}

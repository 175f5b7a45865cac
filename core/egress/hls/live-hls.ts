import type { Logger } from 'pino';
import type { MediaPacket } from '../../media/packet';
import type { Stream } from '../../media/stream';
import type { StreamStart, Subscriber } from '../../media/subscriber';
import { CmafSegmenter } from './cmaf-segmenter';
import { DvrWriter } from './dvr';
import type { HlsSettings } from './settings';
import { TsSegmenter } from './ts-segmenter';

type Waiter = { ready: () => boolean; resolve: () => void; timer: NodeJS.Timeout };

/** LL-HLS / DASH muxers nobody asked for in this long are stopped (they restart on the next request). */
const IDLE_MS = 60_000;

/**
 * The in-process HLS / LL-HLS / DASH muxer of one stream: a Subscriber fed from the same packets as every
 * player. Segments live in memory in a sliding window; HTTP requests read them (and may wait for a part).
 * MPEG-TS HLS (and the DVR) run from the first packet; LL-HLS and DASH start on their first request, primed
 * from the GOP cache so they answer at once, and stop again after a minute without requests.
 */
export class LiveHls implements Subscriber {
  readonly id: string;
  readonly protocol = 'hls' as const;
  readonly ip = '';
  readonly internal = true;
  readonly connectCreated = new Date();
  bytes = 0;
  readonly dropped = 0;
  readonly ts: TsSegmenter | null;
  private cmaf: CmafSegmenter | null = null;
  private dashTracks: { video: CmafSegmenter; audio: CmafSegmenter } | null = null;
  private llUsedAt = 0;
  private dashUsedAt = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  ended = false;
  /** the whole event on disk, when hls.dvr is on (a new one per publish) */
  dvr: DvrWriter | null = null;
  private waiters: Waiter[] = [];
  private videoCodec: 'H264' | 'HEVC' | undefined;
  private failed = false;

  constructor(public stream: Stream, readonly settings: HlsSettings, private readonly log: Logger, private readonly mediaRoot: string | null = null) {
    this.id = `hls:${stream.path}`;
    this.ts = settings.hls || settings.dvr ? new TsSegmenter(settings.segmentMs, settings.listSize, (seg) => {
      this.dvr?.add(seg);
      this.wake();
    }) : null;
  }

  private newCmaf(partMs: number): CmafSegmenter {
    return new CmafSegmenter(this.settings.segmentMs, partMs, this.settings.listSize, () => this.wake());
  }

  /** The LL-HLS segmenter, started on demand (null when LL-HLS is off). */
  ll(): CmafSegmenter | null {
    if (!this.settings.ll) return null;
    this.llUsedAt = Date.now();
    if (!this.cmaf) {
      this.cmaf = this.newCmaf(this.settings.partMs);
      this.prime();
    }
    return this.cmaf;
  }

  /** The DASH video and audio segmenters, started on demand (null when DASH is off). */
  dash(): { video: CmafSegmenter; audio: CmafSegmenter } | null {
    if (!this.settings.dash) return null;
    this.dashUsedAt = Date.now();
    if (!this.dashTracks) {
      this.dashTracks = { video: this.newCmaf(this.settings.segmentMs), audio: this.newCmaf(this.settings.segmentMs) };
      this.prime();
    }
    return this.dashTracks;
  }

  /** Feed a newly started segmenter what the stream holds now (configs + GOP cache). */
  private prime(): void {
    if (!this.ended && this.stream.ready) this.startSegmenters(this.stream.startInfo(), false);
    if (!this.idleTimer) {
      this.idleTimer = setInterval(() => this.stopIdle(), IDLE_MS / 4);
      this.idleTimer.unref();
    }
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
    if (this.settings.dvr && this.mediaRoot) this.dvr = new DvrWriter(this.mediaRoot, this.stream.app, this.stream.name, this.log);
    try {
      this.startSegmenters(init, true);
    } catch (e) {
      this.failed = true;
      this.log.warn({ path: this.stream.path, err: (e as Error).message }, 'hls muxing could not start for this stream');
    }
  }

  /** begin() the CMAF segmenters and feed them the stream start; with `all`, the TS segmenter too. */
  private startSegmenters(init: StreamStart, all: boolean): void {
    const v = this.stream.videoInfo?.codec;
    this.videoCodec = v === 'H264' || v === 'HEVC' ? v : undefined;
    const hasV = init.videoConfig !== null;
    const hasA = init.audioConfig !== null;
    this.cmaf?.begin(hasV, hasA);
    this.dashTracks?.video.begin(hasV, false);
    this.dashTracks?.audio.begin(false, hasA);
    const feed = (p: MediaPacket): void => (all ? this.send(p) : this.sendCmaf(p));
    if (init.videoConfig) feed(init.videoConfig);
    if (init.audioConfig) feed(init.audioConfig);
    for (const p of init.gop) feed(p);
  }

  private sendCmaf(p: MediaPacket): void {
    this.cmaf?.push(p);
    if (this.dashTracks) {
      if (p.kind === 'video') this.dashTracks.video.push(p);
      else if (p.kind === 'audio') this.dashTracks.audio.push(p);
    }
  }

  send(p: MediaPacket): void {
    if (this.failed) return;
    try {
      if (p.seqHeader && p.kind === 'video') {
        const v = this.stream.videoInfo?.codec;
        this.videoCodec = v === 'H264' || v === 'HEVC' ? v : undefined;
      }
      this.ts?.push(p, this.videoCodec);
      this.sendCmaf(p);
    } catch (e) {
      // a muxer refusing this stream's data must not touch the stream or its players
      this.failed = true;
      this.log.warn({ path: this.stream.path, err: (e as Error).message }, 'hls muxing stopped for this stream');
    }
  }

  flush(): void {}

  end(_reason: string): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.ts?.finish();
      this.cmaf?.finish();
      this.dashTracks?.video.finish();
      this.dashTracks?.audio.finish();
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

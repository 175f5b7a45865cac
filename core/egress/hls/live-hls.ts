import type { Logger } from 'pino';
import type { MediaPacket } from '../../media/packet';
import type { Stream } from '../../media/stream';
import type { StreamStart, Subscriber } from '../../media/subscriber';
import { CmafSegmenter } from './cmaf-segmenter';
import type { HlsSettings } from './settings';
import { DvrWriter } from './dvr';
import { TsSegmenter } from './ts-segmenter';

type Waiter = { ready: () => boolean; resolve: () => void; timer: NodeJS.Timeout };

/**
 * The in-process HLS / LL-HLS / DASH muxer of one stream: a Subscriber fed from the same packets as every
 * player. Segments live in memory in a sliding window; HTTP requests read them (and may wait for a part).
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
  readonly cmaf: CmafSegmenter | null;
  /** DASH: separate video and audio CMAF tracks */
  readonly dashVideo: CmafSegmenter | null;
  readonly dashAudio: CmafSegmenter | null;
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
    this.cmaf = settings.ll ? new CmafSegmenter(settings.segmentMs, settings.partMs, settings.listSize, () => this.wake()) : null;
    const dash = (): CmafSegmenter => new CmafSegmenter(settings.segmentMs, settings.segmentMs, settings.listSize, () => this.wake());
    this.dashVideo = settings.dash ? dash() : null;
    this.dashAudio = settings.dash ? dash() : null;
  }

  start(init: StreamStart): void {
    this.ended = false;
    if (this.settings.dvr && this.mediaRoot) this.dvr = new DvrWriter(this.mediaRoot, this.stream.app, this.stream.name, this.log);
    try {
      this.begin(init);
    } catch (e) {
      this.failed = true;
      this.log.warn({ path: this.stream.path, err: (e as Error).message }, 'hls muxing could not start for this stream');
    }
  }

  private begin(init: StreamStart): void {
    const v = this.stream.videoInfo?.codec;
    this.videoCodec = v === 'H264' || v === 'HEVC' ? v : undefined;
    this.cmaf?.begin(init.videoConfig !== null, init.audioConfig !== null);
    this.dashVideo?.begin(init.videoConfig !== null, false);
    this.dashAudio?.begin(false, init.audioConfig !== null);
    if (init.videoConfig) this.send(init.videoConfig);
    if (init.audioConfig) this.send(init.audioConfig);
    for (const p of init.gop) this.send(p);
  }

  send(p: MediaPacket): void {
    if (this.failed) return;
    try {
      if (p.seqHeader && p.kind === 'video') {
        const v = this.stream.videoInfo?.codec;
        this.videoCodec = v === 'H264' || v === 'HEVC' ? v : undefined;
      }
      this.ts?.push(p, this.videoCodec);
      this.cmaf?.push(p);
      if (p.kind === 'video') this.dashVideo?.push(p);
      else if (p.kind === 'audio') this.dashAudio?.push(p);
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
      this.dashVideo?.finish();
      this.dashAudio?.finish();
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
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters = [];
  }
}

/**
 * One restream destination: a Stream subscriber that pushes a copy of the stream to an RTMP(S) server with our
 * own client (no ffmpeg). It survives publisher drops (the remote connection is kept; the Stream continues the
 * timestamps and sends new sequence headers only when they changed), never blocks the Stream (a full socket
 * drops to the next keyframe, counted in `dropped`), and reports the truth: `live` only once the remote
 * accepted the publish AND acknowledged bytes; a link whose acknowledgements stop is dead.
 */
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { windowAckSizeMsg } from '../format/rtmp/rtmp-messages';
import type { MediaPacket } from '../media/packet';
import type { Stream } from '../media/stream';
import type { StreamStart, Subscriber } from '../media/subscriber';
import { RtmpClient, parseRtmpUrl, type RtmpTarget } from '../rtmp/client';
import { RemoteLink } from './link';
import { describeFailure, WORDS, type LinkPhase } from './link-errors';
import { DEFAULT_BACKOFF, DestinationMachine, type BackoffPolicy } from './machine';
import { canDecide, preflight, type IncomingStream, type PreflightVerdict } from './preflight';
import { KeyframeTracker } from '../media/keyframe-tracker';
import { PreflightWatch } from './preflight-watch';
import { ReencodeFeed, type ReencodeDeps } from './reencode';
import type { DestinationSpec, DestinationStatus } from './types';

export interface DestinationOptions {
  backoff: BackoffPolicy;
  /** no Acknowledgement for this long while bytes are outstanding: the link is dead (default 10 s) */
  ackTimeoutMs: number;
  /** the Window Acknowledgement Size we ask the remote for: small enough for a live bitrate (default 64 KB) */
  ackWindow: number;
  /** socket backlog above which frames are dropped to the next keyframe (default 4 MB) */
  maxQueueBytes: number;
  /** the backlog stays over the limit this long: the remote is not reading, reconnect (default 15 s) */
  stallMs: number;
  /** connect/handshake/command answers must come within this (default 10 s) */
  connectTimeoutMs: number;
  /** ackedBitrate is measured over this window (default 5 s) */
  bitrateWindowMs: number;
  /** a dropped publisher back within this keeps the remote connection (one broadcast); later, it is closed (relay.hold_s) */
  holdMs: number;
  /** extra TLS options for rtmps:// (a private CA in tests) */
  tls?: tls.ConnectionOptions;
  /** how a pre-flight "re-encode" runs ffmpeg (core/relay/reencode.ts); without it every destination copies */
  reencode?: ReencodeDeps;
}

export const DEFAULT_DESTINATION_OPTIONS: DestinationOptions = {
  backoff: DEFAULT_BACKOFF, ackTimeoutMs: 10_000, ackWindow: 64 * 1024, maxQueueBytes: 4 * 1024 * 1024, stallMs: 15_000,
  connectTimeoutMs: 10_000, bitrateWindowMs: 5000, holdMs: 30_000,
};

/** "…abcd": the most of a key any log line or answer may show. */
export function keyHint(key: string): string {
  return key.length > 4 ? `…${key.slice(-4)}` : '…';
}

export class Destination implements Subscriber {
  readonly protocol = 'relay' as const;
  readonly internal = true;
  readonly survivesDrop = true;
  readonly connectCreated = new Date();
  readonly machine: DestinationMachine;
  bytes = 0;
  dropped = 0;
  private bytesAckedTotal = 0;
  private stream: Stream | null = null;
  private link: RemoteLink | null = null;
  /** bumps on every (re)connect and stop: late callbacks of an old attempt are ignored */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** runs while the publisher is away: at its end the broadcast is over (link closed, idle) */
  private holdTimer: NodeJS.Timeout | null = null;
  /** pre-flight (core/relay/preflight.ts): measured from the packets seen, decided once per attachment */
  private readonly keyframes = new KeyframeTracker();
  private verdict: PreflightVerdict | null = null;
  private deciding = false;
  /** the per-destination re-encode feeding the link (null: copy) */
  private feed: ReencodeFeed | null = null;
  /** the re-encode's output has started: the link takes its packets, no longer the source's */
  private feedLive = false;
  /** pre-flight again while copying: a stream that stops passing switches to re-encode on the fly */
  private readonly watch = new PreflightWatch();
  private readonly measure = (): IncomingStream => this.incoming();

  constructor(
    public spec: DestinationSpec,
    private readonly opts: () => DestinationOptions,
    private readonly log: Logger,
    private readonly onStatus: (s: DestinationStatus) => void,
    /** the source stream is over (the Stream ended this subscriber) */
    private readonly onEnded: (d: Destination) => void = () => undefined,
  ) {
    this.machine = new DestinationMachine(() => this.opts().backoff, () => this.onStatus(this.status()));
  }

  get id(): string {
    return this.spec.id;
  }

  get ip(): string {
    return safeHost(this.spec.url);
  }

  /** the stream feeding it right now */
  get source(): Stream | null {
    return this.stream;
  }

  status(): DestinationStatus {
    const m = this.machine;
    return {
      id: this.spec.id, state: m.state, stream: this.stream?.path ?? null, ackedBitrate: this.ackedBitrate(),
      bytesSent: this.bytes, bytesAcked: this.bytesAckedTotal, liveSince: m.liveSince, reconnects: m.reconnects,
      attempt: m.attempt, nextTryAt: m.nextTryAt, lastError: m.lastError, dropped: this.dropped,
      preflight: this.verdict && { mode: this.verdict.mode, summary: this.verdict.summary, reasons: this.verdict.reasons, warnings: this.verdict.warnings, reencode: this.feed?.state() ?? null },
    };
  }

  /** Feed it from `stream` (it connects when the stream is ready: start()). */
  attach(stream: Stream): void {
    if (this.stream === stream) return;
    this.detach();
    this.stream = stream;
    stream.addSubscriber(this);
  }

  /** The user stopped it: close the remote connection, leave the stream. */
  stop(): void {
    this.detach();
    if (this.machine.state !== 'stopped') this.machine.stopped();
  }

  /** "Retry now": the attempt count starts over and it connects at once (when its stream is there). */
  retryNow(): void {
    const st = this.machine.state;
    if (!this.stream || st === 'live' || st === 'connecting') return;
    this.drop();
    this.machine.retryNow();
    void this.connect();
  }

  private detach(): void {
    this.endHold();
    this.drop();
    this.endPreflight();
    this.stream?.removeSubscriber(this);
    this.stream = null;
  }

  // ── Subscriber ──

  start(_init: StreamStart): void {
    if (this.link || this.machine.state === 'connecting') return;
    this.machine.connecting();
    this.keyframes.reset();
    this.deciding = true;
    for (const p of _init.gop) this.keyframes.add(p);
    this.decide();
  }

  send(p: MediaPacket): void {
    this.keyframes.add(p);
    if (this.deciding) return this.decide();
    if (this.feedLive) return; // re-encoding: the link is fed from the internal stream instead
    this.forward(p);
    if (!this.feed && this.verdict?.mode === 'copy' && this.stream) {
      const v = this.watch.check(this.spec.platform, this.measure);
      if (v) this.switchToReencode(v);
    }
  }

  private forward(p: MediaPacket): void {
    const l = this.link;
    if (!l) return;
    const n = l.forward(p, this.stream?.hasVideo ?? false);
    if (n < 0) this.dropped++;
    else this.bytes += n;
  }

  flush(): void {}

  end(reason: string): void {
    this.log.info({ dest: this.spec.id, reason }, 'destination source ended');
    this.endHold();
    this.drop();
    this.endPreflight();
    this.stream = null;
    if (this.machine.state !== 'idle' && this.machine.state !== 'stopped') this.machine.idle();
    this.onEnded(this);
  }

  publisherLeft(): void {
    // the gap is not a GOP: measure the returning publisher afresh
    this.keyframes.reset();
    this.watch.reset();
    const holdMs = this.opts().holdMs;
    this.log.info({ dest: this.spec.id, holdMs }, 'destination holds its connection: the publisher dropped');
    this.endHold();
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.log.info({ dest: this.spec.id }, 'destination closes its connection: the publisher did not come back in time');
      this.drop();
      if (this.machine.state !== 'idle' && this.machine.state !== 'stopped') this.machine.idle();
    }, holdMs);
    this.holdTimer.unref();
  }

  /** Back within the hold: the link was kept. After it: a new broadcast starts. */
  publisherReturned(): void {
    this.endHold();
    this.keyframes.reset();
    this.watch.reset();
    if (this.stream && !this.link && this.machine.state === 'idle') {
      this.machine.connecting();
      void this.connect();
    }
  }

  private endHold(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  // ── pre-flight: copy, or re-encode for this destination only ──

  private incoming(): IncomingStream {
    const s = this.stream!;
    const declared = Number(s.metaFields.videodatarate) * 1000; // onMetaData: kbit/s
    const measured = Math.max(s.video.bitrate, Number.isFinite(declared) ? declared : 0);
    return {
      hasVideo: s.hasVideo, hasAudio: s.hasAudio, videoCodec: s.videoInfo?.codec ?? null, audioCodec: s.audioInfo?.codec ?? null,
      audioRate: s.audioInfo?.samplerate ?? null, keyframeS: this.keyframes.intervalS, keyframeAtLeast: this.keyframes.atLeast,
      videoBitrate: measured > 0 ? measured : null,
    };
  }

  /** Decide once the stream has been seen long enough (a keyframe rule needs two keyframes, or a late one). */
  private decide(): void {
    if (!this.deciding || !this.stream) return;
    const s = this.incoming();
    if (!canDecide(this.spec.platform, s)) return;
    this.deciding = false;
    const v = (this.verdict = preflight(this.spec.platform, s));
    const deps = this.opts().reencode;
    this.log.info({ dest: this.spec.id, preflight: v.summary, warnings: v.warnings }, 'destination pre-flight');
    if (v.mode === 'copy' || !deps) {
      if (v.mode !== 'copy') this.log.warn({ dest: this.spec.id }, 'no re-encoder available: copying as is');
      void this.connect();
      return;
    }
    this.startFeed(v);
  }

  /** The stream stopped passing while copying (keyframes grew, bitrate over the cap…): re-encode from now on. */
  private switchToReencode(v: PreflightVerdict): void {
    if (!this.opts().reencode) return;
    this.log.warn({ dest: this.spec.id, preflight: v.summary }, 'destination pre-flight changed while running: switching to re-encode');
    this.verdict = v;
    this.startFeed(v);
  }

  /**
   * Start the re-encode. Its output's first keyframe connects the link, or — when the link is already up
   * (a switch while copying) — is spliced into it: the remote clock continues, new sequence headers follow.
   */
  private startFeed(v: PreflightVerdict): void {
    const deps = this.opts().reencode;
    if (!deps || !this.stream) return;
    const feed = new ReencodeFeed(this.stream, this.spec.id, v, deps, this.log, {
      start: (init) => {
        if (this.feed !== feed) return;
        const spliced = !this.feedLive && this.link;
        this.feedLive = true;
        if (spliced && this.link) {
          this.link.splice();
          for (const p of [init.metadata, init.videoConfig, init.audioConfig]) if (p) this.bytes += this.link.write(p);
          for (const p of init.gop) this.forward(p);
        } else if (!this.link && !this.retryTimer) void this.connect();
      },
      packet: (p) => this.forward(p),
      changed: () => this.onStatus(this.status()),
    });
    this.feed = feed;
    feed.start();
    this.onStatus(this.status());
  }

  private endPreflight(): void {
    this.deciding = false;
    this.feedLive = false;
    this.watch.reset();
    this.feed?.stop();
    this.feed = null;
  }

  // ── the remote link ──

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    const o = this.opts();
    let phase: LinkPhase = 'connect';
    let client: RtmpClient | null = null;
    try {
      const target: RtmpTarget = { ...parseRtmpUrl(this.spec.url), name: this.spec.key };
      this.log.info({ dest: this.spec.id, host: target.host, key: keyHint(this.spec.key) }, 'destination connecting');
      client = await RtmpClient.connect(target, { timeoutMs: o.connectTimeoutMs, tls: o.tls, windowAckSize: o.ackWindow });
      if (gen !== this.generation) return client.destroy();
      client.send(windowAckSizeMsg(o.ackWindow)); // after the server's Set Peer Bandwidth: ask for acks this often
      const created = await client.createStream();
      if (gen !== this.generation) return client.destroy();
      // from here a close means the key was refused (nginx's on_publish just drops the connection)
      phase = 'publish';
      // the key is the stream name, with whatever query it carries (Facebook's ?s_bl=1…): data, sent as is
      const streamId = await client.publish(this.spec.key, { streamId: created });
      if (gen !== this.generation || !this.stream) return client.destroy();
      this.open(client, streamId, gen);
    } catch (e) {
      client?.destroy();
      if (gen === this.generation) this.failed(describeFailure(e, phase));
    }
  }

  private open(client: RtmpClient, streamId: number, gen: number): void {
    const l = new RemoteLink(client, streamId, this.opts(), (link, error) => this.linkDown(link, error));
    this.link = l;
    client.on('ack', (seq) => this.onAck(l, seq));
    client.on('close', (_reason, err) => {
      if (gen === this.generation && this.link === l) this.linkDown(l, err ? describeFailure(err, 'running') : WORDS.closed);
    });
    const init = ((this.feedLive && this.feed?.output) || this.stream!).startInfo();
    for (const p of [init.metadata, init.videoConfig, init.audioConfig]) if (p) this.bytes += l.write(p);
    l.waitKeyframe = init.hasVideo && !(init.gop[0]?.kind === 'video' && init.gop[0].keyframe);
    for (const p of init.gop) this.forward(p);
  }

  private onAck(l: RemoteLink, seq: number): void {
    if (this.link !== l) return;
    this.bytesAckedTotal += l.onAck(seq);
    if (this.machine.state === 'connecting') {
      this.machine.live();
      this.log.info({ dest: this.spec.id, host: safeHost(this.spec.url), key: keyHint(this.spec.key) }, 'destination live');
    } else this.onStatus(this.status());
  }

  /** bits per second acknowledged by the remote over the sliding window (0 when acks stopped) */
  private ackedBitrate(): number {
    return this.link?.bitrate() ?? 0;
  }

  private linkDown(l: RemoteLink, error: string): void {
    if (this.link !== l) return;
    this.drop();
    this.failed(error);
  }

  private failed(error: string): void {
    this.log.warn({ dest: this.spec.id, host: safeHost(this.spec.url), error }, 'destination failed');
    const delay = this.machine.failure(error);
    if (delay === null || !this.stream) return;
    const gen = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (gen !== this.generation || !this.stream || this.machine.state !== 'retrying') return;
      this.machine.connecting();
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** Close the remote link and cancel any pending try (the generation bump silences late callbacks). */
  private drop(): void {
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const l = this.link;
    this.link = null;
    l?.close();
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'invalid';
  }
}

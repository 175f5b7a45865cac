import type { Logger } from 'pino';
import { BackpressureGate, type QueuePolicy } from './backpressure';
import type { Burst } from './burst';
import type { ByteSink } from './byte-sink';
import type { MediaPacket } from './packet';
import type { Protocol, StreamStart, Subscriber } from './subscriber';

export interface PlayerInit {
  id: string;
  ip: string;
  protocol: Protocol;
  sink: ByteSink;
  policy: QueuePolicy;
  log: Logger;
}

/**
 * Shared player mechanics: the backpressure gate, write coalescing and byte counting.
 * Admitted packets wait in `pending` until the stream's flush; a player that took every packet of the
 * burst writes the burst's shared Buffer (encoded once per format for all players), others write their own.
 * Joining: the FLV header, codec configuration and the GOP's keyframe go out in the first write; the rest of
 * the cached GOP follows on the next tick, so many players joining at once do not queue behind each other.
 */
export abstract class PlayerBase implements Subscriber {
  readonly id: string;
  readonly ip: string;
  readonly protocol: Protocol;
  readonly connectCreated = new Date();
  /** a player waits for a dropped publisher (the reconnect window) and continues on the same connection */
  readonly survivesDrop = true;
  bytes = 0;
  protected readonly sink: ByteSink;
  protected readonly log: Logger;
  private gate: BackpressureGate | null = null;
  private pending: MediaPacket[] = [];
  /** the sink's queued bytes when the current burst began */
  private queuedAtBurst = 0;
  /** cached GOP (and live packets after it) still to send, one tick after joining */
  private deferred: MediaPacket[] | null = null;
  protected ended = false;
  /** false once a subclass changed what it queues (held or added packets): its next flush writes its own bytes */
  protected inStep = true;
  private readonly policy: QueuePolicy;

  constructor(init: PlayerInit) {
    this.id = init.id;
    this.ip = init.ip;
    this.protocol = init.protocol;
    this.sink = init.sink;
    this.policy = init.policy;
    this.log = init.log;
  }

  get dropped(): number {
    return this.gate?.dropped ?? 0;
  }

  /** Serialize one packet (a shared Buffer where possible). */
  protected abstract encode(p: MediaPacket): Buffer;
  /** Key of the byte format `encode` produces: players with the same key can share a burst's bytes. */
  protected abstract format(): string;
  /** Bytes that precede the first packet (FLV header, ...). */
  protected abstract preamble(init: StreamStart): Buffer | null;
  /** The stream ended. */
  protected abstract finish(reason: string): void;

  private write(buf: Buffer): void {
    this.bytes += buf.length;
    this.sink.write(buf);
  }

  /** Several buffers in one write: the sink's writev (shared buffers, no copy) or one concatenation. */
  private writeAll(bufs: readonly Buffer[]): void {
    if (bufs.length === 1) return this.write(bufs[0]);
    if (!this.sink.writev) return this.write(Buffer.concat(bufs));
    for (const b of bufs) this.bytes += b.length;
    this.sink.writev(bufs);
  }

  start(init: StreamStart): void {
    if (this.ended) return;
    const startsOnKeyframe = init.gop.length > 0 && init.gop[0].kind === 'video' && init.gop[0].keyframe;
    this.gate = new BackpressureGate(this.policy, init.hasVideo, startsOnKeyframe);
    const pre = this.preamble(init);
    const first: Buffer[] = pre ? [pre] : [];
    for (const p of [init.metadata, init.videoConfig, init.audioConfig]) if (p) first.push(this.encode(p));
    if (init.gop.length > 0) first.push(this.encode(init.gop[0]));
    if (first.length) this.writeAll(first);
    if (init.gop.length > 1) {
      this.deferred = init.gop.slice(1);
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    const d = this.deferred;
    this.deferred = null;
    if (!d || this.ended) return;
    for (const p of d) this.send(p);
    this.flush();
  }

  send(p: MediaPacket): void {
    if (this.ended || !this.gate) return;
    if (this.deferred) {
      this.deferred.push(p);
      return;
    }
    // between this player's writes (at flush) its queue can only shrink: read once per burst, it is an upper bound
    if (this.pending.length === 0) this.queuedAtBurst = this.sink.queued;
    const v = this.gate.admit(p, this.queuedAtBurst);
    if (v === 'send') this.pending.push(p);
    else if (v === 'stall') {
      this.log.warn({ player: this.id, protocol: this.protocol, queued: this.sink.queued }, 'player stalled: disconnecting');
      this.ended = true;
      this.pending = [];
      this.sink.close('stalled');
    }
  }

  flush(burst?: Burst): void {
    const n = this.pending.length;
    if (n === 0 || this.ended) return;
    // pending is always a suffix-subsequence of the burst: equal length means exactly the same packets
    const inStep = this.inStep;
    this.inStep = true;
    if (burst && inStep && burst.packets.length === n) {
      this.pending = [];
      this.write(burst.shared(this.format(), (p) => this.encode(p)));
      return;
    }
    // not in step with the burst (joining, dropping): its own packets, each a shared encoding
    const own = this.pending.map((p) => this.encode(p));
    this.pending = [];
    this.writeAll(own);
  }

  end(reason: string): void {
    if (this.ended) return;
    if (this.deferred) this.drain();
    this.flush();
    this.ended = true;
    this.finish(reason);
  }
}

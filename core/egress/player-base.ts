import type { Logger } from 'pino';
import { BackpressureGate, type QueuePolicy } from '../media/backpressure';
import type { ByteSink } from '../media/byte-sink';
import type { MediaPacket } from '../media/packet';
import type { Protocol, StreamStart, Subscriber } from '../media/subscriber';

export interface PlayerInit {
  id: string;
  ip: string;
  protocol: Protocol;
  sink: ByteSink;
  policy: QueuePolicy;
  log: Logger;
}

/**
 * Shared player mechanics: the backpressure gate, write coalescing (the sink is corked on the first
 * write of a burst and uncorked on flush, so one ingest read becomes one writev per player) and byte
 * counting. Subclasses say how a packet and the stream start are serialized.
 */
export abstract class PlayerBase implements Subscriber {
  readonly id: string;
  readonly ip: string;
  readonly protocol: Protocol;
  readonly connectCreated = new Date();
  bytes = 0;
  protected readonly sink: ByteSink;
  protected readonly log: Logger;
  private gate: BackpressureGate | null = null;
  private corked = false;
  protected ended = false;
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

  /** Serialize one packet (shared Buffer where possible). */
  protected abstract encode(p: MediaPacket): Buffer;
  /** Bytes that precede the first packet (FLV header, ...). */
  protected abstract preamble(init: StreamStart): Buffer | null;
  /** The stream ended; `graceful` is false when the player is being dropped for stalling. */
  protected abstract finish(reason: string): void;

  protected put(buf: Buffer): void {
    if (!this.corked) {
      this.sink.cork();
      this.corked = true;
    }
    this.bytes += buf.length;
    this.sink.write(buf);
  }

  start(init: StreamStart): void {
    if (this.ended) return;
    const startsOnKeyframe = init.gop.length > 0 && init.gop[0].kind === 'video' && init.gop[0].keyframe;
    this.gate = new BackpressureGate(this.policy, init.hasVideo, startsOnKeyframe);
    const pre = this.preamble(init);
    if (pre) this.put(pre);
    if (init.metadata) this.put(this.encode(init.metadata));
    if (init.videoConfig) this.put(this.encode(init.videoConfig));
    if (init.audioConfig) this.put(this.encode(init.audioConfig));
    for (const p of init.gop) this.send(p);
  }

  send(p: MediaPacket): void {
    if (this.ended || !this.gate) return;
    const v = this.gate.admit(p, this.sink.queued);
    if (v === 'send') this.put(this.encode(p));
    else if (v === 'stall') {
      this.log.warn({ player: this.id, protocol: this.protocol, queued: this.sink.queued }, 'player stalled: disconnecting');
      this.ended = true;
      this.sink.close('stalled');
    }
  }

  flush(): void {
    if (this.corked) {
      this.corked = false;
      this.sink.uncork();
    }
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.flush();
    this.finish(reason);
  }
}

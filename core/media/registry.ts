import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Stream, type StreamLimits } from './stream';

export interface RegistryEvents {
  published: [stream: Stream];
  unpublished: [stream: Stream];
  /** the stream is over: its publisher left and did not return within the reconnect window */
  ended: [stream: Stream];
}

/** All streams of one studio, by "/app/name". Streams with neither publisher nor subscribers are removed. */
export class StreamRegistry extends EventEmitter<RegistryEvents> {
  private readonly streams = new Map<string, Stream>();
  /** path → token of an internal output (reserveInternal) */
  private readonly reserved = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  /** publishes accepted since start (counted by the one publish path, media/publish.ts, which alone emits published/unpublished) */
  publishes = 0;

  constructor(private readonly limits: () => StreamLimits) {
    super();
  }

  get(path: string): Stream | undefined {
    return this.streams.get(path);
  }

  getOrCreate(app: string, name: string): Stream {
    const key = `/${app}/${name}`;
    let s = this.streams.get(key);
    if (!s) {
      s = new Stream(app, name, this.limits(), (over) => {
        this.emit('ended', over);
        this.release(over);
      });
      this.streams.set(key, s);
    }
    return s;
  }

  /** Drop the stream object if nobody uses it any more. */
  release(s: Stream): void {
    if (s.idle && this.streams.get(s.path) === s) this.streams.delete(s.path);
  }

  /** the streams users see (internal outputs left out) */
  list(): Stream[] {
    return [...this.streams.values()].filter((s) => !s.internal);
  }

  /** the live streams users see */
  live(): Stream[] {
    return this.list().filter((s) => s.publisher !== null);
  }

  /**
   * Reserve `path` for one of our own internal outputs: only a publish carrying `?internal=<token>` gets it
   * (and is marked internal); anyone else publishing there is refused while the reservation holds.
   */
  reserveInternal(path: string): string {
    const token = randomBytes(16).toString('hex');
    this.reserved.set(path, token);
    return token;
  }

  freeInternal(path: string): void {
    this.reserved.delete(path);
  }

  /** 'internal': our own output with its token; 'reserved': someone else; 'public': not reserved */
  publishKind(path: string, token: string | undefined): 'internal' | 'reserved' | 'public' {
    const t = this.reserved.get(path);
    if (t === undefined) return 'public';
    return token !== undefined && token.length === t.length && timingSafeEqual(Buffer.from(token), Buffer.from(t)) ? 'internal' : 'reserved';
  }

  startSampling(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const s of this.streams.values()) s.sample(now);
    }, intervalMs);
    this.timer.unref();
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * Every restream destination of a studio, in memory (the store and the API are wired by the relay feature).
 *
 * When one runs: a destination runs while it is `enabled` and its source is live. `start(id)` sets enabled,
 * `stop(id)` clears it (state `stopped`); the caller persists `spec.enabled` from the 'spec' event.
 * - Source `{ stream: "/app/name" }`: that stream. Source `{ app }`: the FIRST live stream of that app (the
 *   oldest publish still live, else the next one published); one connection per destination, never one per stream.
 * - A publisher drop within the reconnect window does not stop it: the Stream keeps it attached and the remote
 *   connection open. When the stream is over (Stream.end): it goes `idle`; an `auto` destination starts again at
 *   the next publish of its source, a manual one (auto = false) is done: its run ends and `enabled` is cleared.
 * Logs name the destination id and the URL host, and at most the key's last 4 characters.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import { DEFAULT_DESTINATION_OPTIONS, Destination, keyHint, type DestinationOptions } from './destination';
import type { BackoffPolicy } from './machine';
import { isEncodedName, type ReencodeDeps } from './reencode';
import type { DestinationSpec, DestinationStatus } from './types';

export interface DestinationManagerDeps {
  registry: StreamRegistry;
  /** read on every connection attempt: backoff, ack timeout, queue limits (missing fields take the defaults) */
  config: () => DestinationConfig;
  log: Logger;
  /** how pre-flight re-encodes run (ffmpeg, loopback URLs, budget); without it every destination copies */
  reencode?: ReencodeDeps;
}

/** Destination options as a caller gives them: any field, backoff fields one by one. */
export type DestinationConfig = Partial<Omit<DestinationOptions, 'backoff'>> & { backoff?: Partial<BackoffPolicy> };

/** The studio's `relay` settings as destination options (relay.hold_s, ack_timeout_s, max_attempts). */
export function destinationConfig(r: { hold_s: number; ack_timeout_s: number; max_attempts: number }): DestinationConfig {
  return { holdMs: r.hold_s * 1000, ackTimeoutMs: r.ack_timeout_s * 1000, backoff: { maxAttempts: r.max_attempts } };
}

export interface DestinationManagerEvents {
  /** a destination's status changed (state, attempt, acked bitrate…) */
  state: [status: DestinationStatus];
  /** a spec changed on its own (start/stop/end of a manual run flip `enabled`): persist it */
  spec: [spec: DestinationSpec];
}

export class DestinationManager extends EventEmitter<DestinationManagerEvents> {
  private readonly dests = new Map<string, Destination>();
  private readonly onPublished = (s: Stream): void => this.streamLive(s);
  private closed = false;

  constructor(private readonly deps: DestinationManagerDeps) {
    super();
    deps.registry.on('published', this.onPublished);
  }

  private options(): DestinationOptions {
    const c = this.deps.config();
    return { ...DEFAULT_DESTINATION_OPTIONS, reencode: this.deps.reencode, ...c, backoff: { ...DEFAULT_DESTINATION_OPTIONS.backoff, ...c.backoff } };
  }

  list(): DestinationStatus[] {
    return [...this.dests.values()].map((d) => d.status());
  }

  status(id: string): DestinationStatus {
    return this.get(id).status();
  }

  /** The spec as held (the key included: for the store only, never for an API answer). */
  spec(id: string): DestinationSpec {
    return { ...this.get(id).spec };
  }

  add(spec: DestinationSpec): DestinationStatus {
    if (this.dests.has(spec.id)) throw new OnAirError('CONFLICT', `destination ${spec.id} exists`);
    const d = new Destination({ ...spec }, () => this.options(), this.deps.log.child({ relay: 'destination' }),
      (s) => this.emit('state', s), (x) => this.sourceEnded(x));
    this.dests.set(spec.id, d);
    this.deps.log.info({ dest: spec.id, key: keyHint(spec.key) }, 'destination added');
    this.place(d);
    return d.status();
  }

  /** Replace a spec; a running destination whose URL, key or source changed reconnects. */
  update(spec: DestinationSpec): DestinationStatus {
    const d = this.get(spec.id);
    const old = d.spec;
    d.spec = { ...spec };
    const moved = old.url !== spec.url || old.key !== spec.key || JSON.stringify(old.source) !== JSON.stringify(spec.source);
    if (moved && d.source) d.stop();
    if (!spec.enabled && d.source) d.stop();
    this.place(d);
    return d.status();
  }

  remove(id: string): void {
    const d = this.get(id);
    d.stop();
    this.dests.delete(id);
  }

  start(id: string): DestinationStatus {
    const d = this.get(id);
    this.setEnabled(d, true);
    if (d.source) d.retryNow(); // failed or stopped while its source is live: connect now
    else {
      if (d.machine.state === 'stopped' || d.machine.state === 'failed') d.machine.idle();
      this.place(d);
    }
    return d.status();
  }

  stop(id: string): DestinationStatus {
    const d = this.get(id);
    this.setEnabled(d, false);
    d.stop();
    return d.status();
  }

  /** "Retry now": a failed or retrying destination starts over (attempts from 1) and connects at once. */
  retry(id: string): DestinationStatus {
    const d = this.get(id);
    if (!d.spec.enabled) return this.start(id);
    if (d.source) d.retryNow();
    else this.place(d);
    return d.status();
  }

  /** Stop everything and forget the registry (studio shutdown). */
  close(): void {
    this.closed = true;
    this.deps.registry.off('published', this.onPublished);
    for (const d of this.dests.values()) d.stop();
  }

  private get(id: string): Destination {
    const d = this.dests.get(id);
    if (!d) throw new OnAirError('NOT_FOUND', `no destination ${id}`);
    return d;
  }

  private setEnabled(d: Destination, on: boolean): void {
    if (d.spec.enabled === on) return;
    d.spec = { ...d.spec, enabled: on };
    this.emit('spec', { ...d.spec });
  }

  /** Attach an enabled, unattached destination to its live source, if there is one. */
  private place(d: Destination): void {
    if (this.closed || !d.spec.enabled || d.source) return;
    const live = this.deps.registry.live().filter((s) => feeds(d.spec, s));
    live.sort((a, b) => (a.publishedAt?.getTime() ?? 0) - (b.publishedAt?.getTime() ?? 0));
    if (live[0]) d.attach(live[0]);
  }

  private streamLive(s: Stream): void {
    for (const d of this.dests.values()) if (!d.source && feeds(d.spec, s)) this.place(d);
  }

  private sourceEnded(d: Destination): void {
    if (!d.spec.auto) this.setEnabled(d, false);
    // an app source may have another stream live already: feed from it
    else if ('app' in d.spec.source) queueMicrotask(() => this.place(d));
  }
}

function feeds(spec: DestinationSpec, s: Stream): boolean {
  if (isEncodedName(s.name)) return false; // a re-encode's internal output is never a source
  return 'stream' in spec.source ? spec.source.stream === s.path : spec.source.app === s.app;
}

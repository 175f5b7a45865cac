import { EventEmitter } from 'node:events';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Recording } from '../contract/recordings';
import type { StreamHealth, TimelineEvent } from '../contract/health';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import type { DestinationStatusView as DestinationStatus } from '../contract/destinations';
import { TimelineRepo } from '../store/timeline-repo';

/** entries kept in memory (the store keeps 24 h) */
export const TIMELINE_RING = 2000;

type Kind = TimelineEvent['kind'];
interface Source<E extends string, A> {
  on(e: E, fn: (a: A) => void): unknown;
  off(e: E, fn: (a: A) => void): unknown;
}

export interface TimelineDeps {
  registry: StreamRegistry;
  /** the slate's 'slate' { path, on } */
  slate: Source<'slate', { path: string; on: boolean }>;
  /** the destinations service's 'state' (DestinationStatus) */
  destinations: Source<'state', DestinationStatus>;
  /** a destination's name (never its key); null when unknown */
  destinationName: (id: string) => string | null;
  recordings: Source<'recording.failed', Recording>;
  /** the health monitor's 'changed' */
  health: Source<'changed', { stream: string; health: StreamHealth | null }>;
  db: () => BetterSqlite3.Database | null;
  log: Logger;
}

/**
 * What happened, one entry per incident (issue 14): publishes, drops and returns, the slate, destinations
 * going live / retrying / failing, failed recordings, a stream turning bad, the disk running low. Entries are
 * kept in a bounded ring and in the store (health_events, 24 h); each is emitted once as 'event' (health.event).
 */
export class Timeline extends EventEmitter<{ event: [TimelineEvent] }> {
  private ring: TimelineEvent[] = [];
  /** streams whose publisher dropped and that wait for it (a publish there is a return) */
  private readonly dropped = new Set<string>();
  /** per destination: its last state, the stream it fed, whether a run of retries was already told */
  private readonly dests = new Map<string, { state: string; stream: string | null; retrying: boolean }>();
  private readonly bad = new Set<string>();
  private readonly diskLow = new Set<string>();
  private started = false;
  private lastPrune = 0;

  constructor(private readonly deps: TimelineDeps) {
    super();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const d = this.deps;
    d.registry.on('published', this.onPublished);
    d.registry.on('unpublished', this.onUnpublished);
    d.registry.on('ended', this.onEnded);
    d.slate.on('slate', this.onSlate);
    d.destinations.on('state', this.onDestination);
    d.recordings.on('recording.failed', this.onRecordingFailed);
    d.health.on('changed', this.onHealth);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    const d = this.deps;
    d.registry.off('published', this.onPublished);
    d.registry.off('unpublished', this.onUnpublished);
    d.registry.off('ended', this.onEnded);
    d.slate.off('slate', this.onSlate);
    d.destinations.off('state', this.onDestination);
    d.recordings.off('recording.failed', this.onRecordingFailed);
    d.health.off('changed', this.onHealth);
    this.dropped.clear();
    this.dests.clear();
    this.bad.clear();
    this.diskLow.clear();
  }

  /** newest last: the last `minutes` (default 30), one stream's or all (the store when open, else memory) */
  list(opts: { stream?: string; minutes?: number } = {}): TimelineEvent[] {
    const since = Date.now() - (opts.minutes ?? 30) * 60_000;
    const repo = this.repo();
    if (repo) {
      try {
        return repo.since(since, opts.stream);
      } catch (e) {
        this.deps.log.warn({ err: (e as Error).message }, 'health timeline not read from the store');
      }
    }
    return this.ring.filter((e) => e.at >= since && (!opts.stream || e.stream === opts.stream));
  }

  /** record one entry: memory, store, 'event' (exposed for tests) */
  add(kind: Kind, stream: string | null, text: string, at = Date.now()): TimelineEvent {
    const e: TimelineEvent = { at, stream, kind, text };
    this.ring.push(e);
    if (this.ring.length > TIMELINE_RING) this.ring = this.ring.slice(-TIMELINE_RING);
    try {
      const repo = this.repo();
      if (repo) {
        repo.insert(e);
        if (at - this.lastPrune > 3600_000) {
          this.lastPrune = at;
          repo.prune(at);
        }
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'health timeline entry not stored');
    }
    this.deps.log.info({ kind, stream, text }, 'health.event');
    this.emit('event', e);
    return e;
  }

  private repo(): TimelineRepo | null {
    const db = this.deps.db();
    return db ? new TimelineRepo(db) : null;
  }

  private readonly onPublished = (s: Stream): void => {
    if (!visible(s)) return;
    if (this.dropped.delete(s.path)) this.add('returned', s.path, `The publisher of ${s.path} is back`);
    else this.add('published', s.path, `${s.path} went live`);
  };

  private readonly onUnpublished = (s: Stream): void => {
    if (!visible(s) || !s.reconnecting) return;
    this.dropped.add(s.path);
    this.add('dropped', s.path, `The publisher of ${s.path} left; waiting for it to return`);
  };

  private readonly onEnded = (s: Stream): void => {
    if (!visible(s)) return;
    this.dropped.delete(s.path);
    this.add('ended', s.path, `${s.path} ended`);
  };

  private readonly onSlate = (e: { path: string; on: boolean }): void => {
    this.add(e.on ? 'slate_on' : 'slate_off', e.path, e.on ? `Slate on air on ${e.path}` : `Slate off on ${e.path}`);
  };

  /** transitions only: live once per going live, retrying once per run of retries, failed once */
  private readonly onDestination = (s: DestinationStatus): void => {
    const prev = this.dests.get(s.id) ?? { state: 'idle', stream: null, retrying: false };
    const cur = { state: s.state, stream: s.stream ?? prev.stream, retrying: prev.retrying };
    this.dests.set(s.id, cur);
    if (s.state === prev.state) return;
    const name = this.deps.destinationName(s.id) ?? s.id;
    const why = s.lastError ? `: ${s.lastError}` : '';
    if (s.state === 'live') {
      cur.retrying = false;
      this.add('destination_live', cur.stream, `${name} is live`);
    } else if (s.state === 'retrying') {
      if (cur.retrying) return;
      cur.retrying = true;
      this.add('destination_retrying', cur.stream, `${name} is retrying${why}`);
    } else if (s.state === 'failed') {
      cur.retrying = false;
      this.add('destination_failed', cur.stream, `${name} failed${why}`);
    } else if (s.state !== 'connecting') {
      cur.retrying = false;
    }
  };

  private readonly onRecordingFailed = (r: Recording): void => {
    this.add('recording_failed', r.stream, `Recording of ${r.stream} failed${r.error ? `: ${r.error}` : ''}`);
  };

  /** a verdict turning bad (once until it recovers); the disk advice (< 60 min) once per incident */
  private readonly onHealth = ({ stream, health }: { stream: string; health: StreamHealth | null }): void => {
    const isBad = health?.verdict === 'bad';
    if (isBad && !this.bad.has(stream)) {
      this.bad.add(stream);
      this.add('health_bad', stream, health.advice?.text ?? 'Stream health is bad');
    } else if (!isBad) this.bad.delete(stream);
    const disk = health?.list.find((a) => a.check === 'disk') ?? null;
    const wasLow = this.diskLow.size > 0;
    if (disk) this.diskLow.add(stream);
    else this.diskLow.delete(stream);
    if (disk && !wasLow) this.add('disk_low', null, disk.text);
  };
}

function visible(s: Stream): boolean {
  return !s.internal && !s.rungOf;
}

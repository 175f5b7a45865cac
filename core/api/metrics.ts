import type { Registry } from 'prom-client';
import type { RouteAccess } from '../auth/front';
import type { ServerContext } from '../context';
import type { HttpFront } from '../http/server';
import type { JobEngine } from '../jobs/engine';
import type { RecordingManager } from '../record/recordings';
import { JOB_STATUSES } from '../contract/jobs';
import { streamStats } from './stats';
import { registerStudioMetrics, type Snapshot } from './metrics-defs';

/** What /metrics reads besides the context; each is asked at scrape time. */
export interface MetricsSources {
  /** ms epoch the listeners started (default: when the metrics were made) */
  startedAt?: () => number;
  /** times every request (onResponse) into the HTTP duration histogram */
  http?: HttpFront;
  jobs?: () => JobEngine;
  recordings?: () => RecordingManager;
}

/** Counted per status up to this many (the store lists jobs in pages). */
const JOBS_COUNT_CAP = 10_000;

/**
 * The studio's Prometheus metrics, on a Registry of its own (several studios may share a process): Node and
 * process metrics from prom-client's collectDefaultMetrics, our gauges read from the live objects at scrape
 * time, and an HTTP duration histogram. prom-client is loaded on the first scrape (it costs ~12 MB of RSS,
 * which a studio nobody scrapes should not pay); the histogram counts from then on.
 */
export class StudioMetrics {
  private registry: Promise<{ registry: Registry; observeHttp: (kind: RouteAccess, status: number, s: number) => void }> | null = null;
  private snap: Snapshot | null = null;
  private readonly createdAt = Date.now();

  constructor(private readonly ctx: ServerContext, private readonly sources: MetricsSources = {}) {}

  /** The text exposition (format 0.0.4) and its Content-Type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    this.registry ??= this.load();
    const { registry } = await this.registry;
    this.snap = this.snapshot();
    try {
      // prom-client writes NaN (an event-loop histogram with no sample yet) as "Nan"; the format spells it NaN
      return { contentType: registry.contentType, text: (await registry.metrics()).replace(/ Nan$/gm, ' NaN') };
    } finally {
      this.snap = null;
    }
  }

  private async load(): Promise<{ registry: Registry; observeHttp: (kind: RouteAccess, status: number, s: number) => void }> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry });
    const observeHttp = registerStudioMetrics(prom, registry, () => this.snap, this.ctx);
    if (this.sources.http) this.sources.http.onResponse = observeHttp;
    return { registry, observeHttp };
  }

  private snapshot(): Snapshot {
    const streams = this.ctx.registry.list().map((s) => ({ path: s.path, stats: streamStats(s), gop: s.gopSize }));
    const players = new Map<string, number>();
    for (const { stats } of streams) for (const [p, n] of Object.entries(stats.viewers)) players.set(p, (players.get(p) ?? 0) + n);
    let jobs: Map<string, number> | null = null;
    const engine = this.sources.jobs?.();
    if (engine) {
      try {
        jobs = new Map(JOB_STATUSES.map((st) => [st, engine.list({ status: [st], limit: JOBS_COUNT_CAP }).length]));
      } catch {
        jobs = null; // the store is not open (no data folder): no job series rather than a failed scrape
      }
    }
    let recordingsActive: number | null = null;
    const rec = this.sources.recordings?.();
    if (rec) {
      try {
        recordingsActive = rec.list().filter((r) => r.status === 'recording').length;
      } catch {
        recordingsActive = null;
      }
    }
    return { uptimeS: Math.floor((Date.now() - (this.sources.startedAt?.() ?? this.createdAt)) / 1000), streams, players, jobs, recordingsActive };
  }
}

import { EventEmitter } from 'node:events';
import { existsSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Destination } from '../contract/destinations';
import type { HealthSample, ServerSample, StreamHealth } from '../contract/health';
import type { LadderState } from '../contract/ladder';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import { HealthRepo } from '../store/health-repo';
import { runChecks, signature, verdictOf, type StreamFacts } from './checks';
import { SampleRing } from './ring';

export const STREAM_FIELDS = ['bitrate_in', 'fps', 'keyframe_s', 'lag_ms', 'acked_bps', 'v_rtmp', 'v_http', 'v_ws', 'v_hls', 'v_dash'] as const;
export const SERVER_FIELDS = ['cpu', 'mem_used', 'net_in_bps', 'net_out_bps', 'disk_free'] as const;
type StreamField = (typeof STREAM_FIELDS)[number];
type ServerField = (typeof SERVER_FIELDS)[number];
/** 1 sample a second for 30 minutes, per stream and for the server */
export const RING_SAMPLES = 30 * 60;

export interface HealthDeps {
  registry: StreamRegistry;
  net: { inBytes: number; outBytes: number };
  destinations: () => Destination[];
  ladder: () => LadderState[];
  /** where recordings are written (disk forecast, server disk free) */
  recordFolder: () => string;
  db: () => BetterSqlite3.Database | null;
  log: Logger;
  tickMs?: number;
}

interface Tracked {
  stream: Stream;
  since: number;
  ring: SampleRing<StreamField>;
  sig: string;
  health: StreamHealth;
  recordBytes: number;
  minute: Minute<StreamField>;
}

/** sums of one minute's samples, flushed to the store as averages */
class Minute<F extends string> {
  at = 0;
  private sums = new Map<F, { s: number; n: number }>();
  /** add a sample; when it starts a new minute, the finished one's averages */
  add(at: number, v: Partial<Record<F, number | null>>): { at: number; data: Record<string, number | null> } | null {
    const m = Math.floor(at / 60_000) * 60_000;
    const done = m !== this.at && this.at !== 0 ? { at: this.at, data: this.flush() } : null;
    if (m !== this.at) this.at = m;
    for (const [k, x] of Object.entries(v) as Array<[F, number | null]>) {
      if (x === null || x === undefined || Number.isNaN(x)) continue;
      const e = this.sums.get(k) ?? { s: 0, n: 0 };
      e.s += x;
      e.n++;
      this.sums.set(k, e);
    }
    return done;
  }
  private flush(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [k, e] of this.sums) out[k] = Math.round((e.s / e.n) * 100) / 100;
    this.sums = new Map();
    return out;
  }
}

/**
 * Stream health (issue 14): once a second, a sample per live stream into its ring (bounded: RING_SAMPLES), the
 * checks (core/health/checks.ts), and 'changed' when a stream's verdict or advice changes. Per-minute averages
 * go to the store (health_minutes) for charts longer than the rings.
 */
export class HealthMonitor extends EventEmitter<{ changed: [{ stream: string; health: StreamHealth | null }] }> {
  private readonly tracked = new Map<string, Tracked>();
  readonly server = new SampleRing<ServerField>(SERVER_FIELDS, RING_SAMPLES);
  private serverMinute = new Minute<ServerField>();
  private timer: NodeJS.Timeout | null = null;
  private lastNet = { at: Date.now(), inBytes: 0, outBytes: 0 };
  private lastPrune = 0;

  constructor(private readonly deps: HealthDeps) {
    super();
  }

  start(): void {
    this.lastNet = { at: Date.now(), ...this.deps.net };
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracked.clear();
  }

  get(stream?: string): StreamHealth[] {
    return [...this.tracked.values()].filter((t) => !stream || t.stream.path === stream).map((t) => t.health);
  }

  history(stream: string, minutes: number): { stream: string; step_s: number; samples: HealthSample[]; server: ServerSample[] } {
    const since = Date.now() - minutes * 60_000;
    if (minutes <= 30) {
      const t = this.tracked.get(stream);
      return { stream, step_s: 1, samples: t ? (t.ring.since(since) as HealthSample[]) : [], server: this.server.since(since) as ServerSample[] };
    }
    const repo = this.repo();
    const fill = <T>(rows: Array<Record<string, number | null>>, fields: readonly string[]): T[] =>
      rows.map((r) => Object.fromEntries([['at', r.at], ...fields.map((f) => [f, r[f] ?? null])]) as T);
    return {
      stream, step_s: 60,
      samples: repo ? fill<HealthSample>(repo.since(stream, since), STREAM_FIELDS) : [],
      server: repo ? fill<ServerSample>(repo.since('', since), SERVER_FIELDS) : [],
    };
  }

  private repo(): HealthRepo | null {
    const db = this.deps.db();
    return db ? new HealthRepo(db) : null;
  }

  /** One sample and one evaluation (exposed for tests). */
  tick(now = Date.now()): void {
    let dests: Destination[] = [];
    try {
      dests = this.deps.destinations();
    } catch {
      // the store is not open: no destinations to weigh
    }
    const ladder = this.deps.ladder();
    const folder = this.deps.recordFolder();
    const free = diskFree(folder);
    const live = this.deps.registry.live();
    for (const s of live) this.sampleStream(s, now, dests, ladder, free);
    for (const [p, t] of this.tracked) {
      if (live.includes(t.stream)) continue;
      this.tracked.delete(p);
      this.emit('changed', { stream: p, health: null });
    }
    this.sampleServer(now, free);
    if (now - this.lastPrune > 3600_000) {
      this.lastPrune = now;
      this.safeStore((r) => r.prune(now));
    }
  }

  private sampleStream(s: Stream, now: number, dests: Destination[], ladder: LadderState[], free: number | null): void {
    const since = s.publishedAt?.getTime() ?? now;
    let t = this.tracked.get(s.path);
    if (!t || t.stream !== s || t.since !== since) {
      t = { stream: s, since, ring: new SampleRing(STREAM_FIELDS, RING_SAMPLES), sig: '', health: { stream: s.path, verdict: 'good', advice: null, list: [], at: now }, recordBytes: -1, minute: new Minute() };
      this.tracked.set(s.path, t);
    }
    const viewers: Record<string, number> = {};
    let recordBytes = 0;
    let recording = false;
    for (const x of s.allSubscribers()) {
      if (x.protocol === 'record') {
        recording = true;
        recordBytes += x.bytes;
      }
      if (!x.internal) viewers[x.protocol] = (viewers[x.protocol] ?? 0) + 1;
    }
    const feeding = dests.filter((d) => ('stream' in d.source ? d.source.stream === s.path : d.source.app === s.app) && (d.enabled || d.auto));
    const liveDests = feeding.filter((d) => d.status.state === 'live' && d.status.stream === s.path);
    const acked = liveDests.reduce((a, d) => a + d.status.ackedBitrate, 0);
    const bitrateIn = s.video.bitrate + s.audio.bitrate;
    const sample = {
      bitrate_in: bitrateIn, fps: s.video.rate, keyframe_s: s.timing.keyframeIntervalS, lag_ms: s.timing.lagMs,
      acked_bps: liveDests.length ? acked : null,
      v_rtmp: viewers.rtmp ?? 0, v_http: viewers.http ?? 0, v_ws: viewers.ws ?? 0, v_hls: viewers.hls ?? 0, v_dash: viewers.dash ?? 0,
    };
    t.ring.push(now, sample);
    const done = t.minute.add(now, sample);
    if (done) this.safeStore((r) => r.insert(s.path, done.at, done.data));
    const writeBps = recording && t.recordBytes >= 0 ? Math.max(0, (recordBytes - t.recordBytes) * 8) : 0;
    t.recordBytes = recording ? recordBytes : -1;
    const ackedHistory = t.ring.last('acked_bps', 30).filter((v) => v > 0);
    const facts: StreamFacts = {
      liveS: (now - since) / 1000,
      hasAudio: s.hasAudio,
      hasVideo: s.hasVideo,
      facebookDestination: feeding.some((d) => d.platform === 'facebook'),
      keyframeS: s.timing.keyframeIntervalS,
      lagMs: t.ring.last('lag_ms', 10),
      bitrates: t.ring.last('bitrate_in', 10),
      ladderSpeed: ladder.find((l) => l.source === s.path && l.state === 'running')?.speed ?? null,
      upload: liveDests.length && ackedHistory.length >= 10 ? { need: bitrateIn * liveDests.length, lo: Math.min(...ackedHistory), hi: Math.max(...ackedHistory) } : null,
      diskMinutes: recording && free !== null && writeBps > 0 ? free / (writeBps / 8) / 60 : null,
    };
    const list = runChecks(facts);
    const verdict = verdictOf(list);
    t.health = { stream: s.path, verdict, advice: list[0] ?? null, list, at: now };
    const sig = signature(verdict, list);
    if (sig !== t.sig) {
      t.sig = sig;
      this.emit('changed', { stream: s.path, health: t.health });
    }
  }

  private sampleServer(now: number, free: number | null): void {
    const dt = Math.max(0.001, (now - this.lastNet.at) / 1000);
    const net = this.deps.net;
    const sample = {
      cpu: Math.round((os.loadavg()[0] / Math.max(1, os.cpus().length)) * 100),
      mem_used: os.totalmem() - os.freemem(),
      net_in_bps: Math.max(0, ((net.inBytes - this.lastNet.inBytes) * 8) / dt),
      net_out_bps: Math.max(0, ((net.outBytes - this.lastNet.outBytes) * 8) / dt),
      disk_free: free,
    };
    this.lastNet = { at: now, inBytes: net.inBytes, outBytes: net.outBytes };
    this.server.push(now, sample);
    const done = this.serverMinute.add(now, sample);
    if (done) this.safeStore((r) => r.insert('', done.at, done.data));
  }

  private safeStore(fn: (r: HealthRepo) => void): void {
    try {
      const r = this.repo();
      if (r) fn(r);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'health samples not stored');
    }
  }
}

/** bytes free on the disk holding `folder` (its nearest existing parent), null when unknown */
function diskFree(folder: string): number | null {
  let dir = path.resolve(folder);
  while (!existsSync(dir)) {
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

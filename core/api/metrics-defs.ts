import type { Registry } from 'prom-client';
import type { RouteAccess } from '../auth/front';
import type { ServerContext } from '../context';
import type { StreamStats } from '../contract/stats';

export type StreamRow = { path: string; stats: StreamStats; gop: { packets: number; bytes: number } };

/** One scrape's view of the studio, taken once and read by every metric's collect(). */
export interface Snapshot {
  uptimeS: number;
  streams: StreamRow[];
  players: Map<string, number>;
  jobs: Map<string, number> | null;
  recordingsActive: number | null;
}

type Prom = typeof import('prom-client');
type Labels = Record<string, string>;

const num = (v: number): number => (Number.isFinite(v) ? v : 0);

/**
 * Our metric families on `registry`, each filled by its collect() from the scrape's snapshot. Names of the
 * first exporter are kept (onair_stream_live{stream="/live/cam"}, …): dashboards and tests read them.
 * Returns the HTTP histogram's observer.
 */
export function registerStudioMetrics(prom: Prom, registry: Registry, snap: () => Snapshot | null, ctx: ServerContext): (kind: RouteAccess, status: number, seconds: number) => void {
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (s: Snapshot, set: (l: Labels, v: number) => void) => void): void => {
    const g: import('prom-client').Gauge<string> = new prom.Gauge({
      name, help, labelNames, registers,
      collect() {
        g.reset();
        const s = snap();
        if (s) fill(s, (l, v) => g.set(l, num(v)));
      },
    });
  };
  const counter = (name: string, help: string, read: () => number): void => {
    const c: import('prom-client').Counter<string> = new prom.Counter({
      name, help, registers,
      collect() {
        c.reset();
        c.inc(Math.max(0, num(read())));
      },
    });
  };
  const perStream = (name: string, help: string, pick: (r: Snapshot['streams'][number]) => number): void =>
    gauge(name, help, ['stream'], (s, set) => {
      for (const r of s.streams) set({ stream: r.path }, pick(r));
    });

  gauge('onair_uptime_seconds', 'Seconds since the server started.', [], (s, set) => set({}, s.uptimeS));
  gauge('onair_process_resident_memory_bytes', 'Resident set size (also process_resident_memory_bytes).', [], (_s, set) => set({}, process.memoryUsage.rss()));
  counter('onair_net_received_bytes_total', 'Bytes received from publishers and players.', () => ctx.net.inBytes);
  counter('onair_net_sent_bytes_total', 'Bytes sent to players.', () => ctx.net.outBytes);
  gauge('onair_sessions', 'Open sessions by protocol.', ['protocol'], (_s, set) => {
    for (const p of ['rtmp', 'http', 'ws'] as const) set({ protocol: p }, ctx.sessions.countBy(p));
  });
  counter('onair_sessions_accepted_total', 'Sessions accepted since start.', () => ctx.sessions.accepted);
  gauge('onair_streams_live', 'Streams that have a publisher.', [], (s, set) => set({}, s.streams.filter((r) => r.stats.publisher).length));
  gauge('onair_players', 'Players (not internal subscribers) by protocol, all streams.', ['protocol'], (s, set) => {
    for (const [p, n] of s.players) set({ protocol: p }, n);
  });
  perStream('onair_stream_live', '1 while the stream has a publisher.', (r) => (r.stats.publisher ? 1 : 0));
  perStream('onair_stream_bitrate_in_bps', 'Publisher bitrate, bits per second.', (r) => r.stats.bitrateIn);
  perStream('onair_stream_bitrate_out_bps', 'Bitrate sent to all players, bits per second.', (r) => r.stats.bitrateOut);
  perStream('onair_stream_fps', 'Video frames per second received.', (r) => r.stats.fps);
  perStream('onair_stream_dropped_packets', 'Packets dropped for slow players (current players).', (r) => r.stats.dropped);
  perStream('onair_stream_gop_cache_packets', 'Packets held in the GOP cache (what a new player starts from).', (r) => r.gop.packets);
  perStream('onair_stream_gop_cache_bytes', 'Bytes held in the GOP cache.', (r) => r.gop.bytes);
  gauge('onair_stream_viewers', 'Players by protocol.', ['stream', 'protocol'], (s, set) => {
    for (const r of s.streams) for (const [p, n] of Object.entries(r.stats.viewers)) set({ stream: r.path, protocol: p }, n);
  });
  gauge('onair_jobs', 'Transcode jobs by status (counted up to 10000 per status).', ['status'], (s, set) => {
    for (const [st, n] of s.jobs ?? []) set({ status: st }, n);
  });
  gauge('onair_recordings_active', 'Recordings being written now.', [], (s, set) => {
    if (s.recordingsActive !== null) set({}, s.recordingsActive);
  });
  const http = new prom.Histogram({
    name: 'onair_http_request_duration_seconds',
    help: 'HTTP request duration by route kind (api, seed, media, public) and status class; media includes live FLV plays.',
    labelNames: ['kind', 'code'], registers,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  });
  return (kind, status, seconds) => http.observe({ kind, code: `${Math.floor(status / 100)}xx` }, seconds);
}

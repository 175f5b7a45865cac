import type { ServerContext } from '../context';
import { streamStats } from './stats';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition (version 0.0.4). */
export function prometheusMetrics(ctx: ServerContext, startedAt: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
      lines.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  const mem = process.memoryUsage();
  metric('onair_uptime_seconds', 'gauge', 'Seconds since the server started.', [[{}, Math.floor((Date.now() - startedAt) / 1000)]]);
  metric('onair_process_resident_memory_bytes', 'gauge', 'Resident set size.', [[{}, mem.rss]]);
  metric('onair_net_received_bytes_total', 'counter', 'Bytes received from publishers and players.', [[{}, ctx.net.inBytes]]);
  metric('onair_net_sent_bytes_total', 'counter', 'Bytes sent to players.', [[{}, ctx.net.outBytes]]);
  metric('onair_sessions', 'gauge', 'Open sessions by protocol.', (['rtmp', 'http', 'ws'] as const).map((k) => [{ protocol: k }, ctx.sessions.countBy(k)]));
  metric('onair_sessions_accepted_total', 'counter', 'Sessions accepted since start.', [[{}, ctx.sessions.accepted]]);
  const streams = ctx.registry.list().map((s) => ({ s, st: streamStats(s) }));
  metric('onair_stream_live', 'gauge', '1 while the stream has a publisher.', streams.map(({ s, st }) => [{ stream: s.path }, st.publisher ? 1 : 0]));
  metric('onair_stream_bitrate_in_bps', 'gauge', 'Publisher bitrate, bits per second.', streams.map(({ s, st }) => [{ stream: s.path }, st.bitrateIn]));
  metric('onair_stream_bitrate_out_bps', 'gauge', 'Bitrate sent to all players, bits per second.', streams.map(({ s, st }) => [{ stream: s.path }, st.bitrateOut]));
  metric('onair_stream_fps', 'gauge', 'Video frames per second received.', streams.map(({ s, st }) => [{ stream: s.path }, st.fps]));
  metric('onair_stream_dropped_packets', 'gauge', 'Packets dropped for slow players (current players).', streams.map(({ s, st }) => [{ stream: s.path }, st.dropped]));
  const viewerSamples: Array<[Record<string, string>, number]> = [];
  for (const { s, st } of streams) for (const [p, n] of Object.entries(st.viewers)) viewerSamples.push([{ stream: s.path, protocol: p }, n]);
  metric('onair_stream_viewers', 'gauge', 'Players by protocol.', viewerSamples);
  return lines.join('\n') + '\n';
}

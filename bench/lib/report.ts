/** The fan-out table, the rtmp.flush_ms curve and the targets. */
import type { CellResult } from './cell';
import { fmt, markdownTable } from './stats';

const flushLabel = (r: CellResult): string => (r.server === 'onair' ? String(r.flushMs) : '—');

export function resultTable(rows: CellResult[]): string {
  const head = [
    'server', 'proto', 'N', 'flush ms', 'server CPU %', 'writes/s/player', 'RSS peak MB', 'RSS avg MB', '1st key p50 ms', '1st key p95 ms', 'late join p50 ms',
    'jitter p95 ms', 'frames/player', 'no keyframe', 'ended early', 'loadgen CPU %', 'host busy %',
  ];
  const body = rows.map((r) => [
    r.server, r.protocol, String(r.players), flushLabel(r), fmt(r.cpuPct), fmt(r.writesPerPlayer), fmt(r.rssPeakMb), fmt(r.rssAvgMb), fmt(r.ttfkP50), fmt(r.ttfkP95), fmt(r.joinP50),
    fmt(r.jitterP95), fmt(r.framesAvg), String(r.noKeyframe), String(r.closedEarly), fmt(r.loadCpuPct), fmt(r.hostBusyPct),
  ]);
  return markdownTable(head, body);
}

/** The rtmp.flush_ms curve at N players: each OnAir RTMP flush next to NMS (and HTTP-FLV at flush 0). */
export function curveTable(rows: CellResult[], players: number): string {
  const at = rows.filter((r) => r.players === players);
  const nms = (proto: string): CellResult | undefined => at.find((r) => r.server === 'nms' && r.protocol === proto);
  const head = ['player', 'flush_ms', 'CPU %', '× NMS CPU', 'jitter p95 ms', 'RSS peak MB', '× NMS RSS', 'writes/s/player'];
  const line = (label: string, r: CellResult, n: CellResult | undefined): string[] => [
    label, r.server === 'onair' ? String(r.flushMs) : '(10 msgs)', fmt(r.cpuPct), n && r !== n ? fmt(r.cpuPct / n.cpuPct, 2) : '—',
    fmt(r.jitterP95), fmt(r.rssPeakMb), n && r !== n ? fmt(r.rssPeakMb / n.rssPeakMb, 2) : '—', fmt(r.writesPerPlayer),
  ];
  const body: string[][] = [];
  for (const proto of ['rtmp', 'http'] as const) {
    const n = nms(proto);
    const label = proto === 'rtmp' ? 'RTMP' : 'HTTP-FLV';
    for (const r of at.filter((x) => x.server === 'onair' && x.protocol === proto).sort((a, b) => a.flushMs - b.flushMs)) body.push(line(`OnAir ${label}`, r, n));
    if (n) body.push(line(`NMS ${label}`, n, undefined));
  }
  return markdownTable(head, body);
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL';
}

/**
 * Issue 10's targets at 500 players (or the largest N run), RTMP: CPU ≤ 1.4× NMS at flush_ms 0 with jitter p95 ≤ 40 ms;
 * CPU ≤ 1.0× NMS at the flush that gives NMS's jitter (the flush whose jitter p95 is closest to NMS's);
 * RSS ≤ 1.1× NMS. HTTP-FLV (flush 0): CPU ≤ 1.0× NMS, jitter p95 ≤ 40 ms, RSS ≤ 1.1× NMS.
 */
export function targetLines(rows: CellResult[]): string[] {
  const ours = rows.filter((r) => r.server === 'onair');
  if (ours.length === 0) return ['targets: OnAir was not run'];
  const maxN = Math.max(...ours.map((r) => r.players));
  const atN = maxN === 500 ? 'at 500 players' : `at N=${maxN} (the targets are stated at 500)`;
  const lines: string[] = [];
  for (const proto of [...new Set(ours.map((r) => r.protocol))]) {
    const mine = ours.filter((r) => r.protocol === proto && r.players === maxN).sort((a, b) => a.flushMs - b.flushMs);
    const n = rows.find((r) => r.server === 'nms' && r.protocol === proto && r.players === maxN);
    const o = mine.find((r) => r.flushMs === 0) ?? mine[0];
    if (!o) continue;
    const ratio = n ? o.cpuPct / n.cpuPct : Number.NaN;
    const cpuMax = proto === 'rtmp' ? 1.4 : 1.0;
    lines.push(`- ${proto} flush ${o.flushMs}: CPU ≤ ${cpuMax.toFixed(1)}× NMS ${atN}: ${fmt(o.cpuPct)} % vs ${n ? fmt(n.cpuPct) : '—'} % = ${fmt(ratio, 2)}× → ${verdict(n ? ratio <= cpuMax : null)}`);
    lines.push(`- ${proto} flush ${o.flushMs}: jitter p95 ≤ 40 ms: ${fmt(o.jitterP95)} ms → ${verdict(o.jitterP95 <= 40)}`);
    const rss = n ? o.rssPeakMb / n.rssPeakMb : Number.NaN;
    lines.push(`- ${proto} flush ${o.flushMs}: RSS ≤ 1.1× NMS ${atN}: peak ${fmt(o.rssPeakMb)} MB vs ${n ? fmt(n.rssPeakMb) : '—'} MB = ${fmt(rss, 2)}× → ${verdict(n ? rss <= 1.1 : null)}`);
    if (proto === 'rtmp' && n && mine.length > 1) {
      const measured = mine.filter((r) => Number.isFinite(r.jitterP95));
      const f = measured.sort((a, b) => Math.abs(a.jitterP95 - n.jitterP95) - Math.abs(b.jitterP95 - n.jitterP95))[0];
      if (!f) lines.push(`- rtmp: no flush_ms in the curve was measured → n/a`);
      else {
        const fr = f.cpuPct / n.cpuPct;
        lines.push(`- rtmp flush ${f.flushMs} (jitter p95 ${fmt(f.jitterP95)} ms, the closest to NMS's ${fmt(n.jitterP95)} ms): CPU ≤ 1.0× NMS: ${fmt(f.cpuPct)} % = ${fmt(fr, 2)}× → ${verdict(fr <= 1.0)}`);
      }
    }
    const worstKey = Math.max(...ours.filter((r) => r.protocol === proto && r.flushMs === o.flushMs).map((r) => r.ttfkP50));
    lines.push(`- ${proto} flush ${o.flushMs}: first keyframe p50 ≤ 10 ms (worst N): ${fmt(worstKey)} ms → ${verdict(worstKey <= 10)}`);
  }
  return lines;
}

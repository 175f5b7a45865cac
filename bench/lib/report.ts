/** The fan-out table and the targets. */
import type { CellResult } from './cell';
import { fmt, markdownTable } from './stats';

export function resultTable(rows: CellResult[]): string {
  const head = [
    'server', 'proto', 'N', 'server CPU %', 'RSS peak MB', 'RSS avg MB', '1st key p50 ms', '1st key p95 ms', 'late join p50 ms',
    'jitter p95 ms', 'frames/player', 'no keyframe', 'ended early', 'loadgen CPU %', 'host busy %',
  ];
  const body = rows.map((r) => [
    r.server, r.protocol, String(r.players), fmt(r.cpuPct), fmt(r.rssPeakMb), fmt(r.rssAvgMb), fmt(r.ttfkP50), fmt(r.ttfkP95), fmt(r.joinP50),
    fmt(r.jitterP95), fmt(r.framesAvg), String(r.noKeyframe), String(r.closedEarly), fmt(r.loadCpuPct), fmt(r.hostBusyPct),
  ]);
  return markdownTable(head, body);
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL';
}

/** Targets for OnAir: CPU <= 1.0x NMS and RSS <= 60 MB at 500 players (or the largest N run); jitter p95 <= 40 ms and first keyframe p50 <= 10 ms everywhere. */
export function targetLines(rows: CellResult[]): string[] {
  const ours = rows.filter((r) => r.server === 'onair');
  if (ours.length === 0) return ['targets: OnAir was not run'];
  const maxN = Math.max(...ours.map((r) => r.players));
  const atN = maxN === 500 ? 'at 500 players' : `at N=${maxN} (the targets are stated at 500)`;
  const lines: string[] = [];
  for (const proto of [...new Set(ours.map((r) => r.protocol))]) {
    const o = ours.find((r) => r.protocol === proto && r.players === maxN);
    const n = rows.find((r) => r.server === 'nms' && r.protocol === proto && r.players === maxN);
    if (!o) continue;
    const ratio = n ? o.cpuPct / n.cpuPct : Number.NaN;
    lines.push(`- ${proto}: CPU ≤ 1.0× NMS ${atN}: ${fmt(o.cpuPct)} % vs ${n ? fmt(n.cpuPct) : '—'} % = ${fmt(ratio, 2)}× → ${verdict(n ? ratio <= 1.0 : null)}`);
    lines.push(`- ${proto}: RSS ≤ 60 MB ${atN}: peak ${fmt(o.rssPeakMb)} MB → ${verdict(o.rssPeakMb <= 60)}`);
    const mine = ours.filter((r) => r.protocol === proto);
    const worstJitter = Math.max(...mine.map((r) => r.jitterP95));
    const worstKey = Math.max(...mine.map((r) => r.ttfkP50));
    lines.push(`- ${proto}: jitter p95 ≤ 40 ms (worst N): ${fmt(worstJitter)} ms → ${verdict(worstJitter <= 40)}`);
    lines.push(`- ${proto}: first keyframe p50 ≤ 10 ms (worst N): ${fmt(worstKey)} ms → ${verdict(worstKey <= 10)}`);
  }
  return lines;
}

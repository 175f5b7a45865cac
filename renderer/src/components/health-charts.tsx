import { useEffect, useRef, useState } from 'react';
import type { HealthSample } from '../../../core/contract';
import { client } from '../client/client';
import { useT } from '../i18n';
import { formatBitrate } from '../lib/format';
import type { Sample } from '../stores/streams';
import { LiveChart } from './live-chart';

const SPAN_MS = 30 * 60_000;
const REFRESH_MS = 5000;
export type Series = { label: string; values: Array<[number, number | null]>; format: (v: number) => string; testId: string };

/** One line over the last 30 minutes on a canvas, its newest value in the caption. */
export function SeriesChart({ s }: { s: Series }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const pts = s.values.filter((p): p is [number, number] => p[1] !== null);
  const last = pts[pts.length - 1];
  useEffect(() => {
    const c = ref.current;
    const g = c?.getContext('2d');
    if (!c || !g || pts.length < 2) return;
    const w = (c.width = c.clientWidth || 300);
    const h = (c.height = c.clientHeight || 48);
    g.clearRect(0, 0, w, h);
    const now = pts[pts.length - 1][0];
    const span = Math.min(SPAN_MS, Math.max(60_000, now - pts[0][0]));
    const max = Math.max(1e-9, ...pts.map((p) => p[1])) * 1.15;
    g.strokeStyle = getComputedStyle(c).getPropertyValue('--chart-bitrate').trim() || '#4f8cff';
    g.lineWidth = 1.5;
    g.beginPath();
    pts.forEach(([t, v], i) => {
      const x = w - ((now - t) / span) * w;
      const y = h - 2 - (v / max) * (h - 4);
      if (i) g.lineTo(x, y);
      else g.moveTo(x, y);
    });
    g.stroke();
  });
  return (
    <figure className="chart" data-testid={s.testId}>
      <figcaption className="chart-legend">
        <span className="key">
          {s.label} {last ? s.format(last[1]) : '—'}
        </span>
      </figcaption>
      <canvas ref={ref} role="img" aria-label={s.label} style={{ height: 48, width: '100%' }} className="chart-canvas" />
    </figure>
  );
}

/** The Stream detail's 30-minute charts (health.history, refreshed every 5 s). */
export function HealthCharts({ path }: { path: string }) {
  const t = useT();
  const [samples, setSamples] = useState<HealthSample[]>([]);
  useEffect(() => {
    let on = true;
    const load = (): void => {
      client()
        .call('health.history', { stream: path, minutes: 30 })
        .then((r) => on && setSamples(r.samples), () => undefined);
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      on = false;
      clearInterval(timer);
    };
  }, [path]);
  const col = (f: (s: HealthSample) => number | null): Array<[number, number | null]> => samples.map((s) => [s.at, f(s)]);
  const viewers = (s: HealthSample): number => (s.v_rtmp ?? 0) + (s.v_http ?? 0) + (s.v_ws ?? 0) + (s.v_hls ?? 0) + (s.v_dash ?? 0);
  const rates: Sample[] = samples.map((s) => ({ t: s.at, bin: s.bitrate_in ?? 0, bout: 0, fps: Math.round((s.fps ?? 0) * 10) / 10 }));
  const series: Series[] = [
    { label: t('shealth.chart.keyframe'), values: col((s) => s.keyframe_s), format: (v) => `${v.toFixed(1)} s`, testId: 'chart-keyframe' },
    { label: t('shealth.chart.lag'), values: col((s) => s.lag_ms), format: (v) => `${Math.round(v)} ms`, testId: 'chart-lag' },
    { label: t('shealth.chart.viewers'), values: col(viewers), format: (v) => String(Math.round(v)), testId: 'chart-viewers' },
  ];
  if (samples.some((s) => s.acked_bps !== null)) series.push({ label: t('shealth.chart.acked'), values: col((s) => s.acked_bps), format: formatBitrate, testId: 'chart-acked' });
  return (
    <section className="card" aria-labelledby="health-charts-title" data-testid="health-charts">
      <h3 id="health-charts-title" className="card-title">
        {t('shealth.charts')}
      </h3>
      {samples.length === 0 ? (
        <p className="muted">{t('shealth.chart.empty')}</p>
      ) : (
        <div className="stack">
          <LiveChart samples={rates} height={80} spanMs={SPAN_MS} />
          {series.map((s) => (
            <SeriesChart key={s.testId} s={s} />
          ))}
        </div>
      )}
    </section>
  );
}

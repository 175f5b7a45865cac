import { useEffect, useRef } from 'react';
import { useT } from '../i18n';
import { formatBitrate } from '../lib/format';
import { HISTORY_MS, type Sample } from '../stores/streams';
import { usePrefs } from '../stores/prefs';

interface Props {
  samples: Sample[];
  height?: number;
  /** show the legend with current values */
  legend?: boolean;
  /** the longest window drawn (default the 5-minute tile history; the health charts pass 30 minutes) */
  spanMs?: number;
}

function css(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

function draw(canvas: HTMLCanvasElement, samples: Sample[], maxSpan = HISTORY_MS): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (!w || !h) return;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const grid = css(canvas, '--chart-grid', '#8884');
  const lineIn = css(canvas, '--chart-bitrate', '#4f8cff');
  const lineFps = css(canvas, '--chart-fps', '#f5a524');
  g.strokeStyle = grid;
  g.lineWidth = 1;
  for (let i = 1; i < 4; i++) {
    const y = Math.round((h * i) / 4) + 0.5;
    g.beginPath();
    g.moveTo(0, y);
    g.lineTo(w, y);
    g.stroke();
  }
  if (samples.length < 2) return;
  const now = samples[samples.length - 1].t;
  // the window grows with the history, from 1 minute up to 5
  const span = Math.min(maxSpan, Math.max(60_000, now - samples[0].t));
  const x = (t: number): number => w - ((now - t) / span) * w;
  const maxIn = Math.max(1, ...samples.map((s) => s.bin)) * 1.15;
  const maxFps = Math.max(30, ...samples.map((s) => s.fps)) * 1.15;
  const pad = 2;
  const yIn = (v: number): number => h - pad - (v / maxIn) * (h - 2 * pad);
  const yFps = (v: number): number => h - pad - (v / maxFps) * (h - 2 * pad);

  g.beginPath();
  samples.forEach((s, i) => (i ? g.lineTo(x(s.t), yIn(s.bin)) : g.moveTo(x(s.t), yIn(s.bin))));
  g.lineTo(x(now), h);
  g.lineTo(x(samples[0].t), h);
  g.closePath();
  g.globalAlpha = 0.18;
  g.fillStyle = lineIn;
  g.fill();
  g.globalAlpha = 1;

  g.beginPath();
  samples.forEach((s, i) => (i ? g.lineTo(x(s.t), yIn(s.bin)) : g.moveTo(x(s.t), yIn(s.bin))));
  g.strokeStyle = lineIn;
  g.lineWidth = 1.5;
  g.stroke();

  g.beginPath();
  samples.forEach((s, i) => (i ? g.lineTo(x(s.t), yFps(s.fps)) : g.moveTo(x(s.t), yFps(s.fps))));
  g.strokeStyle = lineFps;
  g.lineWidth = 1.25;
  g.setLineDash([4, 3]);
  g.stroke();
  g.setLineDash([]);
}

/** Bitrate (filled) and fps (dashed) over the last 5 minutes, drawn on a canvas. */
export function LiveChart({ samples, height = 56, legend = true, spanMs }: Props) {
  const t = useT();
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = usePrefs((s) => s.theme);
  const last = samples[samples.length - 1];

  useEffect(() => {
    const c = ref.current;
    if (c) draw(c, samples, spanMs);
  }, [samples, theme, spanMs]);

  useEffect(() => {
    const c = ref.current;
    if (!c || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => draw(c, samples, spanMs));
    ro.observe(c);
    return () => ro.disconnect();
  }, [samples, spanMs]);

  const summary = last ? `${t('chart.label')}: ${formatBitrate(last.bin)}, ${last.fps} fps` : t('chart.label');
  return (
    <figure className="chart">
      {legend && (
        <figcaption className="chart-legend">
          <span className="key key-bitrate">{t('chart.bitrate')} {last ? formatBitrate(last.bin) : '—'}</span>
          <span className="key key-fps">{t('chart.fps')} {last ? last.fps : '—'}</span>
        </figcaption>
      )}
      <canvas ref={ref} role="img" aria-label={summary} style={{ height }} className="chart-canvas" />
    </figure>
  );
}

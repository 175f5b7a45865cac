import type { Translate } from '../i18n';

export function formatBitrate(bps: number): string {
  if (!Number.isFinite(bps) || bps <= 0) return '0 kb/s';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gb/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e7 ? 1 : 2)} Mb/s`;
  return `${Math.round(bps / 1e3)} kb/s`;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number, t: Translate): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('time.s', { n: s });
  if (s < 3600) return t('time.m', { m: Math.floor(s / 60), s: s % 60 });
  if (s < 86400) return t('time.h', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('time.d', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function levelName(n: number): string {
  return LEVELS[n] ?? String(n);
}

/** "H264 High 3.1" */
export function videoLabel(v: { codec: string; profile: string; level: number } | null | undefined): string {
  if (!v) return '—';
  return [v.codec, v.profile, v.level ? String(v.level) : ''].filter(Boolean).join(' ');
}

export function audioLabel(a: { codec: string; profile: string; samplerate: number; channels: number } | null | undefined): string {
  if (!a) return '—';
  const ch = a.channels === 1 ? 'mono' : a.channels === 2 ? 'stereo' : `${a.channels} ch`;
  return [a.codec, a.profile, a.samplerate ? `${a.samplerate / 1000} kHz` : '', ch].filter(Boolean).join(' · ');
}

/**
 * The host this panel reaches the studio by: the page's own in a browser; inside the desktop app the
 * address the core listens on (127.0.0.1 when it listens on every interface).
 */
export function mediaHost(embedded: boolean, boundHost: string | undefined): string {
  if (!embedded) return window.location.hostname;
  if (!boundHost || boundHost === '0.0.0.0' || boundHost === '::') return '127.0.0.1';
  return boundHost;
}

import { client } from '../client/client';
import { useServer } from '../stores/server';
import { mediaHost } from './format';

/**
 * Where this panel fetches media and /api files from: the page's own origin in a browser; inside the
 * desktop app the core's HTTP listener (null until its port is known).
 */
export function useMediaBase(): string | null {
  const ports = useServer((s) => s.status?.ports);
  if (!client().embedded) return window.location.origin;
  if (!ports) return null;
  return `http://${mediaHost(true, ports.host)}:${ports.http}`;
}

/**
 * An absolute URL for a path on the core; /api paths and media outputs (/YYYY/MM/DD/…, signed when auth.play
 * is on) carry the panel token as ?token= when the gate is on.
 */
export function mediaUrl(base: string, path: string, token: string | null): string {
  const u = new URL(path, base);
  if (token && (u.pathname.startsWith('/api/') || /^\/\d{4}\/\d{2}\/\d{2}\//.test(u.pathname)) && !u.searchParams.has('sign')) u.searchParams.set('token', token);
  return u.toString();
}

/** `mediaUrl` bound to this panel's base and token; null until the base is known. */
export function useMediaUrl(): ((path: string) => string) | null {
  const base = useMediaBase();
  const token = useServer((s) => s.panelToken);
  return base ? (path: string) => mediaUrl(base, path, token) : null;
}

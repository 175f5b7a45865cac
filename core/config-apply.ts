import type { OnAirConfig } from './config';
import { OnAirError } from './errors';

export type ListenerName = 'rtmp' | 'http' | 'https';

export interface ListenInfo {
  rtmp: number;
  http: number;
  https: number | null;
  /** RTMPS ingest port (not moved by a config change: it stays as started until a restart) */
  rtmps: number | null;
  host: string;
}

/** What moving listeners needs from the RTMP server and the HTTP front. */
export interface MovableListeners {
  rtmp: { rebind(port: number, host: string): Promise<number> };
  http: {
    rebind(kind: 'http' | 'https', port: number, host: string, keyFile?: string, certFile?: string): Promise<number>;
    closeListener(kind: 'http' | 'https'): Promise<void>;
  };
}

/** A listener that could not be moved; `field` names the setting to blame ("http.port", "https.cert"). */
export class ListenerApplyError extends OnAirError {
  constructor(readonly listener: ListenerName, override readonly field: string, message: string, cause?: unknown) {
    super('IO', message, cause);
  }
}

function hostOf(c: OnAirConfig, l: ListenerName): string {
  if (l === 'https') return c.https?.host ?? c.host;
  return c[l].host ?? c.host;
}

function reason(l: ListenerName, port: number, host: string, e: unknown): ListenerApplyError {
  const err = e as NodeJS.ErrnoException;
  const label = l.toUpperCase();
  if (err.code === 'EADDRINUSE') return new ListenerApplyError(l, `${l}.port`, `${label} port ${port} on ${host} is already in use`, e);
  if (err.code === 'EACCES') return new ListenerApplyError(l, `${l}.port`, `${label} port ${port} needs more privileges than this process has`, e);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new ListenerApplyError(l, 'host', `${host} is not an address of this machine`, e);
  if (err instanceof OnAirError && err.code === 'CONFIG') return new ListenerApplyError(l, 'https.cert', err.message, e);
  return new ListenerApplyError(l, `${l}.port`, `${label} cannot listen on ${host}:${port}: ${err.message}`, e);
}

/**
 * Move the listeners whose port/host (or certificate) differ between `prev` and `next`. Listeners are
 * moved one at a time; if one fails, those already moved go back to where they were and a
 * ListenerApplyError with the reason is thrown, so the previous config stays in force.
 */
export async function moveListeners(prev: OnAirConfig, next: OnAirConfig, now: ListenInfo, l: MovableListeners): Promise<{ ports: ListenInfo; restarted: ListenerName[] }> {
  const ports: ListenInfo = { ...now, host: next.host };
  const restarted: ListenerName[] = [];
  const undo: Array<() => Promise<unknown>> = [];
  const run = async (name: ListenerName, port: number, host: string, fn: () => Promise<number>): Promise<number> => {
    try {
      return await fn();
    } catch (e) {
      for (const u of undo.reverse()) await u().catch(() => undefined);
      throw reason(name, port, host, e);
    }
  };

  const rHost = hostOf(next, 'rtmp');
  if (next.rtmp.port !== prev.rtmp.port || rHost !== hostOf(prev, 'rtmp')) {
    ports.rtmp = await run('rtmp', next.rtmp.port, rHost, () => l.rtmp.rebind(next.rtmp.port, rHost));
    undo.push(() => l.rtmp.rebind(now.rtmp, hostOf(prev, 'rtmp')));
    restarted.push('rtmp');
  }
  const hHost = hostOf(next, 'http');
  if (next.http.port !== prev.http.port || hHost !== hostOf(prev, 'http')) {
    ports.http = await run('http', next.http.port, hHost, () => l.http.rebind('http', next.http.port, hHost));
    undo.push(() => l.http.rebind('http', now.http, hostOf(prev, 'http')));
    restarted.push('http');
  }
  const a = prev.https;
  const b = next.https;
  const sHost = hostOf(next, 'https');
  if (b && (!a || a.port !== b.port || a.key !== b.key || a.cert !== b.cert || hostOf(prev, 'https') !== sHost)) {
    ports.https = await run('https', b.port, sHost, () => l.http.rebind('https', b.port, sHost, b.key, b.cert));
    restarted.push('https');
  } else if (a && !b) {
    await l.http.closeListener('https');
    ports.https = null;
    restarted.push('https');
  }
  return { ports, restarted };
}

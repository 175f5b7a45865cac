/**
 * Where an RTMP client connects: an rtmp:// or rtmps:// URL split into host, port, app and stream name, and
 * the socket factory that opens the byte stream (plain TCP here; TLS for rtmps, or anything a caller brings).
 */
import net from 'node:net';
import tls from 'node:tls';
import { OnAirError } from '../errors';

export interface RtmpTarget {
  secure: boolean;
  host: string;
  port: number;
  /** the application, with any "?query" it carried (e.g. "live" or "live2?key=x") */
  app: string;
  /** the stream name after the app, with its query ("" when the URL names only the app) */
  name: string;
  /** rtmp(s)://host:port/app, as sent in connect's tcUrl */
  tcUrl: string;
}

/** Opens a connected byte stream to the target (resolve once bytes can flow). */
export type SocketFactory = (t: RtmpTarget) => Promise<net.Socket>;

/**
 * "rtmp://host[:port]/app[/name…]": the first path segment is the app, the rest the stream name
 * (YouTube/Twitch style "rtmp://a.rtmp.youtube.com/live2/KEY"). An "app/inst" app can be given with `appSegments`.
 */
export function parseRtmpUrl(url: string, appSegments = 1): RtmpTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OnAirError('VALIDATION', 'not a valid RTMP URL');
  }
  const secure = u.protocol === 'rtmps:';
  if (!secure && u.protocol !== 'rtmp:') throw new OnAirError('VALIDATION', `unsupported scheme ${u.protocol} (rtmp: or rtmps:)`);
  if (!u.hostname) throw new OnAirError('VALIDATION', 'RTMP URL without a host');
  const port = u.port ? Number(u.port) : secure ? 443 : 1935;
  const parts = u.pathname.replace(/^\/+/, '').split('/');
  let app = decodeURIComponent(parts.slice(0, appSegments).join('/'));
  if (!app) throw new OnAirError('VALIDATION', 'RTMP URL without an app');
  const rest = parts.slice(appSegments).map(decodeURIComponent).join('/');
  // the query belongs to the stream name, or to the app when the URL names no stream
  const name = rest ? rest + u.search : '';
  if (!rest) app += u.search;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { secure, host, port, app, name, tcUrl: `${u.protocol}//${hostPart}:${port}/${app}` };
}

function whenReady(s: net.Socket, event: 'connect' | 'secureConnect', timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new OnAirError('IO', `RTMP connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once(event, () => {
      clearTimeout(timer);
      s.off('error', onError);
      resolve(s);
    });
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(new OnAirError('IO', `RTMP connect failed: ${e.message}`, e));
    };
    s.once('error', onError);
  });
}

/**
 * TCP for rtmp://, TLS for rtmps:// (the certificate is checked against the host; `tlsOptions` can add a
 * private CA, a client certificate…).
 */
export function defaultSocketFactory(timeoutMs = 10_000, tlsOptions: tls.ConnectionOptions = {}): SocketFactory {
  return (t) =>
    t.secure
      ? whenReady(tls.connect({ ...tlsOptions, host: t.host, port: t.port, servername: net.isIP(t.host) ? undefined : t.host }), 'secureConnect', timeoutMs)
      : whenReady(net.connect({ host: t.host, port: t.port }), 'connect', timeoutMs);
}

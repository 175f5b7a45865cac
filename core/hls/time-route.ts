import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Router } from '../http/router';

/** The path of our clock (outside /api, which is behind the API gate): DASH <UTCTiming> points here. */
export const TIME_PATH = '/time';

/** Absolute URL of TIME_PATH as the client reached us (dash.js fetches UTCTiming values as given). */
export function timeUrl(req: IncomingMessage): string {
  const tls = (req.socket as TLSSocket).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}${TIME_PATH}`;
}

/** GET /time: the server's wall clock as ISO 8601 text (urn:mpeg:dash:utc:http-iso:2014), CORS like media. */
export function addTimeRoute(router: Router): void {
  router.add('GET', TIME_PATH, (_req: IncomingMessage, res: ServerResponse) => {
    const body = new Date().toISOString();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache, no-store' });
    res.end(body);
  }, 'media');
}

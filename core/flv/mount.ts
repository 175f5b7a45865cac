import type { ServerContext } from '../context';
import type { HttpFront } from '../http/server';
import { sendError } from '../http/util';
import { serveHttpFlv } from './http-flv';
import { parseFlvUrl } from './play-gate';
import { WsFlv } from './ws-flv';

const FLV_PATH = /^\/[^/]+\/[^/]+\.flv$/;

/** Mount HTTP-FLV (GET/HEAD /app/name.flv) and WS-FLV (the same path upgraded) on the HTTP front. */
export function mountFlv(http: HttpFront, ctx: ServerContext): void {
  http.router.add('GET', String.raw`/:app/:file([^/]+\.flv)`, (req, res, _p, url) => {
    const target = parseFlvUrl(url.pathname, url.searchParams);
    if (!target || target === 'invalid') return sendError(res, 400, 'BAD_STREAM_PATH', 'app and stream names must be letters, digits, _ - .');
    const cors: Record<string, string> = {};
    for (const k of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers', 'vary']) {
      const v = res.getHeader(k);
      if (typeof v === 'string') cors[k] = v;
    }
    return serveHttpFlv(ctx, req, res, target, cors);
  }, 'media');
  const ws = new WsFlv(ctx);
  http.onUpgrade({
    match: (url) => FLV_PATH.test(url.pathname),
    access: 'media',
    handle(req, socket, head, url) {
      const target = parseFlvUrl(url.pathname, url.searchParams);
      if (!target || target === 'invalid') {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      ws.upgrade(req, socket, head, target).catch((e: unknown) => {
        ctx.log.error({ err: e }, 'ws-flv upgrade failed');
        socket.destroy();
      });
    },
    close: () => ws.close(),
  });
}

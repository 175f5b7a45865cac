import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import type { OnAirConfig } from '../config';
import { sameOrigin } from '../auth/front';
import type { HttpFront } from '../http/server';
import { clientIp, rawHttpError, sendError } from '../http/util';
import { Windows } from './chat-guards';

export const SOCKET_PATH = '/socket.io';
/** socket.io's own client bundles, served like the socket.io server does (serveClient) */
const CLIENT_FILES = String.raw`socket\.io(?:\.min|\.msgpack\.min|\.esm\.min)?\.js(?:\.map)?`;
/** largest socket.io packet accepted (a comment is at most 500 characters) */
export const MAX_PACKET = 16 * 1024;

/**
 * The real socket.io server (so a seed-002 client connects unchanged), mounted on the studio's HTTP front
 * instead of attached to a listener: the front routes `/socket.io/` requests (polling) and upgrades
 * (WebSocket) here after its Host check (421 for a foreign Host, like every request), on every listener
 * (HTTP and HTTPS, and across rebinds). No API token: the chat is public (the watch page's viewers).
 *
 * Origin policy: a request without Origin (a seed app, a Node client) or from our own pages is let in; a
 * browser page on another origin is let in when `http.allow_origin` allows it (like media CORS: "*" by
 * default), else 403. Nothing here carries cookies or credentials, so a foreign page gains nothing it could
 * not get by connecting itself; the bounds below are what protect the chat.
 *
 * Bounds at the door: packets ≤ 16 KB, new connections per address per minute (`chat.connects_per_minute`)
 * and open ones per address (`chat.sockets_per_address`); both refused with 403 before a session exists.
 */
export class SocketServer {
  readonly io: Server;
  /** engine.io is attached to this server, which never listens: the front hands it requests and upgrades */
  private readonly inner = http.createServer();
  private readonly connects = new Windows();
  private readonly open = new Map<string, number>();
  private readonly pruner: NodeJS.Timeout;

  constructor(private readonly config: () => OnAirConfig) {
    this.io = new Server({
      path: SOCKET_PATH,
      serveClient: true,
      maxHttpBufferSize: MAX_PACKET,
      // seed-002 apps (egg-socket.io era) speak Engine.IO v3
      allowEIO3: true,
      connectTimeout: 10_000,
      pingInterval: 20_000,
      pingTimeout: 20_000,
      allowRequest: (req, fn) => {
        const why = this.admit(req);
        fn(why, why === null);
      },
    });
    this.io.attach(this.inner);
    this.io.engine.on('connection', (s: { request: http.IncomingMessage; once(e: 'close', fn: () => void): void }) => {
      const ip = clientIp(s.request);
      this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
      s.once('close', () => {
        const left = (this.open.get(ip) ?? 1) - 1;
        if (left <= 0) this.open.delete(ip);
        else this.open.set(ip, left);
      });
    });
    this.pruner = setInterval(() => this.connects.prune(60_000), 30_000);
    this.pruner.unref();
  }

  /** null to let a new session in, else why not */
  private admit(req: http.IncomingMessage): string | null {
    const c = this.config().chat;
    const ip = clientIp(req);
    if ((this.open.get(ip) ?? 0) >= c.sockets_per_address) return `too many chat connections from this address (at most ${c.sockets_per_address})`;
    if (!this.connects.take(ip, c.connects_per_minute, 60_000)) return `too many chat connections from this address; at most ${c.connects_per_minute} a minute`;
    return null;
  }

  /** the Origin policy above */
  originOk(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (sameOrigin(req.headers, 'encrypted' in req.socket)) return true;
    const allowed = this.config().http.allow_origin;
    return allowed === '*' || allowed.split(/\s*,\s*/).includes(origin);
  }

  mount(front: HttpFront): void {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (!this.originOk(req)) return sendError(res, 403, 'ORIGIN_REFUSED', 'chat connections from this web page are refused (see http.allow_origin)');
      // engine.io (and socket.io's client files) listen on the inner server
      this.inner.emit('request', req, res);
    };
    // 'media': the front checks Host only and adds the media CORS headers (http.allow_origin); Origin is checked here
    front.router.add('GET', `${SOCKET_PATH}/`, handler, 'media');
    front.router.add('POST', `${SOCKET_PATH}/`, handler, 'media');
    front.router.add('GET', `${SOCKET_PATH}/:file(${CLIENT_FILES})`, handler, 'media');
    front.onUpgrade({
      match: (url) => url.pathname === `${SOCKET_PATH}/`,
      access: 'media',
      handle: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!this.originOk(req)) return rawHttpError(socket, 403, 'ORIGIN_REFUSED', 'chat connections from this web page are refused (see http.allow_origin)');
        this.io.engine.handleUpgrade(req, socket, head);
      },
      close: () => this.close(),
    });
  }

  /** open engine.io connections (all addresses) */
  get connections(): number {
    return this.io.engine.clientsCount;
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pruner);
    this.io.disconnectSockets(true);
    this.io.engine.close();
  }
}

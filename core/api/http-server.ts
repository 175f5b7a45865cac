import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ServerContext } from '../ingest/context';
import { serveHttpFlv } from '../egress/http-flv';
import { parseFlvUrl } from '../egress/play-gate';
import { WsFlv } from '../egress/ws-flv';
import { OnAirError, isOnAirError } from '../errors';
import { bind, rebindServer, RebindError, retire } from '../net-bind';
import { wsAuthorized } from './panel-auth';
import { rawHttpError, sendError } from './http-util';
import { Router, type RouteHandler } from './routes';

export type ListenerKind = 'http' | 'https';
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean;

/**
 * The HTTP(S) front: HTTP-FLV and WS-FLV at /app/name.flv, the JSON API under /api, /metrics, and
 * whatever later features mount on the router (panel, HLS, compat APIs).
 */
export class HttpFront {
  readonly router = new Router();
  private readonly servers = new Map<ListenerKind, http.Server>();
  private readonly wsFlv: WsFlv;
  private readonly upgrades: UpgradeHandler[] = [];
  private fallback: RouteHandler | null = null;
  /** listeners replaced by rebind(): no longer accepting, their open connections still served until close() */
  private readonly retired = new Set<http.Server>();

  constructor(private readonly ctx: ServerContext) {
    this.wsFlv = new WsFlv(ctx);
  }

  onUpgrade(h: UpgradeHandler): void {
    this.upgrades.push(h);
  }

  /** GET/HEAD requests no route matched (outside /api and /metrics) go here: the panel's static files. */
  setFallback(h: RouteHandler): void {
    this.fallback = h;
  }

  private cors(): Record<string, string> {
    const origin = this.ctx.config().http.allow_origin;
    return origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } : {};
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cors = this.cors();
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, range',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    const flv = parseFlvUrl(url.pathname, url.searchParams);
    if (flv === 'invalid') return sendError(res, 400, 'BAD_STREAM_PATH', 'app and stream names must be letters, digits, _ - .', cors);
    if (flv && (method === 'GET' || method === 'HEAD')) return serveHttpFlv(this.ctx, req, res, flv, cors);
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    const protectedPath = url.pathname.startsWith('/api/') || url.pathname === '/metrics';
    if (protectedPath && !wsAuthorized(this.ctx.config(), req, url)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'API credentials required (Basic auth or Bearer token)', { 'www-authenticate': 'Basic realm="OnAir Studio"' });
    }
    const m = this.router.match(method, url.pathname);
    if (m === 'nomethod') return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    if (!m && this.fallback && !protectedPath && (method === 'GET' || method === 'HEAD')) return this.fallback(req, res, {}, url);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
    await m.handler(req, res, m.params, url);
  }

  private onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.handle(req, res).catch((e: unknown) => {
      const status = isOnAirError(e) ? (e.code === 'VALIDATION' ? 400 : e.code === 'LIMIT' ? 413 : e.code === 'NOT_FOUND' ? 404 : e.code === 'CONFLICT' ? 409 : e.code === 'IO' ? 507 : 500) : 500;
      if (status === 500) this.ctx.log.error({ err: e, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendError(res, status, isOnAirError(e) ? e.code : 'INTERNAL', (e as Error).message);
      else res.destroy();
    });
  };

  private onUpgradeRequest = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const flv = parseFlvUrl(url.pathname, url.searchParams);
    if (flv === 'invalid') return rawHttpError(socket, 400, 'BAD_STREAM_PATH', 'invalid stream path');
    if (flv) {
      this.wsFlv.upgrade(req, socket, head, flv).catch((e: unknown) => {
        this.ctx.log.error({ err: e }, 'ws-flv upgrade failed');
        socket.destroy();
      });
      return;
    }
    for (const h of this.upgrades) if (h(req, socket, head, url)) return;
    rawHttpError(socket, 404, 'NOT_FOUND', `no WebSocket endpoint at ${url.pathname}`);
  };

  private setup<S extends http.Server>(server: S): S {
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgradeRequest);
    server.on('clientError', (_e, socket) => socket.destroy());
    server.keepAliveTimeout = 5000;
    return server;
  }

  private maker(kind: ListenerKind, keyFile?: string, certFile?: string): () => http.Server {
    if (kind === 'http') return () => this.setup(http.createServer());
    let key: Buffer;
    let cert: Buffer;
    try {
      key = readFileSync(keyFile ?? '');
      cert = readFileSync(certFile ?? '');
    } catch (e) {
      throw new OnAirError('CONFIG', `https: cannot read key/cert: ${(e as Error).message}`, e);
    }
    return () => this.setup(https.createServer({ key, cert }));
  }

  private async start(kind: ListenerKind, make: () => http.Server, port: number, host: string): Promise<number> {
    const server = make();
    const p = await bind(server, port, host);
    this.servers.set(kind, server);
    return p;
  }

  listenHttp(port: number, host: string): Promise<number> {
    return this.start('http', this.maker('http'), port, host);
  }

  listenHttps(port: number, host: string, keyFile: string, certFile: string): Promise<number> {
    return this.start('https', this.maker('https', keyFile, certFile), port, host);
  }

  /**
   * Move the HTTP or HTTPS listener to another address (or start it). Open connections — players, the
   * panel's WebSocket — keep running on the old socket. On failure the old listener stays and this throws.
   */
  async rebind(kind: ListenerKind, port: number, host: string, keyFile?: string, certFile?: string): Promise<number> {
    const make = this.maker(kind, keyFile, certFile);
    const prev = this.servers.get(kind);
    if (prev) this.retired.add(prev);
    try {
      const r = await rebindServer(prev ?? null, make, port, host);
      this.servers.set(kind, r.server);
      return r.port;
    } catch (e) {
      if (!(e instanceof RebindError)) throw e;
      if (e.current) this.servers.set(kind, e.current);
      else this.servers.delete(kind);
      if (e.current) this.retired.delete(e.current);
      throw e.error;
    }
  }

  /** Stop one listener (HTTPS switched off). */
  async closeListener(kind: ListenerKind): Promise<void> {
    const s = this.servers.get(kind);
    this.servers.delete(kind);
    if (s) {
      retire(s);
      this.retired.add(s);
    }
  }

  async close(): Promise<void> {
    this.wsFlv.close();
    for (const s of this.ctx.sessions.list()) if (s.kind !== 'rtmp') s.close('server shutting down');
    const all = [...this.servers.values(), ...this.retired];
    this.servers.clear();
    this.retired.clear();
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}

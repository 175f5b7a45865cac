import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ServerContext } from '../context';
import { OnAirError, httpStatusOf, isOnAirError } from '../errors';
import { bind, rebindServer, RebindError, retire } from '../net/bind';
import { frontDoor, type RouteAccess } from '../auth/front';
import { httpDenial, type Decision } from '../auth/decisions';
import { clientIp, rawHttpError, sendError } from './util';
import { defaultAccess, Router, type RouteHandler } from './router';

export type ListenerKind = 'http' | 'https';
/** A WebSocket endpoint mounted on the front (the contract's /api/ws, WS-FLV): it passes the same door as routes. */
export interface UpgradeRoute {
  match(url: URL): boolean;
  access: RouteAccess;
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
  close?(): void;
}

/**
 * The HTTP(S) front, below every feature: listeners, the front door (Host/Origin, per-address limits), the
 * API gate for `api` routes, CORS for `media` routes, and the router and WebSocket endpoints the features
 * mount (FLV, HLS, recordings, the contract, the panel). Knows no media.
 */
export class HttpFront {
  readonly router = new Router();
  private readonly servers = new Map<ListenerKind, http.Server>();
  private readonly upgrades: UpgradeRoute[] = [];
  private fallback: RouteHandler | null = null;
  /** open HTTP/WS connections per client address (limits.http_max_conn_per_ip) */
  private readonly perIp = new Map<string, number>();
  private limitLogged = 0;
  /** listeners replaced by rebind(): no longer accepting, their open connections still served until close() */
  private readonly retired = new Set<http.Server>();
  /** told when each request's response closes (core/api/metrics): the route's kind, the status, seconds taken */
  onResponse: ((kind: RouteAccess, status: number, seconds: number) => void) | null = null;

  constructor(private readonly ctx: ServerContext) {
  }

  onUpgrade(r: UpgradeRoute): void {
    this.upgrades.push(r);
  }

  /** GET/HEAD requests no route matched (outside /api and /metrics) go here: the panel's static files. */
  setFallback(h: RouteHandler): void {
    this.fallback = h;
  }

  /** CORS for media only (FLV/HLS/DASH/recordings), never on /api, the seed routes or uploads; no credentials with `*`. */
  private mediaCors(): Record<string, string> {
    const origin = this.ctx.config().http.allow_origin;
    if (!origin) return {};
    return {
      'access-control-allow-origin': origin,
      ...(origin === '*' ? {} : { 'access-control-allow-credentials': 'true', vary: 'Origin' }),
      'access-control-expose-headers': 'content-length, content-range, accept-ranges, date, age',
    };
  }

  private boundHost(): string {
    const c = this.ctx.config();
    return c.http.host ?? c.host;
  }

  /** Host check for every request, Origin check for everything but media (core/auth/front.ts). */
  private door(req: http.IncomingMessage, access: RouteAccess): Decision {
    return frontDoor(this.ctx.config(), req.headers, req.method ?? 'GET', 'encrypted' in req.socket, this.boundHost(), access);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const m = this.router.match(method === 'OPTIONS' ? 'GET' : method, url.pathname);
    const access: RouteAccess = m && m !== 'nomethod' ? m.access : defaultAccess(url.pathname);
    if (this.onResponse) {
      const t0 = performance.now();
      res.once('close', () => this.onResponse?.(access, res.statusCode, (performance.now() - t0) / 1000));
    }
    const cors = access === 'media' ? this.mediaCors() : {};
    const door = this.door(req, access);
    if (!door.ok) return this.refuse(res, door, cors);
    if (method === 'OPTIONS') {
      // preflights are answered only for media; /api and the seed routes are same-origin only
      res.writeHead(204, access === 'media' ? {
        ...cors,
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'range',
        'access-control-max-age': '600',
      } : {});
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (access === 'api') {
      const d = this.ctx.auth.authorize('api', url.pathname, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
      if (!d.ok) return this.refuse(res, d, {}, true);
    }
    if (m === 'nomethod') return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    if (!m && this.fallback && access === 'public' && (method === 'GET' || method === 'HEAD')) return this.fallback(req, res, {}, url);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
    await m.handler(req, res, m.params, url);
  }

  private refuse(res: http.ServerResponse, d: Exclude<Decision, { ok: true }>, headers: Record<string, string>, challenge = false): void {
    const h = httpDenial(d, { challenge });
    sendError(res, h.status, h.code, d.message, { ...headers, ...h.headers });
  }

  private onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.handle(req, res).catch((e: unknown) => {
      const status = isOnAirError(e) ? httpStatusOf(e.code) : 500;
      if (status === 500) this.ctx.log.error({ err: e, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendError(res, status, isOnAirError(e) ? e.code : 'INTERNAL', (e as Error).message, {}, isOnAirError(e) ? e.field : undefined);
      else res.destroy();
    });
  };

  private onUpgradeRequest = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.upgrades.find((r) => r.match(url));
    const door = this.door(req, route?.access ?? 'api');
    if (!door.ok) {
      const h = httpDenial(door);
      return rawHttpError(socket, h.status, h.code, door.message);
    }
    if (route) return route.handle(req, socket, head, url);
    rawHttpError(socket, 404, 'NOT_FOUND', `no WebSocket endpoint at ${url.pathname}`);
  };

  private setup<S extends http.Server>(server: S): S {
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgradeRequest);
    server.on('clientError', (_e, socket) => socket.destroy());
    server.on('connection', (socket: import('node:net').Socket) => {
      const ip = socket.remoteAddress ?? '';
      const max = this.ctx.config().limits.http_max_conn_per_ip;
      const n = (this.perIp.get(ip) ?? 0) + 1;
      if (max > 0 && n > max) {
        if (this.limitLogged++ % 100 === 0) this.ctx.log.warn({ ip, max }, 'http connection refused: too many connections from this address');
        socket.destroy();
        return;
      }
      this.perIp.set(ip, n);
      socket.once('close', () => {
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, left);
      });
    });
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
    for (const r of this.upgrades) r.close?.();
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

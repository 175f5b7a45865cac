import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { OnAirError } from '../errors';
import { bind, rebindServer, RebindError } from '../net/bind';
import type { ServerContext } from '../context';
import { RtmpSession } from './session';

/** The RTMP listener. Each connection is an RtmpSession; one bad connection never touches another. */
export class RtmpServer {
  private server: net.Server | null = null;
  /** the optional RTMPS listener (`rtmps` in the config): TLS in front of the same sessions */
  private tlsServer: net.Server | null = null;
  /** RTMPS connections still in their TLS handshake (not sessions yet): closed with the server */
  private readonly pendingTls = new Set<tls.TLSSocket>();
  /** open connections per remote address, over every listener this server had (a rebind keeps the old ones) */
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly ctx: ServerContext) {}

  private make(): net.Server {
    const server = net.createServer((socket) => {
      if (!this.admit(socket)) return;
      new RtmpSession(socket, this.ctx);
    });
    server.maxConnections = 10_000;
    server.on('listening', () => server.on('error', (e) => this.ctx.log.error({ err: e.message }, 'rtmp server error')));
    return server;
  }

  /** `limits.rtmp_max_conn_per_ip`: refuse a connection over the limit at accept, before any byte is read. */
  private admit(socket: net.Socket): boolean {
    const addr = normalizeAddress(socket.remoteAddress ?? '');
    const max = this.ctx.config().limits.rtmp_max_conn_per_ip;
    const n = this.perAddress.get(addr) ?? 0;
    if (max > 0 && n >= max) {
      const err = new OnAirError('LIMIT', `more than ${max} RTMP connections from one address`);
      this.ctx.log.warn({ ip: addr, code: err.code, reason: err.message }, 'rtmp connection refused');
      socket.on('error', () => undefined);
      socket.destroy();
      return false;
    }
    this.perAddress.set(addr, n + 1);
    socket.once('close', () => {
      const left = (this.perAddress.get(addr) ?? 1) - 1;
      if (left > 0) this.perAddress.set(addr, left);
      else this.perAddress.delete(addr);
    });
    return true;
  }

  /**
   * RTMPS: TLS is terminated here and the decrypted socket becomes an ordinary RtmpSession. The
   * per-address limit counts the TCP connection before any TLS byte; the TLS handshake must finish within
   * `limits.rtmp_handshake_timeout_ms`, then the RTMP handshake/connect deadlines apply as on rtmp.
   */
  private makeTls(keyFile: string, certFile: string): net.Server {
    let secureContext: tls.SecureContext;
    try {
      secureContext = tls.createSecureContext({ key: readFileSync(keyFile), cert: readFileSync(certFile) });
    } catch (e) {
      throw new OnAirError('CONFIG', `rtmps: cannot read key/cert: ${(e as Error).message}`, e);
    }
    const server = net.createServer((raw) => {
      if (!this.admit(raw)) return;
      const ip = normalizeAddress(raw.remoteAddress ?? '');
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
      this.pendingTls.add(socket);
      const ms = this.ctx.config().limits.rtmp_handshake_timeout_ms;
      const timer = setTimeout(() => socket.destroy(), ms);
      timer.unref();
      const onError = (e: Error): void => {
        this.ctx.log.debug({ ip, err: e.message }, 'rtmps: TLS handshake failed');
        socket.destroy();
      };
      socket.on('error', onError);
      socket.once('close', () => {
        clearTimeout(timer);
        this.pendingTls.delete(socket);
      });
      socket.once('secure', () => {
        clearTimeout(timer);
        this.pendingTls.delete(socket);
        socket.off('error', onError);
        if (!socket.destroyed) new RtmpSession(socket, this.ctx);
      });
    });
    server.maxConnections = 10_000;
    server.on('listening', () => server.on('error', (e) => this.ctx.log.error({ err: e.message }, 'rtmps server error')));
    return server;
  }

  async listenTls(port: number, host: string, keyFile: string, certFile: string): Promise<number> {
    const server = this.makeTls(keyFile, certFile);
    const p = await bind(server, port, host);
    this.tlsServer = server;
    return p;
  }

  async listen(port: number, host: string): Promise<number> {
    const server = this.make();
    const p = await bind(server, port, host);
    this.server = server;
    return p;
  }

  /** Move the listener to another port/host; publishers already connected keep streaming. On failure the old listener stays. */
  async rebind(port: number, host: string): Promise<number> {
    try {
      const r = await rebindServer(this.server, () => this.make(), port, host);
      this.server = r.server;
      return r.port;
    } catch (e) {
      if (e instanceof RebindError) {
        this.server = e.current;
        throw e.error;
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((s): s is net.Server => s !== null);
    this.server = null;
    this.tlsServer = null;
    if (servers.length === 0) return;
    for (const s of this.ctx.sessions.list()) if (s.kind === 'rtmp') s.close('server shutting down');
    for (const s of this.pendingTls) s.destroy();
    this.pendingTls.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; count it with the plain IPv4 form. */
function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

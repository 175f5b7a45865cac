import net from 'node:net';
import { OnAirError } from '../errors';
import { bind, rebindServer, RebindError } from '../net/bind';
import type { ServerContext } from '../context';
import { RtmpSession } from './session';

/** The RTMP listener. Each connection is an RtmpSession; one bad connection never touches another. */
export class RtmpServer {
  private server: net.Server | null = null;
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
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.ctx.sessions.list()) if (s.kind === 'rtmp') s.close('server shutting down');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; count it with the plain IPv4 form. */
function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

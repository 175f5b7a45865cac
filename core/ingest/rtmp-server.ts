import net from 'node:net';
import { bind, rebindServer, RebindError } from '../net-bind';
import type { ServerContext } from './context';
import { RtmpSession } from './rtmp-session';

/** The RTMP listener. Each connection is an RtmpSession; one bad connection never touches another. */
export class RtmpServer {
  private server: net.Server | null = null;

  constructor(private readonly ctx: ServerContext) {}

  private make(): net.Server {
    const server = net.createServer((socket) => {
      new RtmpSession(socket, this.ctx);
    });
    server.maxConnections = 10_000;
    server.on('listening', () => server.on('error', (e) => this.ctx.log.error({ err: e.message }, 'rtmp server error')));
    return server;
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

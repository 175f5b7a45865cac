import net from 'node:net';
import type { ServerContext } from './context';
import { RtmpSession } from './rtmp-session';

/** The RTMP listener. Each connection is an RtmpSession; one bad connection never touches another. */
export class RtmpServer {
  private server: net.Server | null = null;

  constructor(private readonly ctx: ServerContext) {}

  async listen(port: number, host: string): Promise<number> {
    const server = net.createServer((socket) => {
      new RtmpSession(socket, this.ctx);
    });
    server.maxConnections = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.ctx.log.error({ err: e.message }, 'rtmp server error'));
    this.server = server;
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.ctx.sessions.list()) if (s.kind === 'rtmp') s.close('server shutting down');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

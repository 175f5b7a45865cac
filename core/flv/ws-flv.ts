import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ServerContext } from '../context';
import type { ByteSink } from '../media/byte-sink';
import { rawHttpError } from '../http/util';
import { LazyWebSocketServer } from '../http/lazy-ws';
import { flvPlay, openPlaySession } from './session';
import type { PlayTarget } from './play-gate';

function wsSink(ws: WebSocket, socket: Duplex & { writableLength: number }, ctx: ServerContext, onClose: (r: string) => void): ByteSink {
  return {
    write: (b) => {
      ctx.net.outBytes += b.length;
      ws.send(b, { binary: true, compress: false });
    },
    get queued() {
      return ws.bufferedAmount + socket.writableLength;
    },
    close: (reason) => {
      onClose(reason);
      ws.terminate();
    },
  };
}

/** WS-FLV: the same FLV byte stream as HTTP-FLV, one WebSocket binary message per flushed burst of tags. */
export class WsFlv {
  private readonly wss = new LazyWebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });

  constructor(private readonly ctx: ServerContext) {}

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PlayTarget): Promise<void> {
    const ctx = this.ctx;
    const admitted = await openPlaySession(ctx, 'ws', req, target);
    if (!admitted.ok) return rawHttpError(socket, admitted.status, admitted.code, admitted.message);
    const session = admitted.session;
    if (socket.destroyed) {
      ctx.sessions.remove(session);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const raw = socket as Duplex & { writableLength: number; setNoDelay?: (b: boolean) => void };
      raw.setNoDelay?.(true);
      const play = flvPlay(ctx, session, target, (finish) => wsSink(ws, raw, ctx, finish), { end: () => ws.close(1000, 'stream ended'), kill: () => ws.terminate() });
      ws.on('close', () => play.finish('peer closed'));
      ws.on('error', (e) => play.finish(`ws error: ${e.message}`));
      play.begin();
    });
  }

  close(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}

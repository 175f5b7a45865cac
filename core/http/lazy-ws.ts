import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions, WebSocket, WebSocketServer } from 'ws';

type WsModule = typeof import('ws');
let wsModule: WsModule | null = null;
const NO_CLIENTS: ReadonlySet<WebSocket> = new Set();

/**
 * A `ws` WebSocketServer (noServer mode) made on the first upgrade. The `ws` package is loaded then, with a
 * synchronous require, so a studio that no WebSocket client has reached yet does not carry it (a few MB of
 * idle RSS, measured by bench/startup.ts). Same calls as the WebSocketServer it stands for.
 */
export class LazyWebSocketServer {
  private wss: WebSocketServer | null = null;

  constructor(private readonly opts: ServerOptions) {}

  private get server(): WebSocketServer {
    wsModule ??= createRequire(import.meta.url)('ws') as WsModule;
    return (this.wss ??= new wsModule.WebSocketServer(this.opts));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket, req: IncomingMessage) => void): void {
    this.server.handleUpgrade(req, socket, head, done);
  }

  get clients(): ReadonlySet<WebSocket> {
    return this.wss?.clients ?? NO_CLIENTS;
  }

  close(): void {
    this.wss?.close();
  }
}

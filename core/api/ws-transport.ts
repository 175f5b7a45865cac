import type { IncomingMessage } from 'node:http';
import type { AuthAuthority } from '../auth/authority';
import { httpDenial } from '../auth/decisions';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { OnAirConfig } from '../config';
import { RequestFrameSchema, WS_CLOSE_GOING_AWAY, WS_PATH, type ReplyFrame } from '../contract';
import type { Dispatch } from './contract-handlers';
import type { ContractEvents } from './contract-events';
import type { UpgradeRoute } from '../http/server';
import { clientIp, rawHttpError } from '../http/util';
import { LazyWebSocketServer } from '../http/lazy-ws';

/** Events are dropped for a client whose socket has this much unsent (replies are never dropped). */
const MAX_BUFFERED = 4 * 1024 * 1024;
const MAX_INFLIGHT = 32;
const PING_MS = 20_000;
/** Close code for a panel whose credentials stopped being valid (API gate switched on, password changed). */
export const WS_CLOSE_CREDENTIALS = 4001;

export interface WsTransportDeps {
  config: () => OnAirConfig;
  auth: AuthAuthority;
  dispatch: Dispatch;
  events: ContractEvents;
  log: Logger;
}

/**
 * The contract over a WebSocket at /api/ws: client frames `{id, cmd, args}` get `{id, ok, result|error}`;
 * events are pushed as `{event, data}`.
 */
export class WsTransport {
  private readonly wss = new LazyWebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false, clientTracking: true });
  /** how each connection authenticated, to check it again when the credentials change */
  private readonly creds = new Map<WebSocket, { req: IncomingMessage; url: URL }>();

  constructor(private readonly deps: WsTransportDeps) {}

  /** /api/ws: the front door ran (Host, Origin); here the API gate. */
  readonly route: UpgradeRoute = {
    match: (url) => url.pathname === WS_PATH,
    access: 'api',
    handle: (req, socket, head, url) => this.upgrade(req, socket, head, url),
  };

  private upgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer, url: URL): void {
    // the Host and Origin checks ran at the front door (HttpFront); here the API gate
    const d = this.deps.auth.authorize('api', WS_PATH, { via: 'ws', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) {
      rawHttpError(socket, httpDenial(d).status, httpDenial(d).code, `${d.message}: connect with ?token=`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.creds.set(ws, { req, url });
      this.connected(ws, req);
    });
  }

  /** Close every connection whose credentials the current config no longer accepts. */
  revalidate(): number {
    let n = 0;
    for (const [ws, c] of this.creds) {
      if (this.deps.auth.authorize('api', WS_PATH, { via: 'ws', ip: clientIp(c.req), headers: c.req.headers, query: c.url.searchParams }).ok) continue;
      ws.close(WS_CLOSE_CREDENTIALS, 'credentials changed');
      this.creds.delete(ws);
      n++;
    }
    return n;
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  private connected(ws: WebSocket, req: IncomingMessage): void {
    const log = this.deps.log.child({ proto: 'api-ws', ip: req.socket.remoteAddress });
    let inflight = 0;
    let alive = true;
    const send = (frame: ReplyFrame | object): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = this.deps.events.subscribe((e) => {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount > MAX_BUFFERED) return;
      ws.send(JSON.stringify(e));
    });
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, PING_MS);
    ping.unref();
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return send({ id: null, ok: false, error: { code: 'BAD_FRAME', message: 'frames are JSON text' } });
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        return send({ id: null, ok: false, error: { code: 'BAD_FRAME', message: 'frame is not valid JSON' } });
      }
      const f = RequestFrameSchema.safeParse(json);
      if (!f.success) {
        const id = typeof (json as { id?: unknown })?.id === 'string' || typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: string | number }).id : null;
        return send({ id, ok: false, error: { code: 'BAD_FRAME', message: 'a request is {id, cmd, args}' } });
      }
      const { id, cmd, args } = f.data;
      if (inflight >= MAX_INFLIGHT) return send({ id, ok: false, error: { code: 'BAD_FRAME', message: `more than ${MAX_INFLIGHT} requests in flight` } });
      inflight++;
      this.deps
        .dispatch(cmd, args)
        .then((reply) => send({ id, ...reply }))
        .catch((e: unknown) => send({ id, ok: false, error: { code: 'INTERNAL', message: (e as Error).message } }))
        .finally(() => inflight--);
    });
    ws.on('close', () => {
      this.creds.delete(ws);
      clearInterval(ping);
      unsubscribe();
    });
    ws.on('error', (e) => {
      log.debug({ err: e.message }, 'api websocket error');
      ws.terminate();
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.close(WS_CLOSE_GOING_AWAY, 'studio stopping');
    setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate();
    }, 500).unref();
    this.wss.close();
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context';
import type { ByteSink } from '../media/byte-sink';
import { sendError } from '../http/util';
import { httpDenial } from '../auth/decisions';
import { clientIp } from '../http/util';
import { flvPlay, openPlaySession } from './session';
import type { PlayTarget } from './play-gate';

function responseSink(res: ServerResponse, ctx: ServerContext, onClose: (reason: string) => void): ByteSink {
  return {
    write: (b) => {
      ctx.net.outBytes += b.length;
      res.write(b);
    },
    get queued() {
      return res.writableLength;
    },
    close: (reason) => {
      onClose(reason);
      res.destroy();
    },
  };
}

/** GET /app/name.flv: a live FLV body, starting from the GOP cache. */
export async function serveHttpFlv(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, target: PlayTarget, cors: Record<string, string>): Promise<void> {
  if (req.method === 'HEAD') {
    // a HEAD asks whether the stream is there, without becoming a player (signed like a play when auth.play is on)
    const d = ctx.auth.authorize('play', target.path, { via: 'http', ip: clientIp(req), headers: req.headers, query: target.query });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message, cors);
    const live = ctx.registry.get(target.path)?.publisher != null;
    res.writeHead(live ? 200 : 404, { 'content-type': live ? 'video/x-flv' : 'application/json', 'cache-control': 'no-cache', ...cors });
    res.end();
    return;
  }
  const admitted = await openPlaySession(ctx, 'http', req, target);
  if (!admitted.ok) return sendError(res, admitted.status, admitted.code, admitted.message, cors);
  const session = admitted.session;
  if (req.destroyed) {
    ctx.sessions.remove(session);
    return;
  }
  const play = flvPlay(ctx, session, target, (finish) => responseSink(res, ctx, finish), { end: () => res.end(), kill: () => res.destroy() });
  res.removeHeader('transfer-encoding');
  res.writeHead(200, { 'content-type': 'video/x-flv', 'cache-control': 'no-cache', connection: 'close', ...cors });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  req.on('close', () => play.finish('peer closed'));
  play.begin();
}

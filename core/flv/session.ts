import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { ServerContext } from '../context';
import { queuePolicy } from '../context';
import type { ByteSink } from '../media/byte-sink';
import { FlvPlayer } from './player';
import { admitPlay, type PlayTarget } from './play-gate';
import { newSessionId, type Session, type SessionKind } from '../media/sessions';

/** A Session record for an HTTP-FLV or WS-FLV player, so hooks can reject it and the API can kick it. */
export class HttpPlaySession implements Session {
  readonly id = newSessionId();
  readonly ip: string;
  readonly connectCreated = new Date();
  rejected = false;
  readonly log: Logger;
  private closer: ((reason: string) => void) | null = null;
  private closed = false;

  constructor(readonly kind: SessionKind, req: IncomingMessage, ctx: ServerContext) {
    this.ip = req.socket.remoteAddress ?? '';
    this.log = ctx.log.child({ session: this.id, ip: this.ip, proto: kind });
  }

  onClose(fn: (reason: string) => void): void {
    this.closer = fn;
  }

  reject(reason = 'rejected'): void {
    this.rejected = true;
    if (this.closer) this.close(reason);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closer?.(reason);
  }
}

export interface FlvPlayHandle {
  player: FlvPlayer;
  /** the player's transport went away (peer closed, error) */
  finish(reason: string): void;
  /** start receiving: attach to the stream, log, post hooks */
  begin(): void;
}

/**
 * The lifecycle shared by HTTP-FLV and WS-FLV players: one FlvPlayer on the stream, one `finish` that
 * detaches it exactly once (releasing the stream, the session and firing donePlay), and kick support.
 * `transport.end` closes gracefully when the stream ends; `transport.kill` drops it when kicked.
 */
export function flvPlay(
  ctx: ServerContext,
  session: HttpPlaySession,
  target: PlayTarget,
  makeSink: (finish: (reason: string) => void) => ByteSink,
  transport: { end(): void; kill(): void },
): FlvPlayHandle {
  const stream = ctx.registry.getOrCreate(target.app, target.name);
  const label = `${session.kind}-flv`;
  let done = false;
  const finish = (reason: string): void => {
    if (done) return;
    done = true;
    stream.removeSubscriber(player);
    ctx.sessions.remove(session);
    ctx.registry.release(stream);
    session.log.info({ path: target.path, reason, bytes: player.bytes }, `${label} play end`);
    ctx.hooks.post('donePlay', session, target.path, target.query);
  };
  const player = new FlvPlayer(
    { id: session.id, ip: session.ip, protocol: session.kind, sink: makeSink(finish), policy: queuePolicy(ctx.config()), log: session.log },
    (reason) => {
      finish(reason);
      transport.end();
    },
  );
  session.onClose((reason) => {
    finish(reason);
    transport.kill();
  });
  return {
    player,
    finish,
    begin() {
      stream.addSubscriber(player);
      session.log.info({ path: target.path, waiting: !stream.ready }, `${label} play start`);
      ctx.hooks.post('postPlay', session, target.path, target.query);
    },
  };
}

export type PlayAdmission = { ok: true; session: HttpPlaySession } | { ok: false; status: number; code: string; message: string };

/**
 * Register a player session and run the signed-URL check and prePlay hooks. A refusal is logged and the
 * session removed; the caller answers it in its own transport's way (JSON response or raw HTTP on the socket).
 */
export async function openPlaySession(ctx: ServerContext, kind: 'http' | 'ws', req: IncomingMessage, target: PlayTarget): Promise<PlayAdmission> {
  const session = new HttpPlaySession(kind, req, ctx);
  ctx.sessions.add(session);
  const gate = await admitPlay(ctx, session, target, kind, req);
  if (gate.ok) return { ok: true, session };
  ctx.sessions.remove(session);
  session.log.info({ path: target.path, code: gate.code }, `${kind}-flv play refused`);
  return gate;
}

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { ServerContext } from '../ingest/context';
import { newSessionId, type Session, type SessionKind } from '../sessions';

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

import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

/**
 * An in-memory request for code that reads an IncomingMessage body (receiveMultipart): the chunks arrive
 * one per macrotask, then the body ends (`complete`, as a client that sent everything).
 */
export function memRequest(chunks: readonly Buffer[], contentType: string): IncomingMessage {
  const req = new PassThrough() as unknown as IncomingMessage & PassThrough;
  Object.assign(req, { headers: { 'content-type': contentType }, complete: true });
  let i = 0;
  const next = (): void => {
    if (i < chunks.length) {
      req.write(chunks[i++]);
      setImmediate(next);
    } else req.end();
  };
  setImmediate(next);
  return req;
}

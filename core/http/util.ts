import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ApiErrorBody {
  /** field: the request field a VALIDATION error is about */
  error: { code: string; message: string; field?: string };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, field?: string): void {
  sendJson(res, status, { error: field ? { code, message, field } : { code, message } } satisfies ApiErrorBody, headers);
}

/** A raw HTTP error on a socket we have not handed to a response object (WebSocket upgrades). */
export function rawHttpError(socket: import('node:stream').Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

const MAX_BODY = 1024 * 1024;

/** Read a JSON request body (at most 1 MiB). Throws a VALIDATION OnAirError on bad JSON. */
export async function readJson(req: IncomingMessage, limit = MAX_BODY): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) {
      const { OnAirError } = await import('../errors');
      throw new OnAirError('LIMIT', `request body over ${limit} bytes`);
    }
    chunks.push(c);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (e) {
    const { OnAirError } = await import('../errors');
    throw new OnAirError('VALIDATION', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

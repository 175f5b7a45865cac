/**
 * A destination's failures in plain words for its card. Decided by the phase that failed, the OnAirError code
 * and the Node error code under it — never by matching the message (which may quote the stream key: the
 * client's "publish <name> refused" carries the key, so no raw message ever reaches a status or a log).
 */
import { isOnAirError } from '../errors';

/** connect: TCP/TLS, handshake, connect, createStream; publish: the publish command (the key) sent; running: live */
export type LinkPhase = 'connect' | 'publish' | 'running';

export const WORDS = {
  keyRefused: 'the server refused the stream key',
  connectRefused: 'the server refused the connection',
  connRefused: 'connection refused',
  hostNotFound: 'host not found',
  closed: 'the server closed the connection',
  timeout: 'the server did not answer in time',
  badUrl: 'the destination URL is not a valid rtmp:// or rtmps:// URL',
} as const;

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_|ERR_OSSL_)/;

/** The first `code` string found down the cause chain (Node system and TLS errors carry one). */
function nodeCode(e: unknown): { code: string; message: string } | null {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (isOnAirError(cur)) continue;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: (cur as Error).message ?? code };
  }
  return null;
}

/** Plain words for a failure in `phase` (TLS errors show Node's reason: a certificate problem, never the key). */
export function describeFailure(e: unknown, phase: LinkPhase): string {
  const sys = nodeCode(e);
  if (sys) {
    if (sys.code === 'ECONNREFUSED') return WORDS.connRefused;
    if (sys.code === 'ENOTFOUND' || sys.code === 'EAI_AGAIN' || sys.code === 'EAI_NONAME') return WORDS.hostNotFound;
    // Node's TLS messages name the certificate problem, never the key (which is sent only after the handshake)
    if (TLS_CODE.test(sys.code)) return `TLS handshake failed: ${sys.message}`;
    if (sys.code === 'ECONNRESET' || sys.code === 'EPIPE') return phase === 'publish' ? WORDS.keyRefused : WORDS.closed;
  }
  if (isOnAirError(e)) {
    if (e.code === 'VALIDATION') return WORDS.badUrl;
    if (phase === 'publish' && (e.code === 'AUTH' || e.code === 'REJECTED' || e.code === 'NOT_FOUND')) return WORDS.keyRefused;
    if (phase === 'connect' && (e.code === 'AUTH' || e.code === 'REJECTED')) return WORDS.connectRefused;
    if (e.code === 'IO' && /within \d+ ms|timed out/.test(e.message)) return WORDS.timeout;
    // closed right after the publish command (the key) was sent: how nginx-rtmp's on_publish and most ingests
    // refuse a key — no onStatus, the connection just ends
    if (phase === 'publish' && e.code === 'IO') return WORDS.keyRefused;
  }
  return WORDS.closed;
}

/**
 * Every way the one authority can say no, and the one table from that answer to what each transport sends:
 * an HTTP status + error code, an RTMP onStatus code (per action), a contract error code.
 */

export type DenyReason =
  | 'credentials_required'
  | 'credentials_invalid'
  | 'throttled'
  | 'sign_required'
  | 'sign_invalid'
  | 'sign_expired'
  | 'key_invalid'
  /** auth.keys: a known stream key that is disabled */
  | 'key_disabled'
  | 'host_refused'
  | 'origin_refused'
  | 'not_allowed';

export type Decision = { ok: true } | { ok: false; reason: DenyReason; message: string; retryAfterS?: number };

export interface DenyMapping {
  http: number;
  code: string;
  /** the RTMP onStatus code suffix: NetStream.Publish.<x> / NetStream.Play.<x> */
  rtmp: 'Unauthorized' | 'BadName' | 'Rejected';
}

export const DENY_TABLE: Readonly<Record<DenyReason, DenyMapping>> = {
  credentials_required: { http: 401, code: 'UNAUTHORIZED', rtmp: 'Unauthorized' },
  credentials_invalid: { http: 401, code: 'UNAUTHORIZED', rtmp: 'Unauthorized' },
  throttled: { http: 429, code: 'TOO_MANY_ATTEMPTS', rtmp: 'Unauthorized' },
  sign_required: { http: 401, code: 'SIGN_REQUIRED', rtmp: 'Unauthorized' },
  sign_invalid: { http: 403, code: 'SIGN_INVALID', rtmp: 'Unauthorized' },
  sign_expired: { http: 403, code: 'SIGN_EXPIRED', rtmp: 'Unauthorized' },
  key_invalid: { http: 403, code: 'KEY_INVALID', rtmp: 'BadName' },
  key_disabled: { http: 403, code: 'KEY_DISABLED', rtmp: 'Unauthorized' },
  host_refused: { http: 421, code: 'MISDIRECTED_HOST', rtmp: 'Rejected' },
  origin_refused: { http: 403, code: 'FORBIDDEN_ORIGIN', rtmp: 'Rejected' },
  not_allowed: { http: 403, code: 'FORBIDDEN', rtmp: 'Rejected' },
};

export function allow(): Decision {
  return { ok: true };
}

export function deny(reason: DenyReason, message: string, retryAfterS?: number): Decision {
  return retryAfterS === undefined ? { ok: false, reason, message } : { ok: false, reason, message, retryAfterS };
}

/** The HTTP answer for a refusal: status, JSON error code, and headers (Retry-After, a Basic challenge). */
export function httpDenial(d: Exclude<Decision, { ok: true }>, opts: { challenge?: boolean } = {}): { status: number; code: string; headers: Record<string, string> } {
  const m = DENY_TABLE[d.reason];
  const headers: Record<string, string> = {};
  if (d.retryAfterS !== undefined) headers['retry-after'] = String(Math.ceil(d.retryAfterS));
  if (opts.challenge && m.http === 401 && d.reason.startsWith('credentials')) headers['www-authenticate'] = 'Basic realm="OnAir Studio"';
  return { status: m.http, code: m.code, headers };
}

/**
 * The RTMP onStatus code for a refused publish or play. `Unauthorized` keeps Node-Media-Server's spelling
 * (`NetStream.publish.Unauthorized`, which NMS clients match on); the standard codes are capitalised.
 */
export function rtmpDenial(action: 'publish' | 'play', d: Exclude<Decision, { ok: true }>): string {
  const x = DENY_TABLE[d.reason].rtmp;
  if (x === 'Unauthorized') return `NetStream.${action}.Unauthorized`;
  return `NetStream.${action === 'publish' ? 'Publish' : 'Play'}.${x}`;
}

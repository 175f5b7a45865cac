import { createHash, timingSafeEqual } from 'node:crypto';

export type SignCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/** md5 of "/app/stream-EXPIRES-secret", hex: the Node-Media-Server 2.x signed-URL scheme. */
export function signHash(streamPath: string, expires: number, secret: string): string {
  return createHash('md5').update(`${streamPath}-${expires}-${secret}`).digest('hex');
}

/** Build the `sign` query value for a path valid until `expires` (unix seconds). */
export function makeSign(streamPath: string, expires: number, secret: string): string {
  return `${expires}-${signHash(streamPath, expires, secret)}`;
}

/** Check `sign=EXPIRES-HASH` for a stream path. No exemption for any address, loopback included. */
export function verifySign(streamPath: string, sign: string | undefined, secret: string, nowSec = Date.now() / 1000): SignCheck {
  if (sign === undefined || sign === '') return { ok: false, reason: 'missing' };
  const m = /^(\d{1,12})-([0-9a-fA-F]{32})$/.exec(sign);
  if (!m) return { ok: false, reason: 'malformed' };
  const expires = Number(m[1]);
  if (expires < nowSec) return { ok: false, reason: 'expired' };
  const want = Buffer.from(signHash(streamPath, expires, secret), 'hex');
  const got = Buffer.from(m[2].toLowerCase(), 'hex');
  return timingSafeEqual(want, got) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

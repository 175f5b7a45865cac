/**
 * The URLs of an edge pull (pure): where the edge plays the owner's stream, and the query its local publish
 * carries. The owner's address comes from Redis (another node's registration), so it is checked like any
 * outside input before it becomes an outbound URL: rtmp(s)://host:port only, no credentials, no path, no query.
 */
import { makeSign } from '../auth/sign';
import { OnAirError } from '../errors';
import { isValidName } from '../media/stream-path';

/** "/app/name" → [app, name], or null when it is not a valid stream path */
export function splitStreamPath(path: string): [string, string] | null {
  const m = /^\/([^/?#]+)\/([^/?#]+)$/.exec(path);
  if (!m || !isValidName(m[1]) || !isValidName(m[2])) return null;
  return [m[1], m[2]];
}

/** A node's registered rtmp address, normalised to rtmp(s)://host:port, or a VALIDATION error. */
export function nodeRtmpBase(registered: string): string {
  let u: URL;
  try {
    u = new URL(registered);
  } catch {
    throw new OnAirError('VALIDATION', 'the owner node registered an invalid rtmp address');
  }
  const clean = (u.protocol === 'rtmp:' || u.protocol === 'rtmps:') && u.hostname !== '' && !u.username && !u.password
    && (u.pathname === '' || u.pathname === '/') && !u.search && !u.hash;
  if (!clean) throw new OnAirError('VALIDATION', 'the owner node registered an rtmp address that is not rtmp(s)://host:port');
  return `${u.protocol}//${u.host}`;
}

export interface PlayAuth {
  /** auth.play of this node (all nodes of a cluster share auth.play and auth.secret) */
  play: boolean;
  secret: string;
}

/** How long the play sign of a pull is valid: checked once, when the owner admits the play. */
const SIGN_S = 300;

/**
 * rtmp://owner:port/app/name[?sign=…]: the owner checks a play sign when auth.play is on, made here with the
 * shared auth.secret (the same scheme a player's signed URL uses, core/auth/sign.ts).
 */
export function ownerPlayUrl(registered: string, path: string, auth: PlayAuth, nowSec = Math.floor(Date.now() / 1000)): string {
  if (!splitStreamPath(path)) throw new OnAirError('VALIDATION', `not a stream path: ${path.slice(0, 80)}`);
  const base = nodeRtmpBase(registered);
  const sign = auth.play ? `?sign=${makeSign(path, nowSec + SIGN_S, auth.secret)}` : '';
  return `${base}${path}${sign}`;
}

/**
 * The query of the edge's local publish: `own` (this process's token for the path, so auth.keys does not ask
 * the pull for a stream key) and, with auth.publish on, a publish sign — like the relay's own ingests.
 */
export function localPublishQuery(path: string, own: string, auth: { publish: boolean; publish_secret?: string; secret: string }, nowSec = Math.floor(Date.now() / 1000)): Record<string, string> {
  if (!auth.publish) return { own };
  return { own, sign: makeSign(path, nowSec + 3600, auth.publish_secret || auth.secret) };
}

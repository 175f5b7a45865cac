import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { OnAirConfig } from '../config';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The API gate: Basic auth (api_user/api_pass) or a bearer token (header or ?token=), when auth.api is on. */
export function apiAuthorized(cfg: OnAirConfig, req: IncomingMessage, url: URL): boolean {
  const a = cfg.auth;
  if (!a.api) return true;
  const h = req.headers.authorization ?? '';
  if (a.api_token) {
    if (h.startsWith('Bearer ') && same(h.slice(7).trim(), a.api_token)) return true;
    const q = url.searchParams.get('token');
    if (q && same(q, a.api_token)) return true;
  }
  if (a.api_pass && h.startsWith('Basic ')) {
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0 && same(decoded.slice(0, i), a.api_user) && same(decoded.slice(i + 1), a.api_pass)) return true;
  }
  return false;
}

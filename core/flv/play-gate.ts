import type { IncomingMessage } from 'node:http';
import { httpDenial } from '../auth/decisions';
import { isValidName } from '../media/stream-path';
import type { ServerContext } from '../context';
import type { Session } from '../media/sessions';

export type PlayTarget = { app: string; name: string; path: string; query: Record<string, string> };
export type GateResult = { ok: true; target: PlayTarget } | { ok: false; status: number; code: string; message: string };

/** "/app/name.flv" -> target, or null when the URL is not an FLV stream URL at all. */
export function parseFlvUrl(pathname: string, search: URLSearchParams): PlayTarget | 'invalid' | null {
  const m = /^\/([^/]+)\/([^/]+)\.flv$/.exec(pathname);
  if (!m) return null;
  let app: string;
  let name: string;
  try {
    app = decodeURIComponent(m[1]);
    name = decodeURIComponent(m[2]);
  } catch {
    return 'invalid';
  }
  if (!isValidName(app) || !isValidName(name)) return 'invalid';
  const query: Record<string, string> = {};
  for (const [k, v] of search) query[k] = v;
  return { app, name, path: `/${app}/${name}`, query };
}

/** The authority's play check (signed URLs) and the prePlay hooks for HTTP-FLV / WS-FLV. */
export async function admitPlay(ctx: ServerContext, session: Session, target: PlayTarget, via: 'http' | 'ws', req: IncomingMessage): Promise<GateResult> {
  const d = ctx.auth.authorize('play', target.path, { via, ip: session.ip, headers: req.headers, query: target.query });
  if (!d.ok) {
    const h = httpDenial(d);
    return { ok: false, status: h.status, code: h.code, message: d.message };
  }
  const pre = await ctx.hooks.pre('prePlay', session, target.path, target.query);
  if (!pre.ok) return { ok: false, status: 403, code: 'REJECTED', message: pre.reason };
  return { ok: true, target };
}

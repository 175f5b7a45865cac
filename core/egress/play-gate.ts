import { verifySign } from '../auth/sign';
import { isValidName } from '../media/stream-path';
import type { ServerContext } from '../ingest/context';
import type { Session } from '../sessions';

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

/** Signed-URL check and prePlay hooks for HTTP-FLV / WS-FLV. */
export async function admitPlay(ctx: ServerContext, session: Session, target: PlayTarget): Promise<GateResult> {
  const auth = ctx.config().auth;
  if (auth.play) {
    const r = verifySign(target.path, target.query.sign, auth.secret);
    if (!r.ok) {
      const status = r.reason === 'missing' ? 401 : 403;
      const code = r.reason === 'missing' ? 'SIGN_REQUIRED' : r.reason === 'expired' ? 'SIGN_EXPIRED' : 'SIGN_INVALID';
      return { ok: false, status, code, message: `play ${target.path} refused: sign ${r.reason}` };
    }
  }
  const pre = await ctx.hooks.pre('prePlay', session, target.path, target.query);
  if (!pre.ok) return { ok: false, status: 403, code: 'REJECTED', message: pre.reason };
  return { ok: true, target };
}

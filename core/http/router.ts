import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteAccess } from '../auth/front';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: RouteHandler;
  access: RouteAccess;
}

/**
 * Who a route is for, which decides the front door (core/auth/front.ts) and CORS: `api` (the API gate, own
 * origin only; the default under /api and /metrics), `seed` (own origin, the route asks for its key), `media`
 * (any origin, CORS; the route asks the authority for `play`), `public` (the panel's files and login).
 */
export function defaultAccess(pattern: string): RouteAccess {
  return pattern.startsWith('/api/') || pattern === '/metrics' ? 'api' : 'public';
}

/** A tiny method + path router: "/api/streams/:app/:stream"; a param may carry a pattern: ":file(seg-\\d+\\.ts)". */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler, access: RouteAccess = defaultAccess(pattern)): this {
    const keys: string[] = [];
    const re = new RegExp(
      '^' + pattern.replace(/\/:([a-zA-Z]+)(?:\(((?:[^()]|\([^()]*\))+)\))?/g, (_m, k: string, re: string | undefined) => {
        keys.push(k);
        return re ? `/((?:${re}))` : '/([^/]+)';
      }) + '$',
    );
    this.routes.push({ method, re, keys, handler, access });
    return this;
  }

  /** 'nomethod' when the path exists with another method. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string>; access: RouteAccess } | 'nomethod' | null {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        try {
          params[k] = decodeURIComponent(m[i + 1]);
        } catch {
          params[k] = m[i + 1]; // a handler that cares validates it (and answers 400)
        }
      });
      return { handler: r.handler, params, access: r.access };
    }
    return pathMatched ? 'nomethod' : null;
  }
}

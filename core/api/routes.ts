import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/** A tiny method + path router: "/api/streams/:app/:stream"; a param may carry a pattern: ":file(seg-\\d+\\.ts)". */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const re = new RegExp(
      '^' + pattern.replace(/\/:([a-zA-Z]+)(?:\(((?:[^()]|\([^()]*\))+)\))?/g, (_m, k: string, re: string | undefined) => {
        keys.push(k);
        return re ? `/((?:${re}))` : '/([^/]+)';
      }) + '$',
    );
    this.routes.push({ method, re, keys, handler });
    return this;
  }

  /** 'nomethod' when the path exists with another method. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | 'nomethod' | null {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]);
      });
      return { handler: r.handler, params };
    }
    return pathMatched ? 'nomethod' : null;
  }
}

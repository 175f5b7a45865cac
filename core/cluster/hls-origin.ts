import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ClusterNode, StreamOwner } from './types';

/** a proxied answer (headers and body) must arrive within this; LL-HLS blocking reloads wait ≤ 3 segments */
export const PROXY_TIMEOUT_MS = 15_000;
/** query parameters a proxied request carries to the owner (signing, LL-HLS blocking reload, viewer session) */
const PASS_QUERY = ['sign', 'token', '_HLS_msn', '_HLS_part', '_HLS_skip', 'vs'];
const SAFE_VALUE = /^[A-Za-z0-9_.~=:-]{1,512}$/;
const PASS_HEADERS = ['content-type', 'content-length', 'cache-control', 'last-modified', 'etag'];

export interface OriginDeps {
  mode: () => 'redirect' | 'proxy';
  nodeId: string;
  owner: (path: string) => Promise<StreamOwner | null>;
  node: (id: string) => Promise<ClusterNode | null>;
  log: Logger;
}

/**
 * The origin for HLS / LL-HLS / DASH / ABR (seed 003): a node that does not hold a stream answers 302 to the
 * owner's http URL + the same path + query ('redirect'), or fetches the owner's answer and streams it back
 * ('proxy'). The outbound URL is the owner's registered http base + the request's path — which the HLS route
 * pattern has already validated (app, name, file) — plus an allow-list of query parameters with safe values.
 * Nothing else from the request reaches it. Answers false when nobody else holds the stream (the caller's 404).
 */
export async function serveFromOwner(deps: OriginDeps, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (!url.pathname.startsWith(`${path}/`)) return false;
  const owner = await deps.owner(path);
  if (!owner || owner.node === deps.nodeId) return false;
  const node = await deps.node(owner.node);
  const base = node ? httpBase(node.http) : null;
  if (!base) return false;
  if (deps.mode() === 'redirect') {
    res.writeHead(302, { location: `${base}${url.pathname}${url.search}`, 'cache-control': 'no-cache, no-store', 'content-length': 0 });
    res.end();
    return true;
  }
  const target = new URL(`${base}${url.pathname}`);
  for (const k of PASS_QUERY) {
    const v = url.searchParams.get(k);
    if (v !== null && SAFE_VALUE.test(v)) target.searchParams.set(k, v);
  }
  try {
    const r = await fetch(target, { method: req.method, redirect: 'manual', signal: AbortSignal.timeout(PROXY_TIMEOUT_MS) });
    const headers: Record<string, string> = { 'x-onair-origin': owner.node };
    for (const h of PASS_HEADERS) {
      const v = r.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    // a redirect from the owner is not followed (it would be a URL we did not build): the player sees a 502
    const status = r.status >= 300 && r.status < 400 ? 502 : r.status;
    res.writeHead(status, headers);
    if (!r.body || req.method === 'HEAD' || status === 502) {
      res.end();
      return true;
    }
    const body = Readable.fromWeb(r.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('error', () => res.destroy());
    body.pipe(res);
  } catch (e) {
    deps.log.warn({ path, owner: owner.node, err: (e as Error).message }, 'cluster hls proxy failed');
    if (!res.headersSent) {
      const body = JSON.stringify({ error: { code: 'ORIGIN_UNREACHABLE', message: `the owner of ${path} (node ${owner.node}) did not answer` } });
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else res.destroy();
  }
  return true;
}

/** the node's registered http base ("http://host:port", no path), or null when it is not one */
function httpBase(http: string): string | null {
  try {
    const u = new URL(http);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

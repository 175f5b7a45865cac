import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { OnAirError } from '../errors';
import { classifyIp, cidrsCover, parseCidr, parseIp, type AddressClass, type Cidr } from './ip-ranges';

/**
 * The one guard for every outbound HTTP(S) request the studio makes (URL downloads, callbacks; later
 * relays). A URL must be http(s) without credentials; its host is resolved and refused if ANY address
 * is loopback, private, link-local, multicast or reserved, unless `net.allow_private` lists the
 * address, a CIDR holding it, or the host name. The connection goes to the address that was checked
 * (a DNS answer that changes between check and connect cannot slip through), and redirects are
 * followed by hand, each hop checked again. Errors never carry the remote's answer.
 */

export type Resolver = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** node's resolver (getaddrinfo: /etc/hosts, then DNS), every address. */
export const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface OutboundPolicy {
  /** `net.allow_private`: addresses, CIDRs or host names that may be private */
  allowPrivate: readonly string[];
  /** default: systemResolver */
  resolver?: Resolver;
}

export type OutboundFailure = 'bad_url' | 'refused' | 'failed' | 'timeout';

export class OutboundError extends OnAirError {
  constructor(
    readonly kind: OutboundFailure,
    message: string,
    /** for refusals: which kind of address (for logs; the message says "private address") */
    readonly addressClass: AddressClass | null = null,
    cause?: unknown,
  ) {
    super(kind === 'bad_url' || kind === 'refused' ? 'VALIDATION' : 'IO', message, cause);
    this.name = 'OutboundError';
  }
}

export interface VettedTarget {
  url: URL;
  /** the host without IPv6 brackets */
  host: string;
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

const msgPrefix = (label: string | undefined): string => (label ? `${label} ` : '');

/** http/https, no userinfo -> URL; else OutboundError('bad_url'). */
export function parseOutboundUrl(raw: string | URL, label?: string): URL {
  let u: URL;
  const what = label ? `${label} URL` : 'URL';
  try {
    u = new URL(raw);
  } catch {
    throw new OutboundError('bad_url', `${what} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OutboundError('bad_url', `${what} must be http or https`);
  if (u.username || u.password) throw new OutboundError('bad_url', `${what} must not carry credentials`);
  return u;
}

function allowList(entries: readonly string[]): { cidrs: Cidr[]; names: Set<string> } {
  const cidrs: Cidr[] = [];
  const names = new Set<string>();
  for (const e of entries) {
    const c = parseCidr(e.trim());
    if (c) cidrs.push(c);
    else names.add(e.trim().toLowerCase().replace(/\.$/, ''));
  }
  return { cidrs, names };
}

/**
 * Parse, resolve and check a URL without connecting. Refused -> OutboundError('refused',
 * "refused: private address"); a name that does not resolve -> OutboundError('failed').
 */
export async function vetUrl(raw: string | URL, policy: OutboundPolicy, label?: string): Promise<VettedTarget> {
  const url = parseOutboundUrl(raw, label);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allow = allowList(policy.allowPrivate);
  const nameAllowed = allow.names.has(host.toLowerCase().replace(/\.$/, ''));
  let found: ReadonlyArray<{ address: string; family: number }>;
  if (parseIp(host)) {
    found = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      found = await (policy.resolver ?? systemResolver)(host);
    } catch (e) {
      throw new OutboundError('failed', `${msgPrefix(label)}failed: host not found`, null, e);
    }
    if (found.length === 0) throw new OutboundError('failed', `${msgPrefix(label)}failed: host not found`);
  }
  const addresses: VettedTarget['addresses'] = [];
  for (const a of found) {
    const ip = parseIp(a.address);
    const cls = ip ? classifyIp(ip) : 'reserved';
    if (cls !== 'public' && !nameAllowed && !cidrsCover(allow.cidrs, a.address)) {
      throw new OutboundError('refused', `${msgPrefix(label)}refused: private address`, cls);
    }
    addresses.push({ address: a.address, family: ip?.family ?? 4 });
  }
  return { url, host, addresses };
}

export interface OutboundRequest {
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** redirects followed (each hop checked again); 0 returns the 3xx answer as is. Default 5 */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** words for the messages: "download" -> "download failed: HTTP 404", "download refused: …" */
  label?: string;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the body stream (the caller reads or destroys it) */
  body: http.IncomingMessage;
  /** the URL that answered (after redirects) */
  url: URL;
}

/** A `lookup` that only ever answers the vetted addresses (no second DNS query at connect time). */
function pinnedLookup(t: VettedTarget): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, t.addresses);
    else cb(null, t.addresses[0].address, t.addresses[0].family);
  }) as unknown as LookupFunction;
}

function errWord(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code.startsWith('ERR_TLS') || /CERT|SSL/.test(code)) return 'TLS error';
  return 'connection failed';
}

function once(t: VettedTarget, o: OutboundRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = t.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'OnAir-Studio', ...o.headers };
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = mod.request({
      protocol: t.url.protocol,
      host: t.host,
      port: t.url.port || undefined,
      path: `${t.url.pathname}${t.url.search}`,
      method: o.method ?? 'GET',
      headers,
      lookup: pinnedLookup(t),
      servername: parseIp(t.host) ? undefined : t.host,
      agent: false,
      signal: o.signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(o.body);
  });
}

/**
 * Make a request through the guard. Non-2xx answers are returned (the caller decides); a refused
 * address, a bad URL, too many redirects, a network error or an abort -> OutboundError.
 */
export async function outboundRequest(raw: string | URL, policy: OutboundPolicy, o: OutboundRequest = {}): Promise<OutboundResponse> {
  const p = msgPrefix(o.label);
  const maxRedirects = o.maxRedirects ?? 5;
  let current: string | URL = raw;
  let method = o.method ?? 'GET';
  let body = o.body;
  for (let hop = 0; ; hop++) {
    const target = await vetUrl(current, policy, o.label);
    if (o.signal?.aborted) throw new OutboundError('timeout', `${p}failed: cancelled`);
    let res: http.IncomingMessage;
    try {
      res = await once(target, { ...o, method, body });
    } catch (e) {
      if (o.signal?.aborted) throw new OutboundError('timeout', `${p}failed: ${o.signal.reason instanceof DOMException && o.signal.reason.name === 'TimeoutError' ? 'timeout' : 'cancelled'}`, null, e);
      throw new OutboundError('failed', `${p}failed: ${errWord(e)}`, null, e);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (maxRedirects === 0 || ![301, 302, 303, 307, 308].includes(status) || !location) {
      return { status, headers: res.headers, body: res, url: target.url };
    }
    res.destroy();
    if (hop >= maxRedirects) throw new OutboundError('failed', `${p}failed: too many redirects`);
    try {
      current = new URL(location, target.url);
    } catch {
      throw new OutboundError('failed', `${p}failed: bad redirect`);
    }
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}

import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import os from 'node:os';
import type { OnAirConfig } from '../config';
import { allow, deny, type Decision } from './decisions';

/**
 * The front door of every HTTP request: a Host check against DNS rebinding (421 for a name that is not this
 * machine's), and for everything but public media an Origin / Sec-Fetch-Site check, so a page on another
 * origin can neither change nor read anything (a browser always sends Origin on cross-origin writes and
 * Sec-Fetch-Site on every request; scripts and players outside a browser send neither).
 */

function hostnameOf(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

function isLoopbackName(h: string): boolean {
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

let ifaceCache: { at: number; names: Set<string> } | null = null;
function ownAddresses(): Set<string> {
  if (ifaceCache && Date.now() - ifaceCache.at < 30_000) return ifaceCache.names;
  const names = new Set<string>([os.hostname().toLowerCase()]);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''));
  ifaceCache = { at: Date.now(), names };
  return names;
}

/** Whether a Host header names this server: loopback names, the bound address, configured names, our own addresses. */
export function hostAllowed(cfg: OnAirConfig, hostHeader: string | undefined, boundHost: string): boolean {
  if (hostHeader === undefined) return true; // HTTP/1.0 without Host: not a browser, cannot be a rebinding
  const h = hostnameOf(hostHeader);
  if (!h) return false;
  if (isLoopbackName(h)) return true;
  const bound = boundHost.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === bound) return true;
  if (cfg.http.allowed_hosts.some((a) => a.toLowerCase() === h)) return true;
  const wildcard = bound === '0.0.0.0' || bound === '::' || bound === '';
  return wildcard && (ownAddresses().has(h) || (isIP(h) !== 0 && ownAddresses().has(h)));
}

/** Whether a browser request comes from a page this server served (same scheme://host:port). */
export function sameOrigin(headers: IncomingHttpHeaders, secure: boolean): boolean {
  const site = headers['sec-fetch-site'];
  const origin = headers.origin;
  if (origin !== undefined) {
    if (origin === 'null') return false;
    try {
      const o = new URL(origin);
      return o.host === headers.host && o.protocol === (secure ? 'https:' : 'http:');
    } catch {
      return false;
    }
  }
  // no Origin: a navigation or a no-cors fetch (<img>, <script>, <form method=get>): only our own pages or the user typing it
  return site === undefined || site === 'same-origin' || site === 'none';
}

export type RouteAccess = 'media' | 'api' | 'seed' | 'public';

/** The front-door decision for one request to a route of the given kind. */
export function frontDoor(cfg: OnAirConfig, headers: IncomingHttpHeaders, method: string, secure: boolean, boundHost: string, access: RouteAccess): Decision {
  if (!hostAllowed(cfg, headers.host, boundHost)) return deny('host_refused', `this server does not answer to host "${String(headers.host).slice(0, 100)}"; add it to http.allowed_hosts`);
  if (access === 'media') return allow();
  const writes = method !== 'GET' && method !== 'HEAD';
  // a public GET (the panel's files) may be opened from anywhere; anything else only from our own pages
  if (access === 'public' && !writes) return allow();
  if (!sameOrigin(headers, secure)) return deny('origin_refused', 'requests from another web page are refused (open the panel from this server)');
  return allow();
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { OnAirConfig } from '../config';
import { loadOrCreateApiToken } from './api-token';
import { allow, deny, type Decision } from './decisions';
import { LoginThrottle } from './throttle';
import { verifySign, type SignCheck } from './sign';

/**
 * The one authority. Every protocol, route and command asks `authorize(action, resource, request)`:
 *  - `api`     REST, /metrics, /api/ws and the contract: the API gate (Basic, Bearer, ?token=, panel token);
 *  - `seed`    the seed-000 routes (/hls, /update, /recording): a `key` from jobs.api_keys, or API credentials;
 *  - `publish` RTMP publish: the publish sign (auth.publish_secret, else auth.secret) when auth.publish is on;
 *              and with auth.keys on, the stream name must be a known, enabled stream key of that app
 *              (unknown → key_invalid/BadName, disabled → key_disabled/Unauthorized) — except our own
 *              publishes (relay ingests, ladder rungs, re-encodes), which carry `?own=<ownToken(path)>`;
 *              an allowed key then goes live at its public name (`publishPath`), never at /<app>/<key>;
 *  - `play`    RTMP/FLV/HLS/DASH/snapshots/recordings/job outputs: the play sign when auth.play is on.
 * IPC (the desktop app's own renderer) is the studio itself and is always let in.
 * Wrong credentials are throttled per address; the answer for each refusal comes from DENY_TABLE.
 */

export type Action = 'api' | 'seed' | 'publish' | 'play';

/**
 * auth.keys: which stream keys exist (answered by core/rooms/keys.ts, injected so auth imports no feature).
 * `find(app, name)`: the key whose value is `name` on `app` (with its public stream name), or null.
 */
export interface KeyLookup {
  find(app: string, name: string): { enabled: boolean; stream: string } | null;
}

export interface AuthRequest {
  via: 'http' | 'ws' | 'rtmp' | 'ipc';
  /** client address (throttling, logs) */
  ip: string;
  headers?: IncomingHttpHeaders;
  /** query parameters: sign, token, key */
  query?: URLSearchParams | Readonly<Record<string, string>>;
  /** a `key` carried elsewhere (a multipart field) */
  key?: string | null;
}

function q(r: AuthRequest, k: string): string | undefined {
  if (!r.query) return undefined;
  if (r.query instanceof URLSearchParams) return r.query.get(k) ?? undefined;
  return r.query[k];
}

export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signDecision(check: SignCheck, what: string): Decision {
  if (check.ok) return allow();
  const reason = check.reason === 'missing' ? 'sign_required' : check.reason === 'expired' ? 'sign_expired' : 'sign_invalid';
  return deny(reason, `${what} refused: sign ${check.reason}`);
}

type Creds = 'none' | 'valid' | 'invalid';

export class AuthAuthority {
  private readonly processKey = randomBytes(32);
  private generated: string | null = null;
  readonly throttle = new LoginThrottle();

  constructor(private readonly config: () => OnAirConfig) {}

  private keys: KeyLookup | null = null;

  /** auth.keys: where stream keys are looked up (the rooms feature's key service). */
  setKeyLookup(k: KeyLookup | null): void {
    this.keys = k;
  }

  /**
   * The credential of this studio's own publishes on `path` (relay ingests, ladder rungs, re-encodes): an HMAC
   * under a key that lives only in this process, sent as `?own=`. Exempts them from auth.keys (the sign, when
   * auth.publish is on, is still required).
   */
  ownToken(path: string): string {
    return createHmac('sha256', this.processKey).update(`own\0${path}`).digest('base64url');
  }

  private keyDecision(path: string, r: AuthRequest): Decision {
    const own = q(r, 'own');
    if (own && same(own, this.ownToken(path))) return allow();
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
    const k = m ? this.keys?.find(m[1], m[2]) ?? null : null;
    if (!k) return deny('key_invalid', `publish ${m ? `/${m[1]}/` : path} refused from ${r.ip}: not a known stream key`);
    if (!k.enabled) return deny('key_disabled', `publish /${m?.[1] ?? ''}/ refused from ${r.ip}: the stream key is disabled`);
    return allow();
  }

  /**
   * Where a publish to `/<app>/<name>` goes live. With auth.keys on and `name` a known stream key: the key's public
   * name, `/<app>/<stream>` (the key is the secret that lets one publish; players, the registry, hooks, HLS,
   * recordings and logs only ever see the public path — stream key ≠ stream name). Otherwise `/<app>/<name>`.
   * Ask it after `authorize('publish', …)` allowed the name.
   */
  publishPath(app: string, name: string): { app: string; name: string; path: string } {
    const k = this.config().auth.keys ? this.keys?.find(app, name) ?? null : null;
    const n = k?.stream || name;
    return { app, name: n, path: `/${app}/${n}` };
  }

  /** The token the API accepts: auth.api_token, else the one generated in the data folder (made on first use). */
  apiToken(): string | null {
    const cfg = this.config();
    if (cfg.auth.api_token) return cfg.auth.api_token;
    if (!cfg.auth.api) return null;
    this.generated ??= loadOrCreateApiToken(cfg.data_dir);
    return this.generated;
  }

  /** The panel's session token: changes with the credentials and with every process start. */
  panelToken(): string {
    const a = this.config().auth;
    return createHmac('sha256', this.processKey).update(`panel\0${a.api_user}\0${a.api_pass}\0${this.apiToken() ?? ''}`).digest('base64url');
  }

  /** Check a token (API token or panel token) or user/password without throttling. */
  credentialsOk(c: { token?: string | null; user?: string; pass?: string }): boolean {
    const a = this.config().auth;
    if (c.token) {
      const api = this.apiToken();
      return (!!api && same(c.token, api)) || same(c.token, this.panelToken());
    }
    if (c.user !== undefined && c.pass !== undefined) return !!a.api_pass && same(c.user, a.api_user) && same(c.pass, a.api_pass);
    return false;
  }

  /** What credentials a request carries: Authorization (Basic/Bearer) or ?token=. */
  private credentials(r: AuthRequest): Creds {
    const h = r.headers?.authorization;
    const token = q(r, 'token');
    if (h?.startsWith('Bearer ')) return this.credentialsOk({ token: h.slice(7).trim() }) ? 'valid' : 'invalid';
    if (h?.startsWith('Basic ')) {
      const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) return 'invalid';
      return this.credentialsOk({ user: decoded.slice(0, i), pass: decoded.slice(i + 1) }) ? 'valid' : 'invalid';
    }
    if (token) return this.credentialsOk({ token }) ? 'valid' : 'invalid';
    return 'none';
  }

  /** Run a credential check through the throttle: locked addresses are refused without checking. */
  private throttled(ip: string, check: () => Creds): Creds | Decision {
    const wait = this.throttle.lockedFor(ip);
    if (wait > 0) return deny('throttled', `too many wrong credentials from this address; try again in ${Math.ceil(wait)} s`, wait);
    const c = check();
    if (c === 'invalid') this.throttle.failed(ip);
    else if (c === 'valid') this.throttle.succeeded(ip);
    return c;
  }

  /** Whether the request carries valid API credentials (the admin may do anything, watch any stream). */
  private isAdmin(r: AuthRequest): Creds | Decision {
    if (r.via === 'ipc') return 'valid';
    return this.throttled(r.ip, () => this.credentials(r));
  }

  authorize(action: Action, resource: string, r: AuthRequest): Decision {
    const cfg = this.config();
    if (r.via === 'ipc') return allow();
    switch (action) {
      case 'api': {
        if (!cfg.auth.api) return allow();
        const c = this.isAdmin(r);
        if (typeof c === 'object') return c;
        if (c === 'valid') return allow();
        return c === 'none' ? deny('credentials_required', 'API credentials required (Bearer token, ?token= or Basic auth)') : deny('credentials_invalid', 'wrong API credentials');
      }
      case 'seed': {
        const key = r.key ?? q(r, 'key');
        const keys = cfg.jobs.api_keys;
        if (key && keys.some((k) => same(k, key))) return allow();
        if (key && cfg.auth.api && this.credentialsOk({ token: key })) return allow();
        if (!cfg.auth.api && keys.length === 0) return allow();
        const c = this.isAdmin(r);
        if (typeof c === 'object') return c;
        if (c === 'valid') return allow();
        if (key) this.throttle.failed(r.ip);
        return deny('key_invalid', key ? 'bad key' : 'a key is required');
      }
      case 'publish': {
        if (cfg.auth.publish) {
          // with auth.keys on the name is a secret key: the refusal names the app only
          const what = cfg.auth.keys ? `publish ${resource.slice(0, resource.lastIndexOf('/') + 1)}` : `publish ${resource}`;
          const d = signDecision(verifySign(resource, q(r, 'sign'), cfg.auth.publish_secret || cfg.auth.secret), what);
          if (!d.ok) return d;
        }
        return cfg.auth.keys ? this.keyDecision(resource, r) : allow();
      }
      case 'play': {
        if (!cfg.auth.play) return allow();
        const d = signDecision(verifySign(resource, q(r, 'sign'), cfg.auth.secret), `play ${resource}`);
        if (d.ok || r.via === 'rtmp') return d;
        // the panel (real API credentials, not just "gate off") may watch without a sign
        if (cfg.auth.api && (r.headers?.authorization || q(r, 'token')) && this.isAdmin(r) === 'valid') return allow();
        return d;
      }
    }
  }
}

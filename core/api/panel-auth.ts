import type { AuthAuthority } from '../auth/authority';
import { httpDenial } from '../auth/decisions';
import type { OnAirConfig } from '../config';
import { clientIp, readJson, sendError, sendJson } from '../http/util';
import type { Router } from '../http/router';

/**
 * How the browser panel gets through the API gate. Browsers cannot set headers on a WebSocket, and a
 * 401 carrying a Basic challenge would pop the browser's own password dialog, so the panel:
 *   GET  /panel/session?token=T  -> { gate, valid }   (never 401)
 *   POST /panel/login {token} | {user, pass} -> { token } | 401 without a challenge | 429 while throttled
 * and connects to /api/ws?token=<panel token>. Scripts keep using Basic/Bearer on /api/*
 * (GET /api/panel-token trades those for the same panel token). Every check goes to the one authority
 * (core/auth/authority.ts), which throttles wrong credentials per address.
 */

function credentialsOf(body: unknown): { token?: string; user?: string; pass?: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as { token?: unknown; user?: unknown; pass?: unknown };
  if (typeof b.token === 'string' && b.token) return { token: b.token };
  if (typeof b.user === 'string' && typeof b.pass === 'string') return { user: b.user, pass: b.pass };
  return null;
}

export function addPanelAuthRoutes(router: Router, config: () => OnAirConfig, auth: AuthAuthority): void {
  router.add('GET', '/panel/session', (req, res, _p, url) => {
    const cfg = config();
    const token = url.searchParams.get('token');
    const ip = clientIp(req);
    let valid = !cfg.auth.api;
    if (!valid && token && auth.throttle.lockedFor(ip) === 0) {
      valid = auth.credentialsOk({ token });
      if (valid) auth.throttle.succeeded(ip);
      else auth.throttle.failed(ip);
    }
    sendJson(res, 200, { gate: cfg.auth.api, valid });
  });
  router.add('POST', '/panel/login', async (req, res) => {
    const cfg = config();
    const body = await readJson(req, 4096);
    if (!cfg.auth.api) return sendJson(res, 200, { token: null });
    const ip = clientIp(req);
    const wait = auth.throttle.lockedFor(ip);
    if (wait > 0) {
      const h = httpDenial({ ok: false, reason: 'throttled', message: '', retryAfterS: wait });
      return sendError(res, h.status, h.code, `too many wrong attempts; try again in ${Math.ceil(wait)} s`, h.headers);
    }
    const cred = credentialsOf(body);
    if (cred && auth.credentialsOk(cred)) {
      auth.throttle.succeeded(ip);
      return sendJson(res, 200, { token: auth.panelToken() });
    }
    auth.throttle.failed(ip);
    sendError(res, 401, 'UNAUTHORIZED', 'wrong token or user name/password');
  });
  router.add('GET', '/api/panel-token', (_req, res) => {
    const cfg = config();
    sendJson(res, 200, { auth: cfg.auth.api, token: cfg.auth.api ? auth.panelToken() : null });
  });
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { OnAirConfig } from '../config';
import { apiAuthorized } from './api-auth';
import { readJson, sendError, sendJson } from './http-util';
import type { Router } from './routes';

/**
 * How the browser panel gets through the API gate. Browsers cannot set headers on a WebSocket, and a
 * 401 carrying a Basic challenge would pop the browser's own password dialog, so the panel:
 *   GET  /panel/session?token=T  -> { gate, valid }   (never 401)
 *   POST /panel/login {token} | {user, pass} -> { token } | 401 without a challenge
 * and connects to /api/ws?token=<panel token>. Scripts keep using Basic/Bearer on /api/*
 * (GET /api/panel-token trades those for the same panel token).
 */

const processKey = randomBytes(32);

/** Changes with the credentials and with every process start. */
export function panelToken(cfg: OnAirConfig): string {
  const a = cfg.auth;
  return createHmac('sha256', processKey).update(`panel\0${a.api_user}\0${a.api_pass}\0${a.api_token ?? ''}`).digest('base64url');
}

export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function validPanelToken(cfg: OnAirConfig, t: string | null): boolean {
  return !!t && same(t, panelToken(cfg));
}

/**
 * /api/ws and /api/*: the API's own credentials (Basic, Bearer, ?token=<api_token>) or ?token=<panel token>
 * (how the browser panel's <img>, <video> and uploads reach /api/recordings and /api/jobs/upload).
 */
export function wsAuthorized(cfg: OnAirConfig, req: IncomingMessage, url: URL): boolean {
  return apiAuthorized(cfg, req, url) || validPanelToken(cfg, url.searchParams.get('token'));
}

function credentialsOk(cfg: OnAirConfig, body: unknown): boolean {
  const a = cfg.auth;
  if (typeof body !== 'object' || body === null) return false;
  const b = body as { token?: unknown; user?: unknown; pass?: unknown };
  if (typeof b.token === 'string' && b.token) return (!!a.api_token && same(b.token, a.api_token)) || validPanelToken(cfg, b.token);
  if (typeof b.user === 'string' && typeof b.pass === 'string') return !!a.api_pass && same(b.user, a.api_user) && same(b.pass, a.api_pass);
  return false;
}

export function addPanelAuthRoutes(router: Router, config: () => OnAirConfig): void {
  let failures = 0;
  router.add('GET', '/panel/session', (_req, res, _p, url) => {
    const cfg = config();
    const token = url.searchParams.get('token');
    sendJson(res, 200, { gate: cfg.auth.api, valid: !cfg.auth.api || (!!token && credentialsOk(cfg, { token })) });
  });
  router.add('POST', '/panel/login', async (req, res) => {
    const cfg = config();
    const body = await readJson(req, 4096);
    if (!cfg.auth.api) return sendJson(res, 200, { token: null });
    if (credentialsOk(cfg, body)) {
      failures = 0;
      return sendJson(res, 200, { token: panelToken(cfg) });
    }
    // slow down guessing: each failure in a row waits a little longer (max 2 s)
    failures++;
    await new Promise((r) => setTimeout(r, Math.min(2000, 200 * failures)));
    sendError(res, 401, 'UNAUTHORIZED', 'wrong token or user name/password');
  });
  router.add('GET', '/api/panel-token', (_req, res) => {
    const cfg = config();
    sendJson(res, 200, { auth: cfg.auth.api, token: cfg.auth.api ? panelToken(cfg) : null });
  });
}

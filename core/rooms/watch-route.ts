import type { ServerResponse } from 'node:http';
import type { OnAirConfig } from '../config';
import type { Room } from '../contract/rooms';
import { makeSign } from '../auth/sign';
import type { Router } from '../http/router';
import { sendJson } from '../http/util';
import { notFoundHtml, watchPageHtml, WATCH_CSP, type WatchConfig } from './watch-page';
import { WatchAssets, WATCH_ASSETS, type WatchAsset } from './watch-assets';

/** How long the playlist sign handed to a watch page is valid (auth.play on). */
export const WATCH_SIGN_S = 6 * 3600;

export interface WatchDeps {
  config(): OnAirConfig;
  /** a room by id, or null when there is none */
  room(id: number): Room | null | undefined;
  /** the panel's build folder (the hls.js fallback when node_modules has none) */
  panelDir?: string;
}

const ASSET_TYPES: Record<WatchAsset, string> = {
  'watch.js': 'text/javascript; charset=utf-8',
  'hls.mjs': 'text/javascript; charset=utf-8',
  'socket.io.mjs': 'text/javascript; charset=utf-8',
  'watch.css': 'text/css; charset=utf-8',
};

const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

function sendHtml(res: ServerResponse, status: number, html: string, head: boolean): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': WATCH_CSP,
  });
  res.end(head ? undefined : html);
}

function roomId(raw: string): number | null {
  if (!/^[1-9]\d{0,14}$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/** The page's view of a room: stream path and, with auth.play on, a sign for it valid WATCH_SIGN_S. */
export function watchConfig(cfg: OnAirConfig, room: Room, nowSec = Math.floor(Date.now() / 1000)): WatchConfig {
  // room.stream: the public name with auth.keys on (the key itself never reaches a viewer then)
  const stream = room.stream ? `/${room.app}/${room.stream}` : null;
  const expires = cfg.auth.play && stream ? nowSec + WATCH_SIGN_S : null;
  return {
    room: room.id,
    title: room.title,
    status: room.status,
    viewers: room.viewers.total,
    stream,
    sign: expires !== null && stream ? makeSign(stream, expires, cfg.auth.secret) : null,
    expires,
  };
}

/** The public state a watch page polls: no stream key, no sign. */
export function publicState(room: Room): { room: number; title: string; status: Room['status']; viewers: number; chat: number } {
  return { room: room.id, title: room.title, status: room.status, viewers: room.viewers.total, chat: room.viewers.chat };
}

/**
 * GET /watch/<id> (the page), GET /watch/<id>/state (its live state, JSON) and GET /watch/assets/<file>: all
 * `public` (no panel login; the front door still checks Host). An unknown room is a 404 page.
 */
export function mountWatch(router: Router, deps: WatchDeps): void {
  const assets = new WatchAssets(deps.panelDir);
  const files = WATCH_ASSETS.map((f) => f.replace(/\./g, '\\.')).join('|');
  router.add('GET', `/watch/assets/:file(${files})`, (req, res, p) => {
    const name = p.file as WatchAsset;
    const body = assets.get(name);
    if (!body) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `${name} is not installed` } });
    res.writeHead(200, { ...BASE_HEADERS, 'content-type': ASSET_TYPES[name], 'content-length': body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }, 'public');

  router.add('GET', '/watch/:id/state', (_req, res, p) => {
    const id = roomId(p.id);
    const room = id === null ? null : deps.room(id);
    if (!room) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such room' } });
    sendJson(res, 200, publicState(room), { 'cache-control': 'no-store' });
  }, 'public');

  router.add('GET', '/watch/:id', (req, res, p) => {
    const id = roomId(p.id);
    const room = id === null ? null : deps.room(id);
    const head = req.method === 'HEAD';
    if (!room) return sendHtml(res, 404, notFoundHtml('There is no room here. Check the link you were given.'), head);
    sendHtml(res, 200, watchPageHtml(watchConfig(deps.config(), room)), head);
  }, 'public');
}

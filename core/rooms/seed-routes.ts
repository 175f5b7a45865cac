import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { makeSign } from '../auth/sign';
import type { OnAirConfig } from '../config';
import type { Room } from '../contract/rooms';
import { RoomAddSchema } from '../contract/rooms';
import { httpStatusOf, isOnAirError } from '../errors';
import type { RouteHandler, Router } from '../http/router';
import { readJson, sendJson } from '../http/util';
import type { RoomsService } from './rooms';

/**
 * Seed 002's live-room REST API, behind the API gate (route access 'api'), in the seed's envelope:
 *  - success: HTTP 200 `{ msg: 'ok', data: … }` (egg's ctx.apiSuccess);
 *  - failure: HTTP 4xx `{ msg: <the seed's message, Chinese where the seed has one>, data: null, code: <English code> }`
 *    (the seed's ctx.apiFail body is not shown; this is the documented shape). 400 for bad input and the seed's
 *    own failures ("该直播间不存在" ROOM_NOT_FOUND, "该直播间已结束" ROOM_ENDED), 413 for a body over 1 MiB.
 *
 *  POST /api/live/create        {title, cover}  → { data: room, sign }
 *  POST /api/live/changestatus  {id, type: play|pause|stop} → 'ok'
 *  GET  /api/live/list/:page    10 a page, newest first → room[]
 *  GET  /api/live/read/:id      → { data: room, sign } (sign null once the room has ended)
 *
 * `sign` is the seed's: `<expires>-md5("/<app>/<key>-<expires>-<auth.secret>")`, valid 100000 s — the play sign,
 * and the publish sign too unless auth.publish_secret is set (then `publish_sign` carries it). With auth.keys on,
 * the key is only the push credential: the stream goes live at the key's public name, so the answer adds
 * `play_path` ("/<app>/<stream>") and `play_sign` (the same form, for that path) — what players use.
 */

/** seed 002 sign(): now + 100000000 ms */
const SEED_SIGN_S = 100_000;

export interface SeedRoom {
  id: number;
  title: string;
  cover: string;
  key: string;
  app: string;
  status: 0 | 1 | 2 | 3;
  look_count: number;
  coin: number;
  /** "YYYY-MM-DD HH:mm:ss" (local time, as the seed's database answers it) */
  created_time: string;
  /** ISO 8601 */
  updated_time: string;
  watch_path: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function seedRoom(r: Room): SeedRoom {
  return {
    id: r.id, title: r.title, cover: r.cover, key: r.key, app: r.app, status: r.status, look_count: r.look_count, coin: 0,
    created_time: localTime(r.created_at), updated_time: new Date(r.updated_at).toISOString(), watch_path: r.watch_path,
  };
}

interface Signs {
  sign: string;
  publish_sign?: string;
  play_path?: string;
  play_sign?: string;
}

function signs(cfg: OnAirConfig, r: Room): Signs {
  const path = `/${r.app}/${r.key}`;
  const expires = Math.floor(Date.now() / 1000) + SEED_SIGN_S;
  const sign = makeSign(path, expires, cfg.auth.secret);
  const pub = cfg.auth.publish_secret;
  const out: Signs = pub && pub !== cfg.auth.secret ? { sign, publish_sign: makeSign(path, expires, pub) } : { sign };
  // auth.keys on: the key publishes at its public name, which players use with its own play sign
  if (cfg.auth.keys && r.stream && r.stream !== r.key) {
    out.play_path = `/${r.app}/${r.stream}`;
    out.play_sign = makeSign(out.play_path, expires, cfg.auth.secret);
  }
  return out;
}

const ok = (res: ServerResponse, data: unknown): void => sendJson(res, 200, { msg: 'ok', data });
const fail = (res: ServerResponse, msg: string, code: string, status = 400): void => sendJson(res, status, { msg, data: null, code });

const IntId = z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9]\d{0,14}$/).transform(Number)]);
const CreateSchema = z.object({ title: RoomAddSchema.shape.title, cover: z.string().max(2048, 'too long').default('') });
const ChangeSchema = z.object({ id: IntId, type: z.enum(['play', 'pause', 'stop']) });
const PathInt = /^[1-9]\d{0,14}$/;

async function body(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  try {
    return await readJson(req);
  } catch (e) {
    if (isOnAirError(e) && e.code === 'LIMIT') fail(res, '请求体过大', 'BODY_TOO_LARGE', 413);
    else fail(res, '请求体不是有效的 JSON', 'VALIDATION');
    return undefined;
  }
}

function invalid(res: ServerResponse, error: z.ZodError): void {
  const i = error.issues[0];
  const at = i?.path.map(String).join('.') || 'body';
  fail(res, `参数错误: ${at} ${i?.message ?? 'invalid'}`, 'VALIDATION');
}

/** Every failure in the seed's envelope, a thrown one included (the store down: 507/500 with its code). */
function guard(h: RouteHandler): RouteHandler {
  return async (req, res, params, url) => {
    try {
      await h(req, res, params, url);
    } catch (e) {
      if (res.headersSent) return;
      if (isOnAirError(e)) fail(res, e.message, e.code, e.code === 'NOT_FOUND' || e.code === 'CONFLICT' || e.code === 'VALIDATION' ? 400 : httpStatusOf(e.code));
      else fail(res, '服务器内部错误', 'INTERNAL', 500);
    }
  };
}

export function mountSeedRoutes(router: Router, rooms: RoomsService, config: () => OnAirConfig): void {
  router.add('POST', '/api/live/create', guard(async (req, res) => {
    const raw = await body(req, res);
    if (raw === undefined) return;
    const p = CreateSchema.safeParse(raw);
    if (!p.success) return invalid(res, p.error);
    const room = rooms.add({ title: p.data.title, cover: p.data.cover, app: 'live' });
    ok(res, { data: seedRoom(room), ...signs(config(), room) });
  }), 'api');

  router.add('POST', '/api/live/changestatus', guard(async (req, res) => {
    const raw = await body(req, res);
    if (raw === undefined) return;
    const p = ChangeSchema.safeParse(raw);
    if (!p.success) return invalid(res, p.error);
    const room = rooms.find(p.data.id);
    if (!room) return fail(res, '该直播间不存在', 'ROOM_NOT_FOUND');
    if (room.status === 3) return fail(res, '该直播间已结束', 'ROOM_ENDED');
    rooms.setStatus(room.id, p.data.type);
    ok(res, 'ok');
  }), 'api');

  router.add('GET', '/api/live/list/:page', guard((_req, res, params) => {
    if (!PathInt.test(params.page ?? '')) return fail(res, '参数错误: page 必须是正整数', 'VALIDATION');
    ok(res, rooms.page(Number(params.page), 10).map(seedRoom));
  }), 'api');

  router.add('GET', '/api/live/read/:id', guard((_req, res, params) => {
    if (!PathInt.test(params.id ?? '')) return fail(res, '参数错误: id 必须是正整数', 'VALIDATION');
    const room = rooms.find(Number(params.id));
    if (!room) return fail(res, '当前直播间不存在', 'ROOM_NOT_FOUND');
    ok(res, room.status === 3 ? { data: seedRoom(room), sign: null } : { data: seedRoom(room), ...signs(config(), room) });
  }), 'api');
}

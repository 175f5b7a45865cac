import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import type { AuthAuthority } from '../auth/authority';
import type { Decision } from '../auth/decisions';
import { isOnAirError, OnAirError } from '../errors';
import { isCallbackUrl } from '../jobs/callbacks';
import type { JobEngine, TranscodeSource } from '../jobs/engine';
import { baseUrlFromHost } from '../jobs/job-urls';
import { InputError } from '../jobs/probe';
import { isValidName } from '../media/stream-path';
import type { RouteHandler, Router } from '../http/router';
import { VERSION } from './stats';
import { clientIp } from '../http/util';
import { discardForm, receiveMultipart, type ReceivedForm } from '../http/upload';

/**
 * Seed 000's HTTP API, same names and envelope: `{ code, data, msg }` (code as a string, HTTP 200).
 * 200 ok · 444 bad key · 500/40500 program error · 40501 not a supported video · 40502 callback is not
 * a URL · 40503 disk file missing · 40504 download failed / no such stream.
 */

export type CompatCode = '200' | '444' | '500' | '40500' | '40501' | '40502' | '40503' | '40504';

export interface CompatDeps {
  engine: JobEngine;
  auth: AuthAuthority;
  config: () => OnAirConfig;
  log: Logger;
}

export function sendEnvelope(res: ServerResponse, code: CompatCode, data: unknown, msg: string | null): void {
  const text = JSON.stringify({ code, data, msg: code === '200' ? null : msg });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache' });
  res.end(text);
}

/** Which seed code an error from a given kind of request becomes. */
export function compatCodeOf(e: unknown, via: 'disk' | 'url' | 'upload' | 'record'): CompatCode {
  if (e instanceof InputError) {
    switch (e.reason) {
      case 'not_video':
      case 'empty':
        return '40501';
      case 'missing':
        return via === 'disk' ? '40503' : via === 'upload' ? '40501' : '40504';
      case 'outside_roots':
        return '40503';
      case 'download':
        return '40504';
      case 'too_large':
        return via === 'url' ? '40504' : '40500';
      case 'bad_request':
        return '40500';
    }
  }
  if (isOnAirError(e) && (e.code === 'VALIDATION' || e.code === 'LIMIT' || e.code === 'BUSY')) return '40500';
  return '500';
}

/**
 * The seed routes ask the one authority (`seed`): a `key` from jobs.api_keys, the API token as `key`, or API
 * credentials (Bearer/Basic/?token=). With the gate off and no api_keys configured they are open, as in seed 000.
 */
function seedAllowed(deps: CompatDeps, req: IncomingMessage, url: URL, key?: string | null): Decision {
  return deps.auth.authorize('seed', url.pathname, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams, ...(key !== undefined ? { key } : {}) });
}

function refuseKey(res: ServerResponse, d: Exclude<Decision, { ok: true }>): void {
  sendEnvelope(res, '444', null, d.reason === 'throttled' ? d.message : 'bad key');
}

/** 40502's text for a callback that is not an http(s) URL or points at a private address; null when fine. */
async function callbackRefusal(deps: CompatDeps, callback: string | null | undefined): Promise<string | null> {
  if (!callback) return null;
  if (!isCallbackUrl(callback)) return 'callback must be an http(s) URL';
  try {
    await deps.engine.checkCallback(callback);
    return null;
  } catch (e) {
    return isOnAirError(e) ? e.message : 'callback refused';
  }
}

/** What a caller reads: our own errors' texts; a raw program error's text may name local files, so it stays in the log. */
function publicMessage(code: CompatCode, e: unknown): string {
  return code === '500' && !isOnAirError(e) ? 'internal error (see the studio log)' : (e as Error).message;
}

/** `cover=1&cover=3`, `cover=1,3` or `cover=[1,3]` -> seconds; null when a value is not a number. */
export function parseCoverTimes(values: readonly string[]): number[] | null {
  const out: number[] = [];
  for (const v of values) {
    for (const part of v.replace(/^\s*\[|\]\s*$/g, '').split(',')) {
      if (!part.trim()) continue;
      const n = Number(part.trim());
      if (!Number.isFinite(n) || n < 0 || n > 864_000) return null;
      out.push(n);
    }
  }
  return out.length > 20 ? null : out;
}

/** `/app/name`, `rtmp://h/app/name`, `http://h/app/name.flv|.m3u8`, `http://h/app/name/index.m3u8` -> app + name. */
export function parseStreamRef(s: string): { app: string; name: string } | null {
  let p = s.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    try {
      p = new URL(p).pathname;
    } catch {
      return null;
    }
  }
  p = p.split(/[?#]/)[0].replace(/\/(index|ll)\.(m3u8|mpd)$/, '').replace(/\.(m3u8|flv|mpd)$/, '');
  const parts = p.split('/').filter(Boolean);
  if (parts.length !== 2) return null;
  let app: string;
  let name: string;
  try {
    app = decodeURIComponent(parts[0]);
    name = decodeURIComponent(parts[1]);
  } catch {
    return null;
  }
  return isValidName(app) && isValidName(name) ? { app, name } : null;
}

async function startTranscode(deps: CompatDeps, req: IncomingMessage, res: ServerResponse, source: TranscodeSource, via: 'disk' | 'url' | 'upload', covers: number[], callback: string | null): Promise<void> {
  // the client hanging up before the answer cancels a download in progress (and removes its file)
  const gone = new AbortController();
  const onClose = (): void => {
    if (!res.writableEnded) gone.abort();
  };
  res.once('close', onClose);
  try {
    const job = await deps.engine.transcode({
      source,
      options: { covers: covers.length ? { times: covers } : { count: 1 }, ...(callback ? { callback } : {}) },
      baseUrl: baseUrlFromHost(req.headers.host, 'encrypted' in req.socket),
      signal: gone.signal,
    });
    const a = deps.engine.addresses(job);
    sendEnvelope(res, '200', { liveAddress: a.liveAddress, hdAddress: a.hdAddress, cover: a.cover, masterAddress: a.masterAddress, id: a.id }, null);
  } catch (e) {
    const code = compatCodeOf(e, via);
    if (code === '500') deps.log.error({ err: e }, 'compat transcode failed');
    if (!gone.signal.aborted) sendEnvelope(res, code, null, publicMessage(code, e));
  } finally {
    res.off('close', onClose);
  }
}

export function mountCompatRoutes(router: Router, deps: CompatDeps): void {
  const seedRoute = (method: string, pattern: string, h: RouteHandler): void => {
    router.add(method, pattern, h, 'seed');
  };
  router.add('GET', '/version', (_req, res) => sendEnvelope(res, '200', { version: VERSION, name: 'onair-studio' }, null));

  seedRoute('GET', '/hls', async (req, res, _p, url) => {
    const q = url.searchParams;
    const allowed = seedAllowed(deps, req, url);
    if (!allowed.ok) return refuseKey(res, allowed);
    const callback = q.get('callback');
    const refusedCb = await callbackRefusal(deps, callback);
    if (refusedCb) return sendEnvelope(res, '40502', null, refusedCb);
    const covers = parseCoverTimes(q.getAll('cover'));
    if (!covers) return sendEnvelope(res, '40500', null, 'cover must be seconds (numbers)');
    const way = q.get('way');
    const uri = q.get('uri');
    if (!uri) return sendEnvelope(res, '40500', null, 'uri is required');
    if (way === 'disk') return startTranscode(deps, req, res, { type: 'path', path: uri }, 'disk', covers, callback || null);
    if (way === 'url') return startTranscode(deps, req, res, { type: 'url', url: uri }, 'url', covers, callback || null);
    return sendEnvelope(res, '40500', null, 'way must be "disk" or "url"');
  });

  seedRoute('POST', '/update', async (req, res, _p, url) => {
    const cfg = deps.config();
    // the key comes in the query, a header, or a form field before the file: nothing is written until it passed
    const early = seedAllowed(deps, req, url);
    if (!early.ok && (url.searchParams.has('key') || early.reason === 'throttled' || req.headers.authorization)) return refuseKey(res, early);
    let refusal: Exclude<Decision, { ok: true }> | null = null;
    const beforeFile = early.ok ? undefined : (fields: ReadonlyMap<string, string[]>): void => {
      const d = seedAllowed(deps, req, url, fields.get('key')?.[0] ?? null);
      if (!d.ok) {
        refusal = d;
        throw new OnAirError('AUTH', 'bad key');
      }
    };
    let form: ReceivedForm;
    try {
      form = await receiveMultipart(req, deps.engine.incomingDir(), { maxFileBytes: cfg.jobs.max_upload_bytes, maxFiles: 1, ...(beforeFile ? { beforeFile } : {}) });
    } catch (e) {
      if (refusal) {
        req.resume();
        return refuseKey(res, refusal);
      }
      return sendEnvelope(res, compatCodeOf(e, 'upload'), null, (e as Error).message);
    }
    const field = (k: string): string[] => form.fields.get(k) ?? [];
    const refuse = (code: CompatCode, msg: string): void => {
      discardForm(form);
      sendEnvelope(res, code, null, msg);
    };
    if (!early.ok && !form.files.length) {
      // no file part at all: the key still has to pass
      const d = seedAllowed(deps, req, url, field('key')[0] ?? null);
      if (!d.ok) return refuse('444', 'bad key');
    }
    const callback = field('callback')[0] ?? url.searchParams.get('callback');
    const refusedCb = await callbackRefusal(deps, callback);
    if (refusedCb) return refuse('40502', refusedCb);
    const covers = parseCoverTimes([...field('cover'), ...url.searchParams.getAll('cover')]);
    if (!covers) return refuse('40500', 'cover must be seconds (numbers)');
    const file = form.files.find((f) => f.field === 'file');
    if (!file) return refuse('40500', 'multipart field "file" is required');
    return startTranscode(deps, req, res, { type: 'upload', file: file.path, filename: file.filename || 'upload' }, 'upload', covers, callback || null);
  });

  seedRoute('GET', '/recording', async (req, res, _p, url) => {
    const q = url.searchParams;
    const allowed = seedAllowed(deps, req, url);
    if (!allowed.ok) return refuseKey(res, allowed);
    const callback = q.get('callback');
    const refusedCb = await callbackRefusal(deps, callback);
    if (refusedCb) return sendEnvelope(res, '40502', null, refusedCb);
    const ref = parseStreamRef(q.get('m3u8') ?? '');
    if (!ref) return sendEnvelope(res, '40500', null, 'm3u8 must be a stream URL or /app/name');
    const d = q.get('duration');
    const duration = d === null || d === '' ? undefined : Number(d);
    if (duration !== undefined && !(Number.isFinite(duration) && duration >= 1 && duration <= 86_400)) return sendEnvelope(res, '40500', null, 'duration must be 1..86400 seconds');
    // Seed 000: the callback GETs "all the data you defined in the callback" (its example: `id` from a
    // callback URL like http://localhost/version?id=12) plus diskuri, neturi and t. So the caller's own
    // fields travel in the callback URL's query, which they wrote; other query parameters of THIS request
    // are not copied (the seed does not ask for it, and it let a caller shape requests we send).
    const extra: Record<string, string> = {};
    const baseUrl = baseUrlFromHost(req.headers.host, 'encrypted' in req.socket);
    try {
      const rec = await deps.engine.recorder.start({ ...ref, duration, callback: callback ? { url: callback, extra } : null, baseUrl });
      sendEnvelope(res, '200', { id: rec.id, diskuri: rec.file, neturi: (baseUrl ?? '') + rec.url }, null);
    } catch (e) {
      const code = compatCodeOf(e, 'record');
      if (code === '500') deps.log.error({ err: e }, 'compat recording failed');
      sendEnvelope(res, code, null, publicMessage(code, e));
    }
  });
}

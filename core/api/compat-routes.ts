import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import { isOnAirError } from '../errors';
import { isCallbackUrl } from '../jobs/callbacks';
import type { JobEngine, TranscodeSource } from '../jobs/engine';
import { baseUrlFromHost } from '../jobs/job-urls';
import { InputError } from '../jobs/probe';
import { isValidName } from '../media/stream-path';
import type { Router } from './routes';
import { VERSION } from './stats';
import { discardForm, receiveMultipart, type ReceivedForm } from './upload';

/**
 * Seed 000's HTTP API, same names and envelope: `{ code, data, msg }` (code as a string, HTTP 200).
 * 200 ok · 444 bad key · 500/40500 program error · 40501 not a supported video · 40502 callback is not
 * a URL · 40503 disk file missing · 40504 download failed / no such stream.
 */

export type CompatCode = '200' | '444' | '500' | '40500' | '40501' | '40502' | '40503' | '40504';

export interface CompatDeps {
  engine: JobEngine;
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
  if (isOnAirError(e) && (e.code === 'VALIDATION' || e.code === 'LIMIT')) return '40500';
  return '500';
}

function keyOk(cfg: OnAirConfig, key: string | null | undefined): boolean {
  const keys = cfg.jobs.api_keys;
  return keys.length === 0 || (typeof key === 'string' && keys.includes(key));
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
  try {
    const job = await deps.engine.transcode({
      source,
      options: { covers: covers.length ? { times: covers } : { count: 1 }, ...(callback ? { callback } : {}) },
      baseUrl: baseUrlFromHost(req.headers.host, 'encrypted' in req.socket),
    });
    const a = deps.engine.addresses(job);
    sendEnvelope(res, '200', { liveAddress: a.liveAddress, hdAddress: a.hdAddress, cover: a.cover, masterAddress: a.masterAddress, id: a.id }, null);
  } catch (e) {
    const code = compatCodeOf(e, via);
    if (code === '500') deps.log.error({ err: e }, 'compat transcode failed');
    sendEnvelope(res, code, null, (e as Error).message);
  }
}

export function mountCompatRoutes(router: Router, deps: CompatDeps): void {
  router.add('GET', '/version', (_req, res) => sendEnvelope(res, '200', { version: VERSION, name: 'onair-studio' }, null));

  router.add('GET', '/hls', async (req, res, _p, url) => {
    const q = url.searchParams;
    if (!keyOk(deps.config(), q.get('key'))) return sendEnvelope(res, '444', null, 'bad key');
    const callback = q.get('callback');
    if (callback !== null && callback !== '' && !isCallbackUrl(callback)) return sendEnvelope(res, '40502', null, 'callback must be an http(s) URL');
    const covers = parseCoverTimes(q.getAll('cover'));
    if (!covers) return sendEnvelope(res, '40500', null, 'cover must be seconds (numbers)');
    const way = q.get('way');
    const uri = q.get('uri');
    if (!uri) return sendEnvelope(res, '40500', null, 'uri is required');
    if (way === 'disk') return startTranscode(deps, req, res, { type: 'path', path: uri }, 'disk', covers, callback || null);
    if (way === 'url') return startTranscode(deps, req, res, { type: 'url', url: uri }, 'url', covers, callback || null);
    return sendEnvelope(res, '40500', null, 'way must be "disk" or "url"');
  });

  router.add('POST', '/update', async (req, res, _p, url) => {
    const cfg = deps.config();
    const queryKey = url.searchParams.get('key');
    if (queryKey !== null && !keyOk(cfg, queryKey)) return sendEnvelope(res, '444', null, 'bad key');
    let form: ReceivedForm;
    try {
      form = await receiveMultipart(req, deps.engine.incomingDir(), { maxFileBytes: cfg.jobs.max_upload_bytes, maxFiles: 1 });
    } catch (e) {
      return sendEnvelope(res, compatCodeOf(e, 'upload'), null, (e as Error).message);
    }
    const field = (k: string): string[] => form.fields.get(k) ?? [];
    const refuse = (code: CompatCode, msg: string): void => {
      discardForm(form);
      sendEnvelope(res, code, null, msg);
    };
    if (queryKey === null && !keyOk(cfg, field('key')[0])) return refuse('444', 'bad key');
    const callback = field('callback')[0] ?? url.searchParams.get('callback');
    if (callback && !isCallbackUrl(callback)) return refuse('40502', 'callback must be an http(s) URL');
    const covers = parseCoverTimes([...field('cover'), ...url.searchParams.getAll('cover')]);
    if (!covers) return refuse('40500', 'cover must be seconds (numbers)');
    const file = form.files.find((f) => f.field === 'file');
    if (!file) return refuse('40500', 'multipart field "file" is required');
    return startTranscode(deps, req, res, { type: 'upload', file: file.path, filename: file.filename || 'upload' }, 'upload', covers, callback || null);
  });

  router.add('GET', '/recording', async (req, res, _p, url) => {
    const q = url.searchParams;
    if (!keyOk(deps.config(), q.get('key'))) return sendEnvelope(res, '444', null, 'bad key');
    const callback = q.get('callback');
    if (callback !== null && callback !== '' && !isCallbackUrl(callback)) return sendEnvelope(res, '40502', null, 'callback must be an http(s) URL');
    const ref = parseStreamRef(q.get('m3u8') ?? '');
    if (!ref) return sendEnvelope(res, '40500', null, 'm3u8 must be a stream URL or /app/name');
    const d = q.get('duration');
    const duration = d === null || d === '' ? undefined : Number(d);
    if (duration !== undefined && !(Number.isFinite(duration) && duration >= 1 && duration <= 86_400)) return sendEnvelope(res, '40500', null, 'duration must be 1..86400 seconds');
    const extra: Record<string, string> = {};
    for (const [k, v] of q) if (!['m3u8', 'callback', 'key', 'duration'].includes(k) && Object.keys(extra).length < 32) extra[k.slice(0, 64)] = v.slice(0, 1024);
    const baseUrl = baseUrlFromHost(req.headers.host, 'encrypted' in req.socket);
    try {
      const rec = await deps.engine.recorder.start({ ...ref, duration, callback: callback ? { url: callback, extra } : null, baseUrl });
      sendEnvelope(res, '200', { id: rec.id, diskuri: rec.file, neturi: (baseUrl ?? '') + rec.url }, null);
    } catch (e) {
      const code = compatCodeOf(e, 'record');
      if (code === '500') deps.log.error({ err: e }, 'compat recording failed');
      sendEnvelope(res, code, null, (e as Error).message);
    }
  });
}

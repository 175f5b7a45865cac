import { createReadStream, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { AuthAuthority } from '../auth/authority';
import { httpDenial } from '../auth/decisions';
import { suffixPlaylistUris } from '../auth/media-sign';
import { clientIp, sendError } from './http-util';
import type { Router } from './routes';

/**
 * Finished transcodes and recordings under the media root, at seed 000's addresses:
 * GET /YYYY/MM/DD/<id>/<file>. Only known media types, no listings, no dot files, nothing outside the
 * root (also through symlinks); Range requests for seeking in MP4s.
 */

const TYPES: Readonly<Record<string, { type: string; cache: string }>> = {
  '.m3u8': { type: 'application/vnd.apple.mpegurl', cache: 'no-cache' },
  '.ts': { type: 'video/mp2t', cache: 'public, max-age=31536000, immutable' },
  '.jpg': { type: 'image/jpeg', cache: 'public, max-age=86400' },
  '.jpeg': { type: 'image/jpeg', cache: 'public, max-age=86400' },
  '.mp4': { type: 'video/mp4', cache: 'public, max-age=86400' },
  '.m4s': { type: 'video/iso.segment', cache: 'public, max-age=31536000, immutable' },
};

const DATE = { y: /^\d{4}$/, m: /^(0[1-9]|1[0-2])$/, d: /^(0[1-9]|[12]\d|3[01])$/ };
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** The file a media URL names, or null when the URL is not one (or leaves the root). */
export function mediaFile(root: string, p: Record<string, string>): string | null {
  if (!DATE.y.test(p.y ?? '') || !DATE.m.test(p.m ?? '') || !DATE.d.test(p.d ?? '')) return null;
  if (!ID.test(p.id ?? '') || !FILE.test(p.file ?? '') || p.file.includes('..')) return null;
  if (!TYPES[path.extname(p.file).toLowerCase()]) return null;
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(path.join(root, p.y, p.m, p.d, p.id, p.file));
  } catch {
    return null;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return real;
}

function parseRange(h: string | undefined, size: number): { start: number; end: number } | 'bad' | null {
  if (!h) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'bad';
  return { start, end };
}

export function serveMediaFile(file: string, req: IncomingMessage, res: ServerResponse): void {
  let size: number;
  let mtime: Date;
  try {
    const st = statSync(file);
    if (!st.isFile()) return sendError(res, 404, 'NOT_FOUND', 'no such media file');
    size = st.size;
    mtime = st.mtime;
  } catch {
    return sendError(res, 404, 'NOT_FOUND', 'no such media file');
  }
  const t = TYPES[path.extname(file).toLowerCase()] ?? { type: 'application/octet-stream', cache: 'no-cache' };
  const headers: Record<string, string | number> = {
    'content-type': t.type,
    'cache-control': t.cache,
    'accept-ranges': 'bytes',
    'last-modified': mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'bad') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const status = range ? 206 : 200;
  res.writeHead(status, { ...headers, 'content-length': size === 0 ? 0 : end - start + 1, ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}) });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const rs = createReadStream(file, { start, end });
  rs.on('error', () => res.destroy());
  res.on('close', () => rs.destroy());
  rs.pipe(res);
}

/** A playlist with the request's sign (or token) carried onto its segment URIs. */
function servePlaylist(file: string, req: IncomingMessage, res: ServerResponse, suffix: string): void {
  let text: string;
  try {
    text = suffixPlaylistUris(readFileSync(file, 'utf8'), suffix);
  } catch {
    return sendError(res, 404, 'NOT_FOUND', 'no such media file');
  }
  res.writeHead(200, { 'content-type': TYPES['.m3u8'].type, 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/**
 * Mount GET/HEAD /YYYY/MM/DD/<id>/<file> for the media root (read on every request: settings may move it).
 * Job outputs, seed recordings and DVR follow auth.play: a sign for the /YYYY/MM/DD/<id> folder.
 */
export function mountMediaStatic(router: Router, root: () => string, auth: AuthAuthority): void {
  // patterns keep this route from shadowing any other five-segment path (e.g. under /api)
  router.add('GET', String.raw`/:y(\d{4})/:m(\d{2})/:d(\d{2})/:id([A-Za-z0-9_-]{1,64})/:file([A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})`, (req, res, params, url) => {
    const folder = `/${params.y}/${params.m}/${params.d}/${params.id}`;
    const d = auth.authorize('play', folder, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message);
    const file = mediaFile(root(), params);
    if (!file) return sendError(res, 404, 'NOT_FOUND', 'no such media file');
    const sign = url.searchParams.get('sign');
    const token = url.searchParams.get('token');
    const suffix = sign ? `?sign=${encodeURIComponent(sign)}` : token ? `?token=${encodeURIComponent(token)}` : '';
    if (file.endsWith('.m3u8') && suffix) return servePlaylist(file, req, res, suffix);
    serveMediaFile(file, req, res);
  }, 'media');
}

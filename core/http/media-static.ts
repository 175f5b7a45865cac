import { createReadStream, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { AuthAuthority } from '../auth/authority';
import { httpDenial } from '../auth/decisions';
import { suffixPlaylistUris } from '../auth/media-sign';
import { clientIp, sendError } from './util';
import type { Router } from './router';

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

/**
 * A file a route would serve is not on disk: a feature that knows where it went (object storage) answers the
 * request and returns true; false = unknown, the route answers 404. Called after the route's auth check.
 * `suffix`: the request's `?sign=`/`?token=`, for playlists whose segment URIs must carry it.
 */
export type MissingFile = (file: string, req: IncomingMessage, res: ServerResponse, suffix: string) => boolean;

/** The path a media URL names under `root` (syntax only: known type, no dot segments), or null. */
export function mediaPath(root: string, p: Record<string, string>): string | null {
  if (!DATE.y.test(p.y ?? '') || !DATE.m.test(p.m ?? '') || !DATE.d.test(p.d ?? '')) return null;
  if (!ID.test(p.id ?? '') || !FILE.test(p.file ?? '') || p.file.includes('..')) return null;
  if (!TYPES[path.extname(p.file).toLowerCase()]) return null;
  return path.join(path.resolve(root), p.y, p.m, p.d, p.id, p.file);
}

/** The file a media URL names, or null when the URL is not one (or leaves the root). */
export function mediaFile(root: string, p: Record<string, string>): string | null {
  if (!mediaPath(root, p)) return null;
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

/** What a Range header asks of a representation of `size` bytes (RFC 9110 §14.1.2, §14.2). */
export type RangeAnswer =
  /** no Range, or one this server ignores (another unit, invalid syntax, several ranges): 200 with everything */
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  /** one byte range that does not overlap the representation: 416, with the size in an unsatisfied-range Content-Range */
  | { kind: 'unsatisfiable' };

const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * One `bytes` range is served; several ranges are ignored (a server may, RFC 9110 §14.2: no multipart answers
 * here), as are other units and invalid syntax (e.g. `bytes=5-1`). Unsatisfiable: a first byte at or past the
 * end, or a suffix of 0 bytes.
 */
export function parseRange(h: string | undefined, size: number): RangeAnswer {
  if (!h) return { kind: 'full' };
  const eq = h.indexOf('=');
  if (eq < 0 || h.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = h.slice(eq + 1).split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (specs.length !== 1) return { kind: 'full' };
  const m = RANGE_SPEC.exec(specs[0]);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return { kind: 'unsatisfiable' };
    if (size === 0) return { kind: 'full' }; // nothing to cut: the whole (empty) body
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return { kind: 'full' }; // invalid range-spec: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/** A strong validator for a file: its size and modification time. */
export function fileEtag(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only when the validator names this representation — an
 * entity tag that matches strongly (a weak tag never does), or an HTTP-date equal to Last-Modified.
 */
export function ifRangeMatches(h: string | undefined, etag: string, lastModified: string): boolean {
  if (h === undefined) return true;
  const v = h.trim();
  if (v.startsWith('W/')) return false;
  if (v.startsWith('"')) return v === etag;
  const d = Date.parse(v);
  return !Number.isNaN(d) && d === Date.parse(lastModified);
}

/** If-None-Match (weak comparison, `*`) or, without it, If-Modified-Since: the client's copy is current. */
function notModified(req: IncomingMessage, etag: string, mtime: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const weak = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => weak(t) === weak(etag));
  }
  const ims = Date.parse(req.headers['if-modified-since'] ?? '');
  return !Number.isNaN(ims) && Math.floor(mtime.getTime() / 1000) * 1000 <= ims;
}

/**
 * A file with ETag and Last-Modified, 304 for a current conditional GET, and one byte range (206) when asked
 * for and If-Range allows it; what is not supported in a Range is ignored (200 with everything).
 */
export function serveMediaFile(file: string, req: IncomingMessage, res: ServerResponse, opts: { cache?: string; missing?: MissingFile } = {}): void {
  let size: number;
  let mtime: Date;
  try {
    const st = statSync(file);
    if (!st.isFile()) return sendError(res, 404, 'NOT_FOUND', 'no such media file');
    size = st.size;
    mtime = st.mtime;
  } catch {
    if (opts.missing?.(file, req, res, '')) return;
    return sendError(res, 404, 'NOT_FOUND', 'no such media file');
  }
  const t = TYPES[path.extname(file).toLowerCase()] ?? { type: 'application/octet-stream', cache: 'no-cache' };
  const etag = fileEtag(size, mtime.getTime());
  const lastModified = mtime.toUTCString();
  const headers: Record<string, string | number> = {
    'content-type': t.type,
    'cache-control': opts.cache ?? t.cache,
    'accept-ranges': 'bytes',
    etag,
    'last-modified': lastModified,
    'x-content-type-options': 'nosniff',
  };
  if (notModified(req, etag, mtime)) {
    const { 'content-type': _ct, ...rest } = headers;
    res.writeHead(304, rest);
    res.end();
    return;
  }
  const asked = parseRange(req.headers.range, size);
  const ifRange = req.headers['if-range'];
  const current = ifRangeMatches(Array.isArray(ifRange) ? ifRange.join(', ') : ifRange, etag, lastModified);
  const range = asked.kind !== 'full' && current ? asked : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
    res.end();
    return;
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const partial = range.kind === 'partial' ? { 'content-range': `bytes ${start}-${end}/${size}` } : {};
  res.writeHead(range.kind === 'partial' ? 206 : 200, { ...headers, 'content-length': size === 0 ? 0 : end - start + 1, ...partial });
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
export function mountMediaStatic(router: Router, root: () => string, auth: AuthAuthority, missing?: MissingFile): void {
  // patterns keep this route from shadowing any other five-segment path (e.g. under /api)
  router.add('GET', String.raw`/:y(\d{4})/:m(\d{2})/:d(\d{2})/:id([A-Za-z0-9_-]{1,64})/:file([A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})`, (req, res, params, url) => {
    const folder = `/${params.y}/${params.m}/${params.d}/${params.id}`;
    const d = auth.authorize('play', folder, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message);
    const file = mediaFile(root(), params);
    const sign = url.searchParams.get('sign');
    const token = url.searchParams.get('token');
    const suffix = sign ? `?sign=${encodeURIComponent(sign)}` : token ? `?token=${encodeURIComponent(token)}` : '';
    if (!file) {
      // not on disk (or not a media URL): it may have moved to object storage
      const wanted = missing ? mediaPath(root(), params) : null;
      if (wanted && missing?.(wanted, req, res, suffix)) return;
      return sendError(res, 404, 'NOT_FOUND', 'no such media file');
    }
    if (file.endsWith('.m3u8') && suffix) return servePlaylist(file, req, res, suffix);
    serveMediaFile(file, req, res);
  }, 'media');
}

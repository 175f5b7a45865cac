import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendError } from './util';
import type { RouteHandler } from './router';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

/** The panel's Content-Security-Policy when served over HTTP (Electron sets its own for app://). */
export const PANEL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** renderer/dist next to this package (same depth from core/api/ and from the bundled electron/dist/). */
export function defaultPanelDir(): string {
  return fileURLToPath(new URL('../../renderer/dist/', import.meta.url));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>OnAir Studio</title>
<body style="font:16px system-ui;margin:3rem;max-width:40rem">
<h1>The panel is not built yet</h1><p>Run <code>npm run build:renderer</code> and reload this page.
The media server is running: the API is at <a href="/api/server">/api/server</a>.</p></body>`;

function headers(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': type, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...extra };
}

/**
 * Where Node-Media-Server 2.x (and seed 004) open the panel; they redirect to the panel at /. The Location is
 * relative, so it still lands on the panel when a reverse proxy mounts the studio under a prefix.
 */
const ADMIN_PATHS = new Map([['/admin', './'], ['/admin/', '../']]);

/**
 * Static files of the built panel with an SPA fallback to index.html. Paths are decoded once, must stay
 * inside the root after resolution (no `..`, no NUL, no backslashes), and only regular files are served.
 */
export function panelHandler(root: string): RouteHandler {
  const base = path.resolve(root);
  const index = path.join(base, 'index.html');
  const sendFile = (req: IncomingMessage, res: ServerResponse, file: string, size: number, cache: string): void => {
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const extra: Record<string, string> = { 'content-length': String(size), 'cache-control': cache };
    if (type.startsWith('text/html')) extra['content-security-policy'] = PANEL_CSP;
    res.writeHead(200, headers(type, extra));
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const fileSize = (f: string): number | null => {
    try {
      const st = statSync(f);
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  };
  return (req, res, _params, url) => {
    // seed 004 / Node-Media-Server open their panel at /admin/: the build's relative asset URLs only resolve at
    // the root, so send the browser there (query such as ?token= and the #/route fragment carry over)
    const toPanel = ADMIN_PATHS.get(url.pathname);
    if (toPanel) {
      res.writeHead(302, headers('text/plain; charset=utf-8', { location: toPanel + url.search, 'cache-control': 'no-cache' }));
      return void res.end(req.method === 'HEAD' ? undefined : 'the panel is at /\n');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, headers('text/plain; charset=utf-8'));
      return void res.end('bad path');
    }
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) {
      res.writeHead(400, headers('text/plain; charset=utf-8'));
      return void res.end('bad path');
    }
    const file = path.resolve(base, '.' + rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(400, headers('text/plain; charset=utf-8'));
      return void res.end('bad path');
    }
    const size = rel.endsWith('/') ? null : fileSize(file);
    if (size !== null) {
      const hashed = rel.startsWith('/assets/');
      return sendFile(req, res, file, size, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // SPA fallback only for a browser navigating to a page-like path (no extension, wants HTML), the way
    // history-API fallbacks do; everything else (assets, API clients, players) gets a plain 404
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if ((path.extname(rel) && rel !== '/index.html') || (!wantsHtml && rel !== '/' && rel !== '/index.html')) {
      return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
    }
    const idx = existsSync(index) ? fileSize(index) : null;
    if (idx === null) {
      res.writeHead(200, headers('text/html; charset=utf-8', { 'cache-control': 'no-cache' }));
      return void res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
    }
    sendFile(req, res, index, idx, 'no-cache');
  };
}

import { app, protocol, session, shell, type WebContents } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './channels';

/**
 * The panel's CSP inside the app: our own files; media and the API only from the core, on loopback or
 * on the address it listens on (`host`), any port (the ports may move when settings change). Images and
 * media from the core too: recording thumbnails and playback, transcode covers.
 */
export function appCsp(host: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const own = !(host === '127.0.0.1' || host === '0.0.0.0' || host === '::');
  const web = ` http://127.0.0.1:*${own ? ` http://${h}:*` : ''}`;
  const core = own ? ` http://${h}:* ws://${h}:*` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${web}`,
    `media-src 'self' blob:${web}`,
    `connect-src 'self' http://127.0.0.1:* ws://127.0.0.1:*${core}`,
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Must run before `app.ready`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);
}

/** Serve renderer/dist at app://panel/ with the CSP header; nothing outside the folder is reachable. */
export function serveAppScheme(root: string, coreHost: () => string): void {
  const base = path.resolve(root);
  protocol.handle(APP_SCHEME, async (req) => {
    const url = new URL(req.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return new Response('bad path', { status: 400 });
    }
    let file = path.resolve(base, '.' + (rel === '/' ? '/index.html' : rel));
    if (file !== base && !file.startsWith(base + path.sep)) return new Response('bad path', { status: 400 });
    const isFile = await stat(file).then((s) => s.isFile(), () => false);
    if (!isFile) {
      if (path.extname(rel)) return new Response('not found', { status: 404 });
      file = path.join(base, 'index.html');
    }
    const body = await readFile(file);
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { headers: { 'content-type': type, 'content-security-policy': appCsp(coreHost()), 'x-content-type-options': 'nosniff' } });
  });
}

/** Node's URL gives custom schemes an opaque ("null") origin, so compare scheme and host. */
function isOurs(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** True when an IPC message comes from our panel's main frame (not an iframe, not a page navigated elsewhere). */
export function trustedSender(frame: { url: string; parent: unknown } | null): boolean {
  return !!frame && frame.parent === null && isOurs(frame.url);
}

/** Lock every web contents down: no navigation away, no new windows, no webviews, no permissions. */
export function hardenApp(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'clipboard-sanitized-write'));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isOurs(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isOurs(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // links to the web open in the user's browser; nothing opens inside the app
      if (/^https?:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

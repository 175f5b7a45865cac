import type { Room } from '../contract/rooms';

/**
 * The public watch page's HTML (GET /watch/<room>): server-rendered text, every value escaped, no inline
 * script or style (the CSP allows scripts and styles from this origin only). What the script needs comes
 * in one escaped `data-config` attribute (core/rooms/watch/watch.js reads it).
 */

/** scripts and styles from this origin only; media from this origin (hls.js feeds MSE through blob:) */
export const WATCH_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export const STATUS_TEXT: Record<Room['status'], string> = {
  0: 'Not started yet',
  1: 'Live',
  2: 'Paused',
  3: 'This stream has ended',
};

/** What the page's script is given (and what GET /watch/<id>/state answers, without the stream fields). */
export interface WatchConfig {
  room: number;
  title: string;
  status: Room['status'];
  viewers: number;
  /** the stream's path as players see it, /<app>/<stream> (the public name with auth.keys on; null: the key was removed) */
  stream: string | null;
  /** auth.play: the sign for the stream path, and when it expires (unix seconds) */
  sign: string | null;
  expires: number | null;
}

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/watch/assets/watch.css">
</head><body>
${body}
</body></html>
`;
}

export function watchPageHtml(cfg: WatchConfig): string {
  const expiry = cfg.expires
    ? `<p class="expiry" id="expiry" data-expires="${cfg.expires}">Playback link valid until <time datetime="${new Date(cfg.expires * 1000).toISOString()}">${escapeHtml(new Date(cfg.expires * 1000).toUTCString())}</time></p>`
    : '';
  return shell(
    `${cfg.title} · OnAir Studio`,
    `<main id="watch" data-config="${escapeHtml(JSON.stringify(cfg))}">
<header class="top">
<h1 id="title">${escapeHtml(cfg.title)}</h1>
<span id="status" class="status s${cfg.status}">${escapeHtml(STATUS_TEXT[cfg.status])}</span>
<span class="viewers"><span id="viewers">${cfg.viewers}</span> watching</span>
</header>
<div class="layout">
<section class="player">
<video id="video" controls muted autoplay playsinline></video>
<p id="notice" class="notice">${cfg.status === 3 ? STATUS_TEXT[3] : cfg.status === 1 ? 'Loading the stream…' : 'Waiting for the stream to start…'}</p>
${expiry}
</section>
<aside class="chat" aria-label="Chat">
<header><h2>Chat</h2> <span class="online"><span id="online">0</span> in chat</span></header>
<ol id="messages" class="messages" aria-live="polite"></ol>
<p id="chat-error" class="chat-error" role="alert" hidden></p>
<form id="name-form" class="row">
<input id="name" name="name" maxlength="32" placeholder="Your name" autocomplete="nickname" required>
<button type="submit">Join chat</button>
</form>
<form id="send-form" class="row" hidden>
<input id="text" name="text" maxlength="500" placeholder="Say something" autocomplete="off" required>
<button type="submit" id="send">Send</button>
</form>
<p id="me" class="me" hidden></p>
</aside>
</div>
</main>
<script type="module" src="/watch/assets/watch.js"></script>`,
  );
}

export function notFoundHtml(what: string): string {
  return shell('Not found · OnAir Studio', `<main class="missing"><h1>Not found</h1><p>${escapeHtml(what)}</p></main>`);
}

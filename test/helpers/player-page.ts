import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** The real players nobody here wrote, as their own builds ship them. */
const LIBS: Readonly<Record<string, string>> = {
  '/hls.js': 'node_modules/hls.js/dist/hls.min.js',
  '/dash.js': 'node_modules/dashjs/dist/modern/umd/dash.all.min.js',
  '/shaka.js': 'node_modules/shaka-player/dist/shaka-player.compiled.js',
  '/mpegts.js': 'node_modules/mpegts.js/dist/mpegts.js',
};

/**
 * One page with a <video> per player: hls.js (HLS and LL-HLS), dash.js, shaka-player and mpegts.js (HTTP-FLV),
 * all on the same stream of a studio at `?target=` (another origin: media is CORS *). Each element records its
 * `ended` events and fatal player errors in window.__events.
 */
const PAGE = String.raw`<!doctype html><meta charset="utf-8"><title>players</title>
<script src="/hls.js"></script><script src="/dash.js"></script><script src="/shaka.js"></script><script src="/mpegts.js"></script>
<body>
<video id="hls" muted autoplay playsinline width="160"></video>
<video id="ll" muted autoplay playsinline width="160"></video>
<video id="dash" muted autoplay playsinline width="160"></video>
<video id="shaka" muted autoplay playsinline width="160"></video>
<video id="flv" muted autoplay playsinline width="160"></video>
<script>
const q = new URLSearchParams(location.search);
const T = q.get('target'), S = q.get('stream'), want = (q.get('players') || 'hls,ll,dash,shaka,flv').split(',');
window.__events = [];
const note = (who, what) => window.__events.push({ who, what: String(what).slice(0, 200), at: Date.now() });
for (const v of document.querySelectorAll('video')) v.addEventListener('ended', () => note(v.id, 'ended'));
if (want.includes('hls')) { const h = new Hls({ liveDurationInfinity: true }); h.on(Hls.Events.ERROR, (_e, d) => d.fatal && note('hls', d.details)); h.loadSource(T + S + '/index.m3u8'); h.attachMedia(document.getElementById('hls')); }
if (want.includes('ll')) { const h = new Hls({ lowLatencyMode: true, liveDurationInfinity: true }); h.on(Hls.Events.ERROR, (_e, d) => d.fatal && note('ll', d.details)); h.loadSource(T + S + '/ll.m3u8'); h.attachMedia(document.getElementById('ll')); }
if (want.includes('dash')) { const d = dashjs.MediaPlayer().create(); d.on('error', (e) => note('dash', JSON.stringify(e.error || e).slice(0, 200))); d.initialize(document.getElementById('dash'), T + S + '/index.mpd', true); window.__dash = d; }
if (want.includes('shaka')) { (async () => { shaka.polyfill.installAll(); const p = new shaka.Player(); p.addEventListener('error', (e) => note('shaka', e.detail && e.detail.code)); await p.attach(document.getElementById('shaka')); try { await p.load(T + S + '/index.mpd'); } catch (e) { note('shaka', 'load ' + (e && e.code)); } })(); }
if (want.includes('flv')) { const m = mpegts.createPlayer({ type: 'flv', isLive: true, url: T + S + '.flv' }, { enableStashBuffer: false }); m.on(mpegts.Events.ERROR, (t, d) => note('flv', t + ' ' + d)); m.attachMediaElement(document.getElementById('flv')); m.load(); m.play(); }
</script>`;

export interface PlayerPage {
  url(target: string, stream: string, players?: string[]): string;
  close(): void;
}

/** Serve the player page and the libraries on 127.0.0.1 (another origin than the studio). */
export async function servePlayerPage(): Promise<PlayerPage> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const lib = LIBS[p];
    if (lib) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(path.join(root, lib)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (target, stream, players) => `http://127.0.0.1:${port}/?target=${encodeURIComponent(target)}&stream=${encodeURIComponent(stream)}${players ? `&players=${players.join(',')}` : ''}`,
    close: () => server.close(),
  };
}

/**
 * The browser half of the glass-to-glass measurement: Chromium (playwright-core), a tiny page server on
 * 127.0.0.1:0 (a test page + hls.js + flv.js from node_modules), and the in-page sampler that reads the
 * clock code off a <video> every 500 ms: latency = Date.now() - the frame's capture time (same machine,
 * same clock).
 *
 * Everything sent to the page is JavaScript text (never a serialized TS function: the tsx loader adds
 * helpers to functions that do not exist in the page).
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLOCK_DECODER_JS, type RoundTrip } from './clock-source';
import { percentile } from './stats';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

/** Installs window.__clock (the decoder), window.__clockGrab(video) and window.__clockStart(selector, everyMs). */
export const SAMPLER_JS = `(function () {
  if (window.__clockStart) return true;
  window.__clock = ${CLOCK_DECODER_JS};
  var cv = null, cx = null;
  window.__clockGrab = function (v) {
    var w = v.videoWidth, h = v.videoHeight;
    if (!w || !h) return null;
    if (!cv) { cv = document.createElement('canvas'); cx = cv.getContext('2d', { willReadFrequently: true }); }
    if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
    cx.drawImage(v, 0, 0, w, h);
    var img = cx.getImageData(0, 0, w, Math.min(h, Math.ceil(h / 18 * 2) + 1));
    return window.__clock.decode(img.data, w, h);
  };
  window.__clockStart = function (selector, everyMs) {
    if (window.__clockState) return;
    var st = window.__clockState = { openedAt: Date.now(), playingAt: 0, samples: [], fails: 0, errors: [], lastSeq: -1, frozen: 0 };
    st.timer = setInterval(function () {
      var v = document.querySelector(selector);
      if (!v || v.readyState < 2 || v.paused || !(v.currentTime > 0)) return;
      var now = Date.now(), r = null;
      try { r = window.__clockGrab(v); } catch (e) { if (st.errors.length < 20) st.errors.push(String(e)); }
      if (!r) { st.fails++; return; }
      if (!st.playingAt) st.playingAt = now;
      var b = v.buffered;
      st.samples.push({ at: now, lat: now - r.ts, ahead: b.length ? b.end(b.length - 1) - v.currentTime : -1, rate: v.playbackRate });
    }, everyMs);
  };
  return true;
})()`;

/** The test page's player: ?kind=hls|flv&url=...&cfg=<JSON of player config>. */
const PLAYER_JS = `(function () {
  var q = new URLSearchParams(location.search);
  var kind = q.get('kind'), url = q.get('url'), cfg = JSON.parse(q.get('cfg') || '{}');
  var v = document.getElementById('v');
  var errors = window.__playerErrors = [];
  function note(e) { errors.push(String(e)); if (errors.length > 50) errors.shift(); }
  var restarts = 0;
  function startHls() {
    var hls = new Hls(cfg);
    window.__hls = hls;
    hls.on(Hls.Events.ERROR, function (_e, d) {
      note(d.type + ':' + d.details + (d.fatal ? ':fatal' : ''));
      if (d.fatal && restarts < 10) { restarts++; hls.destroy(); setTimeout(startHls, 1000); }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, function () { v.play().catch(note); });
    hls.loadSource(url);
    hls.attachMedia(v);
  }
  if (kind === 'hls') startHls();
  else if (kind === 'flv') {
    var p = flvjs.createPlayer({ type: 'flv', isLive: true, url: url }, cfg);
    window.__flv = p;
    p.on(flvjs.Events.ERROR, function (t, d) { note(t + ':' + d); });
    p.attachMediaElement(v);
    p.load();
    var r = p.play();
    if (r && r.catch) r.catch(note);
  } else note('unknown kind ' + kind);
})();`;

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>clock latency</title></head>
<body style="margin:0;background:#000"><video id="v" muted autoplay playsinline width="640" height="360"></video>
<script src="/hls.min.js"></script><script src="/flv.min.js"></script><script src="/player.js"></script></body></html>`;

export interface PageServer {
  port: number;
  url(kind: 'hls' | 'flv', mediaUrl: string, cfg?: Record<string, unknown>): string;
  close(): Promise<void>;
}

/** Serves the test page, hls.js and flv.js on 127.0.0.1:0. */
export async function startPageServer(): Promise<PageServer> {
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', body: Buffer.from(PAGE_HTML) },
    '/player.js': { type: 'text/javascript', body: Buffer.from(PLAYER_JS) },
    '/hls.min.js': { type: 'text/javascript', body: readFileSync(path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js')) },
    '/flv.min.js': { type: 'text/javascript', body: readFileSync(path.join(ROOT, 'node_modules/flv.js/dist/flv.min.js')) },
  };
  const server = http.createServer((req, res) => {
    const f = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length, 'cache-control': 'no-store' });
    res.end(f.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (kind, mediaUrl, cfg) => `http://127.0.0.1:${port}/?kind=${kind}&url=${encodeURIComponent(mediaUrl)}${cfg ? `&cfg=${encodeURIComponent(JSON.stringify(cfg))}` : ''}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function newPage(browser: Browser): Promise<Page> {
  // bypassCSP: the panel's CSP (script-src 'self') must not stop the injected sampler
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  return ctx.newPage();
}

async function js<T>(page: Page, expr: string): Promise<T> {
  return (await page.evaluate(expr)) as T;
}

/** Decode a known frame (x264 round trip) with the page's own canvas path; throws unless it reads back exactly. */
export async function verifyInBrowser(page: Page, rt: RoundTrip): Promise<void> {
  await js<boolean>(page, SAMPLER_JS);
  const { rgba, width, height, ts } = rt.sample;
  const rows = rgba.length / (width * 4);
  const got = await js<{ ts: number } | null>(
    page,
    `(function () {
      var b = atob(${JSON.stringify(rgba.toString('base64'))}), px = new Uint8ClampedArray(b.length);
      for (var i = 0; i < b.length; i++) px[i] = b.charCodeAt(i);
      var c = document.createElement('canvas'); c.width = ${width}; c.height = ${height};
      var x = c.getContext('2d', { willReadFrequently: true });
      x.putImageData(new ImageData(px, ${width}, ${rows}), 0, 0);
      var img = x.getImageData(0, 0, ${width}, ${rows});
      return window.__clock.decode(img.data, ${width}, ${height});
    })()`,
  );
  if (!got || got.ts !== ts) throw new Error(`in-page decode of a known frame failed: expected ${ts}, got ${got ? got.ts : 'nothing'}`);
}

export interface LatencySample {
  at: number;
  /** ms */
  lat: number;
  /** seconds buffered ahead of the playhead */
  ahead: number;
  rate: number;
}

export interface PageRun {
  /** page open to first decoded frame, ms (NaN if it never played) */
  startupMs: number;
  samples: LatencySample[];
  fails: number;
  errors: string[];
  playerErrors: string[];
}

interface ClockState {
  openedAt: number;
  playingAt: number;
  samples: LatencySample[];
  fails: number;
  errors: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Phase 1 of a measurement: install the sampler on `selector` and wait (bounded) for the first decoded frame. */
export async function startSampling(page: Page, selector: string, startTimeoutMs = 30_000, everyMs = 500): Promise<boolean> {
  await js<boolean>(page, SAMPLER_JS);
  await js<unknown>(page, `window.__clockStart(${JSON.stringify(selector)}, ${everyMs})`);
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    const playing = await js<number>(page, 'window.__clockState.playingAt');
    if (playing > 0) return true;
    await sleep(250);
  }
  return false;
}

/** Phase 2: stop the sampler and collect what it saw. */
export async function collect(page: Page, openedAt: number): Promise<PageRun> {
  const st = await js<ClockState>(page, '(function(){ var s = window.__clockState; clearInterval(s.timer); return { openedAt: s.openedAt, playingAt: s.playingAt, samples: s.samples, fails: s.fails, errors: s.errors }; })()');
  const playerErrors = await js<string[]>(page, 'window.__playerErrors || []');
  return { startupMs: st.playingAt ? st.playingAt - openedAt : Number.NaN, samples: st.samples, fails: st.fails, errors: st.errors, playerErrors };
}

export interface LatencySummary {
  n: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** median of the first / last 10 s of samples */
  firstMs: number;
  lastMs: number;
  aheadMedianS: number;
  /** median buffer ahead in the first / last 10 s, seconds */
  aheadFirstS: number;
  aheadLastS: number;
}

export function summarize(samples: LatencySample[], edgeMs = 10_000): LatencySummary {
  const lat = samples.map((s) => s.lat);
  const t0 = samples.length ? samples[0].at : 0;
  const t1 = samples.length ? samples[samples.length - 1].at : 0;
  const firstS = samples.filter((s) => s.at - t0 < edgeMs);
  const lastS = samples.filter((s) => t1 - s.at < edgeMs);
  const first = firstS.map((s) => s.lat);
  const last = lastS.map((s) => s.lat);
  return {
    n: samples.length,
    medianMs: percentile(lat, 50),
    p95Ms: percentile(lat, 95),
    minMs: lat.length ? Math.min(...lat) : Number.NaN,
    maxMs: lat.length ? Math.max(...lat) : Number.NaN,
    firstMs: percentile(first, 50),
    lastMs: percentile(last, 50),
    aheadMedianS: percentile(samples.map((s) => s.ahead), 50),
    aheadFirstS: percentile(firstS.map((s) => s.ahead), 50),
    aheadLastS: percentile(lastS.map((s) => s.ahead), 50),
  };
}

/** Load `url`, wait for playback, sample for `seconds`, collect. */
export async function measureUrl(page: Page, url: string, selector: string, seconds: number, log: (s: string) => void): Promise<PageRun> {
  const openedAt = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  const ok = await startSampling(page, selector);
  if (!ok) {
    log(`  no decodable frame within 30 s`);
    return collect(page, openedAt);
  }
  await sleep(seconds * 1000);
  return collect(page, openedAt);
}

/**
 * Glass-to-glass latency of the panel's live FLV preview (issue 3): a headless OnAir core (port 0, its own
 * process) serving the built panel, a clock-source publisher (every frame carries its capture time), and
 * Chromium on the panel's Stream detail page (#/streams/live/clock): the page's own <video>
 * ([data-testid=detail-video], flv.js + the panel's catch-up loop) is read every 500 ms and
 * latency = Date.now() - the frame's capture time.
 *
 * Reference, same stream, same time: flv.js with its defaults (enableStashBuffer true, no catch-up), the way
 * Node-Media-Server's admin page plays a stream.
 *
 * Env: PREVIEW_SECONDS=60  PREVIEW_MODE=parallel|sequential  CHROMIUM_PATH=/usr/bin/chromium
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureRendererBuilt } from '../test/helpers/renderer-build';
import { runBench } from './lib/children';
import { collect, launchChromium, newPage, startPageServer, startSampling, summarize, verifyInBrowser, type LatencySample, type PageRun } from './lib/clock-page';
import { ClockPublisher, verifyClockRoundTrip } from './lib/clock-source';
import { ROOT, startBenchServer } from './lib/hls-servers';
import { fmt, markdownTable, percentile } from './lib/stats';

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function env(): { seconds: number; mode: 'parallel' | 'sequential' } {
  const raw = process.env.PREVIEW_SECONDS;
  const seconds = raw === undefined || raw === '' ? 60 : Number(raw);
  if (!Number.isInteger(seconds) || seconds < 10 || seconds > 900) throw new Error(`PREVIEW_SECONDS must be an integer in 10..900, got ${raw}`);
  const mode = process.env.PREVIEW_MODE ?? 'parallel';
  if (mode !== 'parallel' && mode !== 'sequential') throw new Error(`PREVIEW_MODE must be parallel or sequential, got ${mode}`);
  return { seconds, mode };
}

const TARGET_MEDIAN_MS = 1000;
/** "no growth": the last 10 s median may exceed the first 10 s median by at most this */
const GROWTH_MS = 150;

interface Subject {
  name: string;
  player: string;
  url: string;
  selector: string;
  targeted: boolean;
}

interface Result {
  subject: Subject;
  run: PageRun;
  /** the panel's own latency readout at the end (buffered end - playhead), if it has one */
  readout: string | null;
}

async function open(browser: Browser, s: Subject): Promise<{ page: Page; openedAt: number; ok: boolean }> {
  const page = await newPage(browser);
  const openedAt = Date.now();
  await page.goto(s.url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  await page.waitForSelector(s.selector, { timeout: 20_000, state: 'attached' });
  const ok = await startSampling(page, s.selector);
  if (!ok) log(`  ${s.name}: no decodable frame within 30 s`);
  return { page, openedAt, ok };
}

async function finish(s: Subject, o: { page: Page; openedAt: number }): Promise<Result> {
  const run = await collect(o.page, o.openedAt);
  let readout: string | null = null;
  const el = await o.page.$('[data-testid=latency]');
  if (el) readout = ((await el.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  await o.page.context().close();
  const m = summarize(run.samples);
  log(`  ${s.name}: ${m.n} samples, median ${fmt(m.medianMs, 0)} ms, p95 ${fmt(m.p95Ms, 0)} ms, first/last 10 s ${fmt(m.firstMs, 0)}/${fmt(m.lastMs, 0)} ms${readout ? `, panel readout "${readout}"` : ''}`);
  if (run.playerErrors.length) log(`  ${s.name} player errors: ${[...new Set(run.playerErrors)].slice(0, 5).join(' | ')}`);
  return { subject: s, run, readout };
}

/** Median of each 10 s bucket, seconds, e.g. "0.41 0.40 0.42". */
function buckets(samples: LatencySample[]): string {
  if (!samples.length) return '—';
  const t0 = samples[0].at;
  const out: string[] = [];
  for (let b = 0; ; b++) {
    const inB = samples.filter((s) => s.at - t0 >= b * 10_000 && s.at - t0 < (b + 1) * 10_000).map((s) => s.lat);
    if (!inB.length) break;
    out.push(fmt(percentile(inB, 50) / 1000, 2));
  }
  return out.join(' ');
}

function table(results: Result[]): string {
  const s = (ms: number): string => fmt(ms / 1000, 2);
  const head = ['page', 'player', 'startup s', 'samples', 'undecoded', 'median s', 'p95 s', 'min s', 'max s', 'first 10 s', 'last 10 s', 'growth s', 'per-10 s medians', 'buffer ahead s (first→last 10 s)', 'verdict'];
  const body = results.map((r) => {
    const m = summarize(r.run.samples);
    const growth = m.lastMs - m.firstMs;
    const ok = m.n > 0 && m.medianMs < TARGET_MEDIAN_MS && growth <= GROWTH_MS;
    return [
      r.subject.name, r.subject.player, s(r.run.startupMs), String(m.n), String(r.run.fails), s(m.medianMs), s(m.p95Ms), s(m.minMs), s(m.maxMs), s(m.firstMs), s(m.lastMs),
      `${growth >= 0 ? '+' : ''}${s(growth)}`, buckets(r.run.samples), `${fmt(m.aheadMedianS, 2)} (${fmt(m.aheadFirstS, 2)}→${fmt(m.aheadLastS, 2)})`, r.subject.targeted ? (ok ? 'PASS' : 'FAIL') : 'ref',
    ];
  });
  return markdownTable(head, body);
}

async function main(): Promise<void> {
  const { seconds, mode } = env();
  if (ensureRendererBuilt()) log('built renderer/dist (it was missing or older than its sources)');
  const panelDir = path.join(ROOT, 'renderer/dist');
  if (!existsSync(path.join(panelDir, 'index.html'))) throw new Error('renderer/dist/index.html is missing: npm run build:renderer');

  const rt = await verifyClockRoundTrip();
  if (rt.exact !== rt.frames) throw new Error(`clock code round trip through x264: ${rt.exact}/${rt.frames} frames exact`);
  log(`clock code: ${rt.exact}/${rt.frames} frames decoded exactly after x264 encode/decode`);

  const browser = await launchChromium();
  const pages = await startPageServer();
  const server = await startBenchServer('onair', { panelDir });
  const pub = new ClockPublisher(server.rtmpUrl('clock'));
  try {
    const check = await newPage(browser);
    await check.goto('about:blank');
    await verifyInBrowser(check, rt);
    await check.context().close();
    log('clock code: a known frame decodes exactly in Chromium');

    await pub.start();
    await sleep(1500); // a GOP in the cache, as when a user clicks a live tile
    const flvUrl = `http://127.0.0.1:${server.http}/live/clock.flv`;
    const subjects: Subject[] = [
      { name: 'OnAir panel, Stream detail', player: 'flv.js, stash off + catch-up (renderer/src/lib/use-flv-player.ts)', url: `http://127.0.0.1:${server.http}/#/streams/live/clock`, selector: '[data-testid=detail-video]', targeted: true },
      { name: 'reference: NMS-admin-like', player: 'flv.js defaults (enableStashBuffer true, no catch-up)', url: pages.url('flv', flvUrl), selector: '#v', targeted: false },
    ];
    const results: Result[] = [];
    log(`→ ${mode}: ${subjects.map((s) => s.name).join(' + ')}, ${seconds} s each`);
    if (mode === 'parallel') {
      const opened = await Promise.all(subjects.map((s) => open(browser, s)));
      await sleep(seconds * 1000);
      for (let i = 0; i < subjects.length; i++) results.push(await finish(subjects[i], opened[i]));
    } else {
      for (const s of subjects) {
        const o = await open(browser, s);
        await sleep(seconds * 1000);
        results.push(await finish(s, o));
      }
    }
    const ps = pub.stats();
    const out = [
      '',
      `## Preview latency: glass-to-glass, ${seconds} s per page (${mode}), 1 sample / 500 ms after playback starts`,
      '',
      table(results),
      '',
      `Stream: 640x360p30 x264 ultrafast/zerolatency, 1 s GOP + AAC, published over RTMP to a headless OnAir core (product defaults, HLS on); both pages play ${'`'}/live/clock.flv${'`'} (HTTP-FLV).`,
      'latency = Date.now() in the page − the capture time painted into the frame (same clock); startup = page open to the first decoded frame;',
      'buffer ahead = buffered end − currentTime (median), the part of the latency the player holds; per-10 s medians show the trend.',
      `target (panel): median < 1 s and no growth (last 10 s median − first 10 s median ≤ ${GROWTH_MS / 1000} s).`,
      ...results.filter((r) => r.readout).map((r) => `The panel's own readout at the end: "${r.readout}" (buffered lag only: excludes encoder, network and decode).`),
      `clock code verified: ${rt.exact}/${rt.frames} frames exact through x264 in Node, and a known frame through the page's canvas path.`,
      `clock publisher: ${ps.frames} frames, handed to ffmpeg late by p95 ${fmt(ps.lateP95Ms, 0)} ms / max ${fmt(ps.lateMaxMs, 0)} ms; machine: ${os.cpus().length} cores, load avg ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await pub.stop();
    await server.stop();
    await pages.close();
    await browser.close();
  }
}

runBench('preview-latency', main, log);

/**
 * bench/preview-latency: glass-to-glass latency of the panel's live preview (Stream detail, flv.js over
 * HTTP-FLV with the catch-up loop), against flv.js with its defaults (what Node-Media-Server's admin page
 * uses). A Node-painted publisher stamps every frame with its capture time (bench/lib/clock-source.ts);
 * the page reads the stamp off the <video> every 500 ms: latency = now - capture time.
 *
 *   npm run bench:preview-latency            # 60 s per player
 *   PREVIEW_SECONDS=20 npm run bench:preview-latency
 *
 * Target (issue 3): median < 1 s and no growth over the run (last 10 s median ≈ first 10 s median).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStudio } from '../core/studio';
import { ensureRendererBuilt } from '../test/helpers/renderer-build';
import { stopAll } from './lib/children';
import { launchChromium, measureUrl, newPage, startPageServer, summarize, verifyInBrowser, type PageRun } from './lib/clock-page';
import { ClockPublisher, verifyClockRoundTrip } from './lib/clock-source';
import { fmt, markdownTable } from './lib/stats';

const SECONDS = Number(process.env.PREVIEW_SECONDS ?? 60);
const log = (s: string): void => void process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  log(`preview latency: ${SECONDS} s per player, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
  ensureRendererBuilt();
  const rt = await verifyClockRoundTrip();
  log(`clock code round trip through x264: ${rt.exact}/${rt.frames} frames exact`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-preview-'));
  const studio = createStudio({ host: '127.0.0.1', rtmp: { port: 0 }, http: { port: 0 }, log_level: 'silent', data_dir: dataDir }, { logToStdout: false });
  const ports = await studio.run();
  const pub = new ClockPublisher(`rtmp://127.0.0.1:${ports.rtmp}/live/clock`);
  const pages = await startPageServer();
  const browser = await launchChromium();
  const rows: Array<{ name: string; run: PageRun }> = [];
  try {
    await pub.start();
    const page = await newPage(browser);
    await page.goto(pages.url('flv', 'about:blank'));
    await verifyInBrowser(page, rt);
    const players: Array<{ name: string; url: string; selector: string }> = [
      { name: 'panel preview (stash off + catch-up)', url: `http://127.0.0.1:${ports.http}/#/streams/live/clock`, selector: '[data-testid=detail-video]' },
      { name: 'flv.js defaults (NMS admin player)', url: pages.url('flv', `http://127.0.0.1:${ports.http}/live/clock.flv`, {}), selector: '#v' },
    ];
    for (const p of players) {
      log(`measuring: ${p.name} …`);
      const pg = await newPage(browser);
      rows.push({ name: p.name, run: await measureUrl(pg, p.url, p.selector, SECONDS, log) });
      await pg.context().close();
    }
  } finally {
    await browser.close();
    await pages.close();
    await pub.stop();
    await studio.stop();
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const ps = pub.stats();
  const head = ['player', 'samples', 'startup ms', 'median ms', 'p95 ms', 'min ms', 'max ms', 'first 10 s ms', 'last 10 s ms', 'buffered s', 'misreads'];
  const body = rows.map(({ name, run }) => {
    const s = summarize(run.samples);
    return [name, String(s.n), fmt(run.startupMs, 0), fmt(s.medianMs, 0), fmt(s.p95Ms, 0), fmt(s.minMs, 0), fmt(s.maxMs, 0), fmt(s.firstMs, 0), fmt(s.lastMs, 0), fmt(s.aheadMedianS, 2), String(run.fails)];
  });
  log('');
  log(markdownTable(head, body));
  log('');
  log(`publisher: ${ps.frames} frames, handed to ffmpeg late by p95 ${fmt(ps.lateP95Ms)} ms (max ${fmt(ps.lateMaxMs)} ms)`);
  const ours = rows[0] ? summarize(rows[0].run.samples) : null;
  if (ours) {
    const growth = ours.lastMs - ours.firstMs;
    log(`target median < 1000 ms: ${fmt(ours.medianMs, 0)} ms → ${ours.medianMs < 1000 ? 'PASS' : 'FAIL'}`);
    log(`no growth (last 10 s - first 10 s median < 250 ms): ${fmt(growth, 0)} ms → ${growth < 250 ? 'PASS' : 'FAIL'}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`preview-latency: ${(e as Error).stack ?? String(e)}\n`);
    void stopAll().finally(() => process.exit(1));
  },
);

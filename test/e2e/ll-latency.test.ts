import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, videoAdvances, type PanelBrowser } from '../helpers/browser';
import { publishClock, readPageClock, type ClockPublisher } from '../helpers/clock-video';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 9: the panel's LL-HLS latency readout (hls.js `playingDate`, i.e. PROGRAM-DATE-TIME, against the wall
 * clock) agrees with the latency read off the picture: the publisher stamps each frame's capture time into its
 * pixels (test/helpers/clock-video.ts), the page draws the <video> to a canvas and reads it back.
 */

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let dataDir: string;
let pub: ClockPublisher | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-ll-latency-'));
  t = await startStudio({ data_dir: dataDir });
  b = await openPanelBrowser();
  page = b.page;
  pub = publishClock(t.rtmpUrl('/live/clock'), { seconds: 90 });
  await waitFor(() => t.studio.registry.get('/live/clock')?.ready, 'publisher live', 15_000);
}, 180_000);

afterAll(async () => {
  pub?.stop();
  pub?.child.kill('SIGKILL');
  await b?.close();
  await t?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

interface Pair {
  readout: number;
  pixel: number;
}

/** The panel's readout and the pixel latency, read together every 200 ms while hls.js plays at 1× (not catching up). */
async function sample(ms: number): Promise<{ pairs: Pair[]; skipped: string[] }> {
  const pairs: Pair[] = [];
  const skipped: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const readout = await page.getByTestId('ll-video-latency').getAttribute('data-latency-ms');
    const px = await readPageClock(page, '[data-testid=ll-video]');
    if (readout && px.pixelMs !== null && px.rate === 1) pairs.push({ readout: Number(readout), pixel: px.pixelMs });
    else skipped.push(!readout ? 'no readout' : px.pixelMs === null ? 'no stamp' : `rate ${px.rate}`);
    await page.waitForTimeout(200);
  }
  return { pairs, skipped };
}

describe('LL-HLS latency readout in the panel', () => {
  it('agrees with the latency measured from the picture within 0.3 s', async () => {
    await page.goto(t.httpUrl('/#/streams/live/clock'));
    await page.getByTestId('detail-title').getByText('/live/clock').waitFor();
    await page.getByTestId('preview-tab-ll').click();
    expect(await page.getByTestId('preview-tab-ll').getAttribute('aria-selected')).toBe('true');
    await videoAdvances(page, '[data-testid=ll-video]', 1.5, 30_000);
    // let hls.js settle on the live edge: it plays up to 1.5x until it gets there
    await page.waitForTimeout(2000);
    await expect.poll(() => page.$eval('[data-testid=ll-video]', (v) => (v as HTMLVideoElement).playbackRate), { timeout: 15_000 }).toBe(1);

    const { pairs, skipped } = await sample(6000);
    const readout = median(pairs.map((p) => p.readout));
    const pixel = median(pairs.map((p) => p.pixel));
    console.log(
      `LL-HLS latency: panel readout median ${readout} ms, pixel-timestamp median ${pixel} ms, difference ${readout - pixel} ms ` +
        `(${pairs.length} pairs, ${skipped.length} skipped: ${[...new Set(skipped)].join(', ') || 'none'}; publisher wrote ${pub?.stats.frames} frames, worst late write ${pub?.stats.maxLateMs} ms)\n` +
        `  readout: ${pairs.map((p) => p.readout).join(',')}\n  pixel:   ${pairs.map((p) => p.pixel).join(',')}`,
    );
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'll-latency.png') });

    expect(pairs.length).toBeGreaterThanOrEqual(10);
    // the picture really is live (a stuck or far-behind player would make any agreement meaningless)
    expect(pixel).toBeGreaterThan(0);
    expect(pixel).toBeLessThan(5000);
    expect(Math.abs(readout - pixel)).toBeLessThanOrEqual(300);
    // and the check has teeth: a readout off by 1 s would not pass it
    expect(Math.abs(readout + 1000 - pixel)).toBeGreaterThan(300);
  }, 90_000);

  it('raised no page errors', () => {
    expect(b.errors).toEqual([]);
  });
});

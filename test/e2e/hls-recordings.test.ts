import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, videoAdvances, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 4 in the panel, in real Chromium against a real core: hls.js plays HLS and LL-HLS from the stream
 * detail page (LL-HLS live edge under 2 s, measured from PROGRAM-DATE-TIME), a recording started from the
 * UI shows up in Recordings and plays, the low-disk warning shows.
 */

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let dataDir: string;
let pub: Run | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-hls-'));
  t = await startStudio({ data_dir: dataDir, record: { min_free_mb: 0 } });
  b = await openPanelBrowser();
  page = b.page;
  pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '640x360', rate: 30, seconds: 120 });
  await waitFor(() => t.studio.registry.get('/live/cam')?.ready, 'publisher live', 15_000);
}, 180_000);

afterAll(async () => {
  pub?.child.kill('SIGKILL');
  await b?.close();
  await t?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Latency readouts (ms) of a live hls.js player, sampled every 250 ms. */
async function latencySamples(testId: string, ms: number): Promise<number[]> {
  const out: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await page.getByTestId(`${testId}-latency`).getAttribute('data-latency-ms');
    if (v) out.push(Number(v));
    await page.waitForTimeout(250);
  }
  return out;
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

describe('HLS and recordings in the panel', () => {
  it('plays LL-HLS with hls.js a second or two behind live, then standard HLS', async () => {
    await page.goto(t.httpUrl('/#/streams/live/cam'));
    await page.getByTestId('detail-title').getByText('/live/cam').waitFor();
    // the URLs arrive with streams.urls: wait for them rather than reading the placeholder
    await expect.poll(() => page.getByTestId('url-hls').inputValue(), { timeout: 10_000 }).toBe(`http://127.0.0.1:${t.ports.http}/live/cam/index.m3u8`);
    expect(await page.getByTestId('url-ll-hls').inputValue()).toBe(`http://127.0.0.1:${t.ports.http}/live/cam/ll.m3u8`);
    expect(await page.getByTestId('url-dash').inputValue()).toBe(`http://127.0.0.1:${t.ports.http}/live/cam/index.mpd`);

    // the tabs work from the keyboard: focus FLV, ArrowRight -> LL-HLS
    await page.getByTestId('preview-tab-flv').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('preview-tab-ll').getAttribute('aria-selected')).toBe('true');
    const ll = await videoAdvances(page, '[data-testid=ll-video]', 1.5, 30_000);
    expect(ll.src).toMatch(/^blob:/);
    // give hls.js a moment to settle on the live edge, then read its PROGRAM-DATE-TIME latency
    await page.waitForTimeout(2000);
    const samples = await latencySamples('ll-video', 3000);
    expect(samples.length).toBeGreaterThan(5);
    const lat = median(samples);
    console.log(`LL-HLS latency in the panel (playingDate vs wall clock): median ${lat} ms, samples ${samples.join(',')}`);
    expect(lat).toBeLessThan(2000);

    await page.getByTestId('preview-tab-hls').click();
    const hls = await videoAdvances(page, '[data-testid=hls-video]', 1.5, 30_000);
    expect(hls.src).toMatch(/^blob:/);
    const std = median(await latencySamples('hls-video', 1500));
    console.log(`HLS latency in the panel: median ${std} ms`);
    expect(std).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'stream-detail-hls.png') });
  });

  it('records from the stream page; the recording appears in Recordings and plays', async () => {
    await page.getByTestId('rec-start').click();
    await page.getByTestId('rec-running').waitFor({ timeout: 5000 });
    // the readout grows while it records
    await expect.poll(async () => (await page.getByTestId('rec-running').textContent()) ?? '', { timeout: 10_000 }).toMatch(/· [3-9]s ·/);
    await page.getByTestId('rec-stop').click();
    await page.getByTestId('rec-start').waitFor({ timeout: 10_000 });

    await page.getByTestId('nav-recordings').click();
    const row = page.locator('[data-testid=recording-row][data-status=done]').first();
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('/live/cam');
    expect(await row.textContent()).toMatch(/H264 640x360/);
    // the thumbnail is made after the stop; the list refreshes on its own
    await row.locator('.rec-thumb img').waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('.rec-thumb img').evaluate((i) => (i as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    await row.getByTestId('recording-play').click();
    const played = await videoAdvances(page, '[data-testid=recording-video]', 1, 15_000);
    expect(played.src).toMatch(/\/api\/recordings\/[^/]+\/file$/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'recordings.png') });

    // browser mode: "Show in folder" shows the path to copy
    await row.getByTestId('recording-reveal').click();
    await page.getByTestId('recording-path').waitFor();
    expect(await page.getByTestId('recording-file').inputValue()).toMatch(new RegExp(`^${dataDir}/.+\\.mp4$`));
  });

  it('warns when the disk is low, and deletes a recording after asking', async () => {
    await t.studio.applyConfig({ ...t.studio.config, record: { ...t.studio.config.record, min_free_mb: 1e12 } });
    await page.getByTestId('disk-low').waitFor({ timeout: 10_000 });
    await t.studio.applyConfig({ ...t.studio.config, record: { ...t.studio.config.record, min_free_mb: 0 } });
    await page.getByTestId('disk-low').waitFor({ state: 'detached', timeout: 10_000 });

    const rows = page.locator('[data-testid=recording-row]');
    const before = await rows.count();
    await rows.first().getByTestId('recording-delete').click();
    await rows.first().getByTestId('recording-delete-confirm').click();
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(before - 1);
  });

  it('raised no page errors', () => {
    expect(b.errors).toEqual([]);
  });
});

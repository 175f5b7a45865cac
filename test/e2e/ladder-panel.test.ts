import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../core/contract';
import { openPanelBrowser, TEST_OUTPUT, videoAdvances, type PanelBrowser } from '../helpers/browser';
import { connectWs, expectOk, type WsClient } from '../helpers/contract-ws';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, type TestStudio } from '../helpers/studio';

/**
 * Issue 12 in the panel, in real Chromium against a real core: the Settings page's "Bitrate ladder" saves a
 * preset through ladder.set, refuses a bad custom row under its cell and saves nothing; a custom one-rung
 * ladder on a small live source makes `/live/k_144`, which the dashboard shows on its source's tile (not as
 * a tile of its own), the stream page shows running with the rung live, and a destination can take the rung.
 */

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let ws: WsClient;
let dir: string;
let pub: Run | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-ladder-'));
  [t, b] = await Promise.all([startStudio({ data_dir: path.join(dir, 'data') }), openPanelBrowser()]);
  page = b.page;
  ws = await connectWs(t.wsUrl('/api/ws'));
}, 180_000);

afterAll(async () => {
  pub?.child.kill('SIGKILL');
  ws?.close();
  await b?.close();
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const settings = async (): Promise<CommandResult<'ladder.settings'>> => expectOk(await ws.call('ladder.settings'));

async function openLadderSettings(): Promise<void> {
  await page.goto(t.httpUrl('/'));
  await page.getByTestId('nav-settings').click();
  try {
    await page.getByTestId('ladder-form').waitFor({ timeout: 15_000 });
  } catch (e) {
    throw new Error(`no Bitrate ladder section; page errors ${JSON.stringify(b.errors)}`, { cause: e });
  }
}

describe('the Bitrate ladder in the panel', () => {
  it('Settings: the 720p + 480p + 360p preset is saved for the app live', async () => {
    await openLadderSettings();
    expect(await page.getByTestId('ladder-app').inputValue()).toBe('live');
    expect(await page.getByTestId('ladder-settings').textContent()).toMatch(/never upscales.*libx264 veryfast/i);
    await page.getByTestId('ladder-preset').selectOption('720-480-360');
    // the preset's rungs are shown read-only
    expect(await page.locator('[data-testid=ladder-rungs] tbody tr').count()).toBe(3);
    await page.getByTestId('ladder-save').click();
    await expect.poll(async () => (await settings()).apps.live?.preset, { timeout: 10_000 }).toBe('720-480-360');
    // on-demand is shown as the server has it
    const od = (await settings()).on_demand;
    expect(await page.getByTestId('ladder-on-demand').getAttribute('data-on')).toBe(String(od));
  });

  it('Settings: a custom row of height 100000 is refused under its cell and nothing is saved', async () => {
    await page.getByTestId('ladder-preset').selectOption('custom');
    // Custom starts from the preset's rungs
    await expect.poll(() => page.getByTestId('ladder-row').count()).toBe(3);
    await page.getByTestId('ladder-0-height').fill('100000');
    await page.getByTestId('ladder-save').click();
    const err = page.getByTestId('ladder-0-height-error');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.textContent()).toMatch(/90.4320/);
    expect(await page.getByTestId('ladder-0-height').getAttribute('aria-invalid')).toBe('true');
    expect((await settings()).apps.live?.preset).toBe('720-480-360');
    // rows: at most 6
    for (let i = 0; i < 3; i++) await page.getByTestId('ladder-add-row').click();
    expect(await page.getByTestId('ladder-row').count()).toBe(6);
    expect(await page.getByTestId('ladder-add-row').isDisabled()).toBe(true);
    await page.getByTestId('ladder-settings').screenshot({ path: path.join(TEST_OUTPUT, 'ladder-settings.png') });
  });

  it('a custom 144p ladder on a live 320x180 source: one tile with its rendition, the stream page shows it running', async () => {
    // keep one row: 144p, 200 kbps video, 48 kbps audio, source fps
    while ((await page.getByTestId('ladder-row').count()) > 1) await page.getByTestId('ladder-1-remove').click();
    await page.getByTestId('ladder-0-height').fill('144');
    await page.getByTestId('ladder-0-fps').fill('');
    await page.getByTestId('ladder-0-video_kbps').fill('200');
    await page.getByTestId('ladder-0-audio_kbps').fill('48');
    await page.getByTestId('ladder-save').click();
    await expect.poll(async () => (await settings()).apps.live, { timeout: 10_000 }).toEqual({ preset: 'custom', rungs: [{ height: 144, fps: null, video_kbps: 200, audio_kbps: 48 }] });

    pub = publishTestPattern(t.rtmpUrl('/live/k'), { size: '320x180', rate: 15, seconds: 90 });
    await page.getByTestId('nav-dashboard').click();
    const tile = page.locator('[data-testid=stream-tile][data-path="/live/k"]');
    await tile.waitFor({ timeout: 20_000 });
    try {
      await expect.poll(async () => (await tile.getByTestId('tile-abr').textContent().catch(() => '')) ?? '', { timeout: 30_000, interval: 250 }).toMatch(/ABR: 144p/);
    } catch (e) {
      const list = expectOk(await ws.call('ladder.list'));
      throw new Error(`no ABR line on the tile; ladder.list ${JSON.stringify(list)}; page errors ${JSON.stringify(b.errors)}`, { cause: e });
    }
    // the rung is a stream of its own with rung_of, but not a tile
    const streams = expectOk<CommandResult<'streams.list'>>(await ws.call('streams.list'));
    expect(streams.find((s) => s.path === '/live/k_144')?.rung_of).toBe('/live/k');
    expect(await page.locator('[data-testid=stream-tile]').count()).toBe(1);
    expect(await page.locator('[data-testid=stream-tile][data-path="/live/k_144"]').count()).toBe(0);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'ladder-dashboard.png') });

    await tile.locator('a.tile-link').click();
    const card = page.getByTestId('ladder-card');
    await card.waitFor({ timeout: 10_000 });
    await card.locator('[data-testid=ladder-state][data-state=running]').waitFor({ timeout: 20_000 });
    const rung = card.locator('[data-testid=ladder-rung][data-path="/live/k_144"]');
    await rung.waitFor();
    expect(await rung.getAttribute('data-live')).toBe('true');
    expect(await rung.textContent()).toMatch(/144p.*x144/);
    expect(await card.getByTestId('ladder-effect').textContent()).toMatch(/app’s ladder \(live\).*Custom: 144p/);
    expect(await card.getByTestId('ladder-encoder').textContent()).not.toBe('—');
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'ladder-detail.png') });

    // the ABR preview: hls.js on abr.m3u8 with a quality menu of Auto + the source + the rung
    await page.getByTestId('preview-tab-abr').click();
    const quality = page.getByTestId('abr-video-quality');
    try {
      await quality.waitFor({ timeout: 30_000 });
    } catch (e) {
      throw new Error(`no quality menu on the ABR preview; page errors ${JSON.stringify(b.errors)}`, { cause: e });
    }
    const options = await quality.locator('option').allTextContents();
    expect(options).toHaveLength(3);
    expect(options[0]).toMatch(/^Auto/);
    expect(options.slice(1).join(' ')).toMatch(/180p.*144p|144p.*180p/);
    const i144 = options.findIndex((o) => o.startsWith('144p')) - 1;
    await quality.selectOption(String(i144));
    await videoAdvances(page, '[data-testid=abr-video]', 1, 30_000);
    await expect.poll(async () => page.$eval('[data-testid=abr-video]', (v) => (v as HTMLVideoElement).videoHeight), { timeout: 30_000 }).toBe(144);
    await quality.selectOption('-1');
    expect(await quality.inputValue()).toBe('-1');
  });

  it('a destination can take the rendition instead of the source ("no second encode")', async () => {
    await page.getByTestId('nav-destinations').click();
    await page.getByTestId('dest-form').waitFor({ timeout: 15_000 });
    await page.getByTestId('field-dest-stream').fill('/live/k');
    const feed = page.getByTestId('dest-feed');
    await feed.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('dest-form').textContent()).toMatch(/no second encode/);
    await feed.selectOption('/live/k_144');
    expect(await page.getByTestId('field-dest-stream').inputValue()).toBe('/live/k_144');
    // and back to the source
    await feed.selectOption('/live/k');
    expect(await page.getByTestId('field-dest-stream').inputValue()).toBe('/live/k');
    expect(b.errors).toEqual([]);
  });

  it('the stream page overrides the app ladder for one stream, and hands it back', async () => {
    await page.goto(t.httpUrl('/#/streams/live/k'));
    const card = page.getByTestId('ladder-card');
    await card.waitFor({ timeout: 10_000 });
    await card.getByTestId('ladder-override-edit').click();
    await card.getByTestId('ladder-override-preset').selectOption('off');
    await card.getByTestId('ladder-override-save').click();
    await expect.poll(async () => (await settings()).streams['/live/k'], { timeout: 10_000 }).toEqual({ preset: 'off' });
    await expect.poll(async () => card.getByTestId('ladder-effect').textContent(), { timeout: 10_000 }).toMatch(/this stream’s override · Off/);
    // the app's setting is untouched
    expect((await settings()).apps.live?.preset).toBe('custom');
    await card.getByTestId('ladder-override-edit').click();
    await card.getByTestId('ladder-override-remove').click();
    await expect.poll(async () => (await settings()).streams['/live/k'], { timeout: 10_000 }).toBeUndefined();
    await expect.poll(async () => card.getByTestId('ladder-effect').textContent(), { timeout: 10_000 }).toMatch(/app’s ladder \(live\)/);
    expect(b.errors).toEqual([]);
  });
});

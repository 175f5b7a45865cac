import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, run, type Run } from '../helpers/ffmpeg';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { freePort } from '../helpers/net';

/**
 * The panel in real Chromium against a real headless core: empty state, a live tile from a real
 * ffmpeg publish, flv.js preview, kick from the UI, a setting applied, the language switched.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(root, 'test-output');

let t: TestStudio;
let browser: Browser;
let page: Page;
let dataDir: string;
let pub: Run | null = null;
let newRtmpPort = 0;
const pageErrors: string[] = [];


beforeAll(async () => {
  // a missing browser is a failure, never a skip
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  ensureRendererBuilt();
  mkdirSync(OUT, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-'));
  t = await startStudio({ data_dir: dataDir });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark', locale: 'en-US' });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 180_000);

afterAll(async () => {
  pub?.child.kill('SIGKILL');
  await browser?.close();
  await t?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function videoTime(selector: string): Promise<{ time: number; src: string; w: number }> {
  return page.$eval(selector, (v) => {
    const el = v as HTMLVideoElement;
    return { time: el.currentTime, src: el.currentSrc || el.src, w: el.videoWidth };
  });
}

describe('the panel in Chromium', () => {
  it('opens on the empty state with what to paste into OBS', async () => {
    await page.goto(t.httpUrl('/'));
    await page.getByTestId('empty-state').waitFor({ timeout: 10_000 });
    // both come from the contract's streams.urls (a moment after the page renders)
    await expect.poll(() => page.getByTestId('obs-server').inputValue()).toBe(`rtmp://127.0.0.1:${t.ports.rtmp}/live`);
    await expect.poll(() => page.getByTestId('obs-key').inputValue()).toBe('studio');
    await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-status')).toBe('open');
    await page.getByTestId('health-ffmpeg').getByText(/version/).waitFor();
  });

  it('shows a tile within 2 s of a publish, with the right resolution', async () => {
    const published = new Promise<number>((resolve) => t.studio.registry.once('published', () => resolve(Date.now())));
    pub = run(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-c:a', 'aac',
      '-t', '120', '-f', 'flv', t.rtmpUrl('/live/e2e'),
    ], 150_000);
    const at = await published;
    const tile = page.locator('[data-testid=stream-tile][data-path="/live/e2e"]');
    await tile.getByTestId('tile-resolution').getByText('1280x720').waitFor({ timeout: 2000 });
    const took = Date.now() - at;
    expect(took).toBeLessThan(2000);
    expect(await page.getByTestId('empty-state').count()).toBe(0);
    // the tile's own preview plays too; then the dashboard screenshot for the README
    await waitFor(async () => (await videoTime('[data-testid=tile-preview]')).time > 0.5, 'tile preview playing', 15_000);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(OUT, 'dashboard.png') });
    if (process.env.UPDATE_SCREENSHOTS) {
      // refresh the README's screenshot on purpose only: a test run must not dirty the tree
      mkdirSync(path.join(root, 'assets'), { recursive: true });
      copyFileSync(path.join(OUT, 'dashboard.png'), path.join(root, 'assets/screenshot-dashboard.png'));
    }
  });

  it('opens the stream from the keyboard; the flv.js preview plays and keeps up', async () => {
    // Tab through the page until the tile's link has focus, then Enter
    let onTile = false;
    for (let i = 0; i < 30 && !onTile; i++) {
      await page.keyboard.press('Tab');
      onTile = await page.evaluate(() => document.activeElement?.closest('[data-testid=stream-tile]') !== null && document.activeElement?.tagName === 'A');
    }
    expect(onTile).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('detail-title').getByText('/live/e2e').waitFor();
    expect(await page.getByTestId('url-rtmp-server').inputValue()).toBe(`rtmp://127.0.0.1:${t.ports.rtmp}/live`);
    expect(await page.getByTestId('url-stream-key').inputValue()).toBe('e2e');
    expect(await page.getByTestId('url-http-flv').inputValue()).toBe(`http://127.0.0.1:${t.ports.http}/live/e2e.flv`);
    expect(await page.getByTestId('url-ws-flv').inputValue()).toBe(`ws://127.0.0.1:${t.ports.http}/live/e2e.flv`);
    const first = await waitFor(async () => {
      const v = await videoTime('[data-testid=detail-video]');
      return v.time > 0 ? v : null;
    }, 'detail video starts', 15_000);
    // MSE: flv.js feeds the element through a blob: MediaSource URL
    expect(first.src).toMatch(/^blob:/);
    await page.waitForTimeout(1500);
    const later = await videoTime('[data-testid=detail-video]');
    expect(later.time).toBeGreaterThan(first.time + 0.5);
    expect(later.w).toBe(1280);
    await page.getByTestId('subscribers').waitFor();
    await page.screenshot({ path: path.join(OUT, 'stream-detail.png') });
  });

  it('changes a setting: a bad value gets the contract’s message, a good one is applied (the publisher stays live)', async () => {
    await page.getByTestId('nav-settings').click();
    const rtmp = page.getByTestId('field-rtmpPort');
    await rtmp.waitFor();
    await rtmp.fill('70000');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('error-rtmpPort').waitFor();
    expect(await page.getByTestId('error-rtmpPort').textContent()).toMatch(/0–65535/);
    expect(t.studio.config.rtmp.port).toBe(0);

    newRtmpPort = await freePort();
    await rtmp.fill(String(newRtmpPort));
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-banner').getByText(/Restarted: RTMP/).waitFor({ timeout: 5000 });
    expect(t.studio.ports?.rtmp).toBe(newRtmpPort);
    expect(t.studio.config.rtmp.port).toBe(newRtmpPort);
    // moving the listener does not drop the encoder already connected
    expect(t.studio.registry.get('/live/e2e')?.publisher).toBeTruthy();
  });

  it('switching the API gate on asks for the token, then resumes the live view without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await page.getByTestId('toggle-api').check();
    await page.getByTestId('field-apiToken').fill('e2e-secret-token');
    await page.getByTestId('settings-save').click();
    await page.locator('#login-token').waitFor({ timeout: 10_000 });
    await page.locator('#login-token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('not accepted').waitFor();
    await page.locator('#login-token').fill('e2e-secret-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('nav-dashboard').click();
    await page.locator('[data-testid=stream-tile][data-path="/live/e2e"]').waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-status')).toBe('open');
  });

  it('kicks the publisher from the UI and the tile disappears', async () => {
    await page.locator('[data-testid=stream-tile][data-path="/live/e2e"] a').click();
    await page.getByTestId('stop-publisher').click();
    await page.getByTestId('stop-publisher-confirm').click();
    await page.getByTestId('not-live').waitFor({ timeout: 5000 });
    const exit = await pub!.done;
    expect(exit.code).not.toBe(0);
    pub = null;
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('empty-state').waitFor({ timeout: 5000 });
    expect(await page.locator('[data-testid=stream-tile]').count()).toBe(0);
    // the OBS instructions show the port set above
    await expect.poll(() => page.getByTestId('obs-server').inputValue()).toBe(`rtmp://127.0.0.1:${newRtmpPort}/live`);
  });

  it('switches to 简体中文 and remembers it', async () => {
    await page.getByTestId('lang-select').selectOption('zh');
    await page.getByTestId('nav-dashboard').getByText('仪表盘').waitFor();
    await page.getByText('还没有人开播').waitFor();
    await page.reload();
    await page.getByTestId('nav-settings').getByText('设置').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByTestId('lang-select').selectOption('en');
    await page.getByTestId('nav-dashboard').getByText('Dashboard').waitFor();
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('seed 004\'s /admin/ with publish signing on', () => {
  let signed: TestStudio;
  let obs: Run | null = null;
  const errors: string[] = [];
  beforeAll(async () => {
    signed = await startStudio({ data_dir: mkdtempSync(path.join(tmpdir(), 'onair-e2e-signed-')), auth: { publish: true, secret: 'e2e-publish-secret' } });
  });
  afterAll(async () => {
    obs?.child.kill('SIGKILL');
    await signed?.stop();
  });

  it('opens the panel at /admin/ and the empty state gives OBS a signed key that publishes', async () => {
    const p = await browser.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    try {
      await p.goto(signed.httpUrl('/admin/'));
      await p.getByTestId('empty-state').waitFor({ timeout: 10_000 });
      expect(new URL(p.url()).pathname).toBe('/');
      const server = await waitFor(async () => {
        const v = await p.getByTestId('obs-server').inputValue();
        return v.startsWith('rtmp://') ? v : null;
      }, 'OBS server');
      expect(server).toBe(`rtmp://127.0.0.1:${signed.ports.rtmp}/live`);
      const key = await waitFor(async () => {
        const v = await p.getByTestId('obs-key').inputValue();
        return v.includes('?sign=') ? v : null;
      }, 'signed OBS key');
      expect(key).toMatch(/^studio\?sign=\d+-[0-9a-f]{32}$/);
      await p.getByText(/signed for \/live\/studio/).waitFor();
      // the bare name is refused; the pasted values publish
      const bare = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'flv', `${server}/studio`], 30_000).done;
      expect(bare.code).not.toBe(0);
      obs = run(FFMPEG, [
        '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-t', '30', '-f', 'flv', `${server}/${key}`,
      ], 60_000);
      await waitFor(() => signed.studio.registry.get('/live/studio')?.ready, 'signed publish live', 15_000);
      await p.locator('[data-testid=stream-tile][data-path="/live/studio"]').waitFor({ timeout: 5000 });
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

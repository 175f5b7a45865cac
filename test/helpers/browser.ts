import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureRendererBuilt } from './renderer-build';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TEST_OUTPUT = path.resolve(import.meta.dirname, '../../test-output');

export interface PanelBrowser {
  browser: Browser;
  page: Page;
  /** uncaught errors on the page */
  errors: string[];
  close(): Promise<void>;
}

/** Build the panel if needed and open one Chromium page on it (autoplay allowed, 1440x900, English). */
export async function openPanelBrowser(): Promise<PanelBrowser> {
  // a missing browser is a failure, never a skip
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  ensureRendererBuilt();
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark', locale: 'en-US' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, errors, close: () => browser.close() };
}

/** currentTime of a <video>, polled until it has advanced by `by` seconds from its first non-zero value. */
export async function videoAdvances(page: Page, selector: string, by = 1, timeoutMs = 20_000): Promise<{ first: number; last: number; src: string }> {
  const read = (): Promise<{ time: number; src: string }> =>
    page.$eval(selector, (v) => ({ time: (v as HTMLVideoElement).currentTime, src: (v as HTMLVideoElement).currentSrc }));
  const end = Date.now() + timeoutMs;
  let first = 0;
  for (;;) {
    const now = await read();
    if (!first && now.time > 0) first = now.time;
    if (first && now.time >= first + by) return { first, last: now.time, src: now.src };
    if (Date.now() > end) throw new Error(`${selector} did not advance by ${by}s in ${timeoutMs} ms (at ${now.time})`);
    await page.waitForTimeout(200);
  }
}

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, type PanelBrowser } from '../helpers/browser';
import { FFMPEG, publishTestPattern, run, type Run } from '../helpers/ffmpeg';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { startStudio, type TestStudio } from '../helpers/studio';

/**
 * Issue 11 in the panel, in real Chromium against a real core: ffmpeg publishes to the studio, a Custom
 * destination is added on the Destinations page pointing at a real nginx-rtmp, its card turns live with an
 * acknowledged bitrate; nginx stops and the card says retrying with a reason. The whole stream key never
 * appears in the DOM nor in anything the core sent the page.
 */

const KEY = 'e2e-Sk3y-7f0c2d9a-tail';
const LAST4 = KEY.slice(-4);

let t: TestStudio;
let nginx: NginxRtmp;
let b: PanelBrowser;
let page: Page;
let dir: string;
let nginx2: NginxRtmp | null = null;
let pub: Run | null = null;
/** every frame the core sent the page over /api/ws */
const received: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-dest-'));
  [t, nginx, b] = await Promise.all([startStudio({ data_dir: path.join(dir, 'data') }), startNginxRtmp(), openPanelBrowser()]);
  page = b.page;
  page.on('console', (m) => m.type() === 'error' && b.errors.push(`console: ${m.text()}`));
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
}, 180_000);

afterAll(async () => {
  pub?.child.kill();
  await b?.close();
  await t?.stop();
  await nginx?.stop();
  await nginx2?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const card = (): ReturnType<Page['locator']> => page.locator('[data-testid=dest-card]').first();

async function cardText(): Promise<string> {
  return (await page.locator('[data-testid=dest-card]').allTextContents()).join(' | ');
}

describe('the Destinations page', () => {
  it('refuses bad input under the fields and saves nothing', async () => {
    await page.goto(t.httpUrl('/'));
    await page.getByTestId('nav-destinations').click();
    try {
      await page.getByTestId('dest-form').waitFor({ timeout: 15_000 });
    } catch (e) {
      throw new Error(`no Destinations page; page errors ${JSON.stringify(b.errors)}; body: ${(await page.content()).slice(0, 800)}`, { cause: e });
    }
    await page.getByTestId('dest-empty').waitFor();
    // nothing typed: each required field says so
    await page.getByTestId('field-dest-name').fill('');
    await page.getByTestId('dest-add').click();
    await page.getByTestId('error-dest-key').waitFor();
    expect(await page.getByTestId('error-dest-url').textContent()).toMatch(/required/i);
    // the server's validator: not an rtmp(s) URL
    await page.getByTestId('field-dest-name').fill('bad');
    await page.getByTestId('field-dest-url').fill(`http://127.0.0.1:${nginx.rtmpPort}/live`);
    await page.getByTestId('field-dest-key').fill(KEY);
    await page.getByTestId('field-dest-stream').fill('/live/cam');
    await page.getByTestId('dest-add').click();
    const err = page.locator('[data-testid=dest-form-error], [data-testid=error-dest-url]').first();
    await err.waitFor();
    expect(await err.textContent()).toMatch(/rtmp:\/\//);
    expect(await t.studio.destinations.list()).toHaveLength(0);
    expect(await page.locator('[data-testid=dest-card]').count()).toBe(0);
    // the key field is masked
    expect(await page.getByTestId('field-dest-key').getAttribute('type')).toBe('password');
  });

  it('a Custom destination to nginx-rtmp turns live with an acknowledged bitrate; the key is never shown whole', async () => {
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '640x360', rate: 25, seconds: 120 });
    await page.getByTestId('field-dest-name').fill('nginx stand-in');
    await page.getByTestId('field-dest-url').fill(`rtmp://127.0.0.1:${nginx.rtmpPort}/live`);
    await page.getByTestId('field-dest-key').fill(KEY);
    await page.getByTestId('field-dest-stream').fill('/live/cam');
    expect(await page.getByTestId('toggle-dest-auto').isChecked()).toBe(true);
    await page.getByTestId('dest-add').click();
    await card().waitFor({ timeout: 10_000 });
    // the key field was cleared after the add
    expect(await page.getByTestId('field-dest-key').inputValue()).toBe('');

    const live = page.locator('[data-testid=dest-card][data-state=live]');
    try {
      await live.waitFor({ timeout: 30_000 });
    } catch (e) {
      throw new Error(`the card did not turn live: ${await cardText()}; page errors ${JSON.stringify(b.errors)}`, { cause: e });
    }
    await expect.poll(async () => Number(await live.getByTestId('dest-bitrate').getAttribute('data-bps')), { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
    expect(await live.getByTestId('dest-platform').textContent()).toMatch(/Custom/);
    expect(await live.getByTestId('dest-source').textContent()).toContain('/live/cam');
    expect(await live.getByTestId('dest-key').textContent()).toBe(`••••${LAST4}`);
    await expect.poll(async () => await live.getByTestId('dest-sent').textContent(), { timeout: 10_000 }).not.toBe('0 B');
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'destinations-live.png') });

    // the dashboard tile and the stream page show it too
    await page.getByTestId('nav-dashboard').click();
    const tile = page.locator('[data-testid=stream-tile][data-path="/live/cam"] [data-testid=tile-destinations]');
    await tile.waitFor({ timeout: 20_000 });
    expect(await tile.textContent()).toMatch(/→ 1 destination/);
    await page.goto(t.httpUrl('/#/streams/live/cam'));
    await page.locator('[data-testid=stream-dest][data-state=live]').waitFor({ timeout: 10_000 });

    expect(await page.content()).not.toContain(KEY);
  });

  it('nginx goes away: the card turns to retrying with a reason, and the key never left the core whole', async () => {
    await page.getByTestId('nav-destinations').click();
    await page.locator('[data-testid=dest-card][data-state=live]').waitFor({ timeout: 10_000 });
    await nginx.stop();
    const retrying = page.locator('[data-testid=dest-card][data-state=retrying]');
    try {
      await retrying.waitFor({ timeout: 20_000 });
    } catch (e) {
      throw new Error(`the card did not turn to retrying: ${await cardText()}`, { cause: e });
    }
    await retrying.getByTestId('dest-error').waitFor({ timeout: 10_000 });
    expect(await retrying.getByTestId('dest-error').textContent()).toMatch(/connection|refused|closed|answer/);
    expect(await retrying.getByTestId('dest-retry').textContent()).toMatch(/attempt \d+/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'destinations-retrying.png') });

    expect(await page.content()).not.toContain(KEY);
    const all = received.join('\n');
    expect(all).toContain('destination.state');
    expect(all).toContain(`••••${LAST4}`);
    expect(all).not.toContain(KEY);
    expect(b.errors).toEqual([]);
  });

  it('Edit: a new name and URL are saved, the key field starts empty and the stored key is kept', async () => {
    nginx2 = await startNginxRtmp();
    await card().getByTestId('dest-edit').click();
    const form = card().getByTestId('dest-edit-form');
    await form.waitFor();
    // prefilled, except the key: empty, with a hint naming its last 4 characters
    expect(await form.getByTestId('field-dest-edit-name').inputValue()).toBe('nginx stand-in');
    expect(await form.getByTestId('field-dest-edit-url').inputValue()).toBe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live`);
    expect(await form.getByTestId('field-dest-edit-stream').inputValue()).toBe('/live/cam');
    expect(await form.getByTestId('toggle-dest-edit-auto').isChecked()).toBe(true);
    expect(await form.getByTestId('field-dest-edit-key').inputValue()).toBe('');
    expect(await form.textContent()).toContain(`…${LAST4}`);
    // a refusal from the server shows in the form, nothing is saved
    await form.getByTestId('field-dest-edit-url').fill('http://127.0.0.1/live');
    await form.getByTestId('dest-edit-save').click();
    // the validator's refusal names its field: it shows under the URL, the form stays open
    const refusal = form.getByTestId('error-dest-edit-url');
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.textContent()).toMatch(/rtmp:\/\/ or rtmps:\/\//);
    expect((await t.studio.destinations.list())[0].url).toBe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live`);

    const url2 = `rtmp://127.0.0.1:${nginx2.rtmpPort}/live`;
    await form.getByTestId('field-dest-edit-name').fill('renamed stand-in');
    await form.getByTestId('field-dest-edit-url').fill(url2);
    await form.getByTestId('dest-edit-save').click();
    await card().getByTestId('dest-edit').waitFor({ timeout: 10_000 });
    const [d] = await t.studio.destinations.list();
    expect(d).toMatchObject({ name: 'renamed stand-in', url: url2, key: `••••${LAST4}` });
    expect(await card().locator('.job-title').textContent()).toBe('renamed stand-in');
    // the destination pushes to the new server with the key it had: nginx records it under the old key's name
    const live = page.locator('[data-testid=dest-card][data-state=live]');
    try {
      await live.waitFor({ timeout: 30_000 });
    } catch (e) {
      throw new Error(`the edited card did not turn live: ${await cardText()}`, { cause: e });
    }
    const rec = path.join(nginx2.recordDir, `${KEY}.flv`);
    await expect.poll(() => (existsSync(rec) ? statSync(rec).size : 0), { timeout: 15_000, interval: 200 }).toBeGreaterThan(10_000);
    expect(await page.content()).not.toContain(KEY);
    expect(received.join('\n')).not.toContain(KEY);
  });

  it('Remove asks first, then the card is gone', async () => {
    await card().getByTestId('dest-remove').click();
    await card().getByTestId('dest-remove-confirm').click();
    await page.getByTestId('dest-empty').waitFor({ timeout: 10_000 });
    expect(await t.studio.destinations.list()).toHaveLength(0);
  });
});

describe('the Sources section (static relays)', () => {
  let clip: string;
  const src = (): ReturnType<Page['locator']> => page.locator('[data-testid=src-card][data-path="/live/filecam"]');

  beforeAll(async () => {
    clip = path.join(dir, 'clip.flv');
    const made = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000', '-f', 'flv', clip], 30_000).done;
    expect(made.code).toBe(0);
  }, 40_000);

  it('a bad source URL is refused by the server, shown in the form, and nothing is added', async () => {
    await page.getByTestId('nav-destinations').click();
    await page.getByTestId('sources-section').waitFor({ timeout: 10_000 });
    await page.getByTestId('src-empty').waitFor();
    await page.getByTestId('src-kind-select').selectOption('rtmp');
    await page.getByTestId('field-src-edge').fill('http://x');
    await page.getByTestId('field-src-name').fill('bad');
    await page.getByTestId('src-add').click();
    const err = page.locator('[data-testid=src-form-error], [data-testid=error-src-edge]').first();
    await err.waitFor({ timeout: 10_000 });
    expect(await err.textContent()).toMatch(/rtsp:\/\/|rtmp:\/\//);
    expect(t.studio.relays.list()).toHaveLength(0);
    expect(await page.locator('[data-testid=src-card]').count()).toBe(0);
  });

  it('a local file source turns live as /live/filecam; Remove takes it away', async () => {
    await page.getByTestId('src-kind-select').selectOption('file');
    await page.getByTestId('field-src-edge').fill(clip);
    await page.getByTestId('field-src-app').fill('live');
    await page.getByTestId('field-src-name').fill('filecam');
    expect(await page.getByTestId('src-target').textContent()).toBe('/live/filecam');
    await page.getByTestId('src-add').click();
    await src().waitFor({ timeout: 10_000 });
    try {
      await page.locator('[data-testid=src-card][data-path="/live/filecam"][data-state=live]').waitFor({ timeout: 30_000 });
    } catch (e) {
      throw new Error(`the source did not turn live: ${(await page.locator('[data-testid=src-card]').allTextContents()).join(' | ')}`, { cause: e });
    }
    expect(await src().getByTestId('src-kind').textContent()).toMatch(/file/i);
    expect(await src().getByTestId('src-edge').textContent()).toBe(clip);
    await expect.poll(() => !!t.studio.registry.get('/live/filecam')?.publisher, { timeout: 15_000, interval: 200 }).toBe(true);
    const [relay] = t.studio.relays.list();
    expect(relay).toMatchObject({ mode: 'static', app: 'live', name: 'filecam', origin: 'api' });
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'destinations-sources.png') });

    await src().getByTestId('src-remove').click();
    await src().getByTestId('src-remove-confirm').click();
    await page.getByTestId('src-empty').waitFor({ timeout: 10_000 });
    expect(t.studio.relays.list()).toHaveLength(0);
    await expect.poll(() => !!t.studio.registry.get('/live/filecam')?.publisher, { timeout: 15_000, interval: 200 }).toBe(false);
    expect(b.errors).toEqual([]);
  });
});

/**
 * Issue 14 in the panel, in real Chromium against a real headless core: a 320x180 stream with a 10 s GOP gets
 * the keyframe advice on its tile and on its page (the English text); its timeline shows "published"; killing
 * the publisher (studio `slate: { enabled: true, after_ms: 500 }`) adds "dropped" and "slate on" and raises ONE
 * notification for the drop (window.Notification stubbed by an init script that records every call); the
 * dashboard draws the server charts; Settings → Disconnect protection saves `after_ms` (the server config says
 * so) and shows the server's message under the image field for a relative path.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../core/contract';
import { openPanelBrowser, type PanelBrowser } from '../helpers/browser';
import { connectWs, expectOk, type WsClient } from '../helpers/contract-ws';
import { FFMPEG, run, type Run } from '../helpers/ffmpeg';
import { startStudio, type TestStudio } from '../helpers/studio';

const PATH = '/live/gop';
const ADVICE = /Keyframes every \d+(\.\d)? s: set OBS → Output → Keyframe Interval to 2/;

/** 320x180 at 10 fps with a keyframe every 10 s (and audio), for 90 s at most */
function longGopPublisher(url: string): Run {
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '90', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '100', '-keyint_min', '100', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-f', 'flv', url,
  ], 120_000);
}

/** records every `new Notification(title, { body })` in window.__notes; permission granted */
const STUB = `
  window.__notes = [];
  class StubNotification {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body, at: Date.now() }); }
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: StubNotification, configurable: true, writable: true });
`;

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let ws: WsClient;
let pub: Run | null = null;

beforeAll(async () => {
  [t, b] = await Promise.all([startStudio({ slate: { enabled: true, after_ms: 500 } }), openPanelBrowser()]);
  page = b.page;
  await page.addInitScript(STUB);
  ws = await connectWs(t.wsUrl('/api/ws'));
}, 120_000);

afterAll(async () => {
  pub?.child.kill('SIGKILL');
  ws?.close();
  await b?.close();
  await t?.stop();
});

const notes = (): Promise<Array<{ title: string; body: string }>> => page.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body: string }> }).__notes);
const kinds = async (): Promise<string[]> => page.locator('[data-testid=timeline-event]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind') ?? ''));

describe('stream health in the panel', () => {
  it('a 10 s GOP: the keyframe advice on the tile and the stream page; the timeline shows published', async () => {
    pub = longGopPublisher(t.rtmpUrl(PATH));
    await page.goto(t.httpUrl('/'));
    const tile = page.locator(`[data-testid=stream-tile][data-path="${PATH}"]`);
    await tile.waitFor({ timeout: 20_000 });
    try {
      await expect.poll(async () => (await tile.getByTestId('health-advice').textContent().catch(() => '')) ?? '', { timeout: 35_000, interval: 250 }).toMatch(ADVICE);
    } catch (e) {
      throw new Error(`no keyframe advice on the tile; health.get ${JSON.stringify(expectOk(await ws.call('health.get')))}; page errors ${JSON.stringify(b.errors)}`, { cause: e });
    }
    // the server charts on the dashboard
    await page.getByTestId('server-chart-cpu').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('server-chart-disk').count()).toBe(1);

    await tile.locator('a.tile-link').click();
    const card = page.getByTestId('health-card');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.getByTestId('health-advice').textContent()).toMatch(ADVICE);
    // the verdict escalates with the evidence: a keyframe overdue by > 2.5 s warns, > 4 s is bad
    await expect.poll(async () => card.getByTestId('health-pill').textContent(), { timeout: 15_000, interval: 250 }).toBe('Bad');
    const timeline = page.getByTestId('health-timeline');
    await expect.poll(kinds, { timeout: 10_000 }).toContain('published');
    expect(await timeline.locator('[data-kind=published]').first().textContent()).toMatch(/Published/);
  });

  it('the publisher is killed: the timeline shows dropped and slate on; one notification for the drop', async () => {
    pub?.child.kill('SIGKILL');
    pub = null;
    try {
      await expect.poll(kinds, { timeout: 15_000, interval: 200 }).toEqual(expect.arrayContaining(['dropped', 'slate_on']));
    } catch (e) {
      throw new Error(`timeline ${JSON.stringify(expectOk(await ws.call('health.timeline', { stream: PATH })))}`, { cause: e });
    }
    const timeline = page.getByTestId('health-timeline');
    expect(await timeline.locator('[data-kind=dropped]').first().textContent()).toMatch(/Dropped/);
    expect(await timeline.locator('[data-kind=slate_on]').first().textContent()).toMatch(/Slate on/);
    const dropped = async (): Promise<number> => (await notes()).filter((n) => n.title === `${PATH} dropped`).length;
    await expect.poll(dropped, { timeout: 10_000 }).toBe(1);
    // still one a few seconds later: once per incident, not per second
    await page.waitForTimeout(4000);
    expect(await dropped()).toBe(1);
    expect((await notes()).find((n) => n.title === `${PATH} dropped`)?.body).toBe(`The publisher of ${PATH} disconnected.`);
    // the 10 s GOP's "health bad" was one notification too
    expect((await notes()).filter((n) => n.title === `${PATH}: health is bad`).length).toBeLessThanOrEqual(1);
  });

  it('Settings → Disconnect protection saves after_ms and shows the server error for a relative image path', async () => {
    await page.getByTestId('nav-settings').click();
    const section = page.getByTestId('slate-settings');
    await section.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('field-slateMode').inputValue()).toBe('always');
    expect(await page.getByTestId('field-slateAfter').inputValue()).toBe('500');
    await page.getByTestId('field-slateAfter').fill('800');
    await page.getByTestId('settings-save').click();
    const cfg = async (): Promise<CommandResult<'server.config.get'>> => expectOk(await ws.call('server.config.get'));
    await expect.poll(async () => (await cfg()).slate.after_ms, { timeout: 10_000 }).toBe(800);
    // the page has taken the answer (its form is reset from it) before the next edit
    await expect.poll(async () => (await page.getByTestId('settings-banner').textContent().catch(() => '')) ?? '', { timeout: 10_000 }).toMatch(/Saved and applied/);
    expect(await page.getByTestId('field-slateAfter').inputValue()).toBe('800');

    await page.getByTestId('field-slateImage').fill('slate.png');
    await page.getByTestId('settings-save').click();
    const err = page.getByTestId('error-slateImage');
    try {
      await err.waitFor({ timeout: 10_000 });
    } catch (e) {
      throw new Error(`no error under the image field; banner ${await page.getByTestId('settings-banner').textContent().catch(() => null)}`, { cause: e });
    }
    expect(await err.textContent()).toMatch(/absolute path/);
    expect(await page.getByTestId('field-slateImage').getAttribute('aria-invalid')).toBe('true');
    expect((await cfg()).slate.image).toBe('');
  });
});

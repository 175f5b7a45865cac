import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 13 in the panel, in real Chromium against a real core with auth.keys on: a stream key is created on
 * the Keys page (OBS server + masked key, reveal, copy, disable/enable), a room on the Rooms page (status 0,
 * a watch link); ffmpeg publishes with the room's key and the card turns live; on the stream's page the chat
 * dock shows a socket.io viewer's message as text (markup never runs), deletes it, and bans the viewer.
 */

const XSS = '<img src=x onerror=alert(1)>';

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let dir: string;
let pub: Run | null = null;
let viewer: Socket | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-rooms-'));
  [t, b] = await Promise.all([startStudio({ data_dir: path.join(dir, 'data'), auth: { keys: true } }), openPanelBrowser()]);
  page = b.page;
  page.on('console', (m) => m.type() === 'error' && b.errors.push(`console: ${m.text()}`));
  page.on('dialog', (d) => {
    b.errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.httpUrl('') });
}, 180_000);

afterAll(async () => {
  viewer?.disconnect();
  pub?.child.kill();
  await b?.close();
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const keyCard = (): ReturnType<Page['locator']> => page.locator('[data-testid=key-card]').first();
const roomCard = (): ReturnType<Page['locator']> => page.locator('[data-testid=room-card]').first();

describe('Keys, Rooms and the chat dock', () => {
  it('a new key shows the OBS server and a masked key; reveal shows it, Copy copies it, Disable/Enable flip the pill', async () => {
    await page.goto(t.httpUrl('/'));
    await page.getByTestId('nav-keys').click();
    try {
      await page.getByTestId('keys-empty').waitFor({ timeout: 15_000 });
    } catch (e) {
      throw new Error(`no Keys page; page errors ${JSON.stringify(b.errors)}; body: ${(await page.content()).slice(0, 800)}`, { cause: e });
    }
    expect(await page.getByTestId('keys-empty').textContent()).toMatch(/auth\.keys/);
    await page.getByTestId('field-key-label').fill('Main OBS');
    await page.getByTestId('key-add').click();
    await keyCard().waitFor({ timeout: 10_000 });

    const [k] = await t.studio.rooms.keys.list();
    expect(k.key).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await keyCard().getByTestId('key-label').textContent()).toBe('Main OBS');
    expect(await keyCard().getByTestId('key-server').inputValue()).toBe(`rtmp://127.0.0.1:${t.ports.rtmp}/live`);
    // masked: only its last 4 characters, nowhere in the page whole
    const masked = await keyCard().getByTestId('key-secret').inputValue();
    expect(masked.endsWith(k.key.slice(-4))).toBe(true);
    expect(masked).not.toContain(k.key);
    expect(await page.content()).not.toContain(k.key);
    // the public stream name (not secret) is shown as is: players use /live/<stream>
    expect(k.stream).toMatch(/^[a-z0-9]{12}$/);
    expect(await keyCard().getByTestId('key-public-stream').inputValue()).toBe(`/live/${k.stream}`);
    // Copy copies the real key without revealing it
    await keyCard().getByTestId('key-secret-copy').click();
    await expect.poll(async () => await keyCard().getByTestId('key-secret-copy').textContent(), { timeout: 5_000 }).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(k.obs.stream_key);
    // reveal shows it whole; hide masks it again
    await keyCard().getByTestId('key-secret-reveal').click();
    expect(await keyCard().getByTestId('key-secret').inputValue()).toBe(k.obs.stream_key);
    await keyCard().getByTestId('key-secret-reveal').click();
    expect(await keyCard().getByTestId('key-secret').inputValue()).toBe(masked);

    expect(await keyCard().getByTestId('key-state').getAttribute('data-state')).toBe('enabled');
    await keyCard().getByTestId('key-disable').click();
    await page.locator('[data-testid=key-card] [data-testid=key-state][data-state=disabled]').waitFor({ timeout: 5_000 });
    expect((await t.studio.rooms.keys.list())[0].enabled).toBe(false);
    await keyCard().getByTestId('key-enable').click();
    await page.locator('[data-testid=key-card] [data-testid=key-state][data-state=enabled]').waitFor({ timeout: 5_000 });
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'keys-page.png') });
  });

  it('a new room shows status 0 and its watch link; publishing with its key turns it live', async () => {
    await page.getByTestId('nav-rooms').click();
    await page.getByTestId('rooms-empty').waitFor({ timeout: 10_000 });
    await page.getByTestId('field-room-title').fill('Friday show');
    // the existing key, picked by its label
    await page.getByTestId('room-key-select').selectOption({ label: 'Main OBS (/live)' });
    await page.getByTestId('room-add').click();
    await roomCard().waitFor({ timeout: 10_000 });
    expect(await roomCard().getAttribute('data-status')).toBe('0');
    expect(await roomCard().getByTestId('room-status').textContent()).toBe('not started');
    const id = Number(await roomCard().getAttribute('data-id'));
    expect(await roomCard().getByTestId('room-watch').inputValue()).toBe(t.httpUrl(`/watch/${id}`));
    const [k] = await t.studio.rooms.keys.list();
    expect(await roomCard().getByTestId('room-key-label').textContent()).toBe('Main OBS');
    // auth.keys on: the room's stream is the key's public name
    expect(await roomCard().getByTestId('room-stream-path').textContent()).toBe(`/live/${k.stream}`);
    expect(await page.content()).not.toContain(k.key);

    pub = publishTestPattern(t.rtmpUrl(`/live/${k.key}`), { size: '320x180', rate: 15, seconds: 90 });
    try {
      await page.locator('[data-testid=room-card][data-status="1"]').waitFor({ timeout: 20_000 });
    } catch (e) {
      throw new Error(`the room did not turn live: ${await roomCard().textContent()}; errors ${JSON.stringify(b.errors)}`, { cause: e });
    }
    expect(await roomCard().getByTestId('room-status').textContent()).toBe('live');
    // live rooms show pause and end, not "live"
    await roomCard().getByTestId('room-pause').waitFor();
    expect(await roomCard().getByTestId('room-play').count()).toBe(0);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'rooms-live.png') });
    // the key is live now on the Keys page, and was used
    await page.getByTestId('nav-keys').click();
    await page.locator('[data-testid=key-card][data-live=true]').waitFor({ timeout: 10_000 });
    expect(await keyCard().getByTestId('key-last-used').textContent()).toMatch(/Last used/);
    await page.getByTestId('nav-rooms').click();
  });

  it('the chat dock shows a viewer message as text, deletes it, and a banned viewer is refused', async () => {
    const id = Number(await roomCard().getAttribute('data-id'));
    await roomCard().getByTestId('room-open-chat').click();
    const dock = page.getByTestId('chat-dock');
    await dock.waitFor({ timeout: 10_000 });
    // the Stream detail page is the public stream's: its URLs and player links never carry the key
    const [k] = await t.studio.rooms.keys.list();
    expect(page.url()).toContain(k.stream);
    expect(await page.content()).not.toContain(k.key);

    viewer = io(t.httpUrl(''), { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true });
    const errors: unknown[] = [];
    viewer.onAny((event: string, data: unknown) => {
      if (event === viewer?.id) errors.push(data);
    });
    await new Promise<void>((resolve, reject) => {
      viewer?.once('connect', () => resolve());
      viewer?.once('connect_error', reject);
    });
    viewer.emit('joinLive', { live_id: id, name: 'mallory' });
    // the dock's viewer count includes the chat member
    await page.locator('[data-testid=chat-viewers]:not([data-chat="0"])').waitFor({ timeout: 10_000 });

    viewer.emit('comment', { live_id: id, data: XSS });
    const msg = dock.locator('[data-testid=chat-msg]').filter({ hasText: 'mallory' });
    await msg.waitFor({ timeout: 10_000 });
    expect(await msg.getByTestId('chat-text').textContent()).toBe(XSS);
    expect(await dock.locator('img').count()).toBe(0);
    expect(b.errors).toEqual([]);

    // the streamer replies
    await page.getByTestId('chat-input').fill('hello from the studio');
    await page.getByTestId('chat-send').click();
    await dock.locator('[data-testid=chat-msg][data-kind=streamer]').filter({ hasText: 'hello from the studio' }).waitFor({ timeout: 5_000 });

    // Delete: gone from the dock
    await msg.hover();
    await msg.getByTestId('chat-delete').click();
    await expect.poll(async () => await dock.locator('[data-testid=chat-msg]').filter({ hasText: 'mallory' }).count(), { timeout: 5_000 }).toBe(0);

    // Ban: the viewer's next comment is refused (the seed's error envelope) and never shows
    viewer.emit('comment', { live_id: id, data: 'second try' });
    await dock.locator('[data-testid=chat-msg]').filter({ hasText: 'second try' }).waitFor({ timeout: 10_000 });
    const second = dock.locator('[data-testid=chat-msg]').filter({ hasText: 'second try' });
    await second.hover();
    await second.getByTestId('chat-mod').click();
    await second.getByTestId('chat-ban').click();
    await dock.getByTestId('chat-restricted-name').filter({ hasText: 'mallory' }).waitFor({ timeout: 5_000 });
    const before = errors.length;
    viewer.emit('comment', { live_id: id, data: 'after the ban' });
    await waitFor(() => errors.length > before, 'an error envelope for the banned viewer', 10_000);
    expect(JSON.stringify(errors[errors.length - 1])).toMatch(/"action":"error"/);
    expect(await dock.locator('[data-testid=chat-msg]').filter({ hasText: 'after the ban' }).count()).toBe(0);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'chat-dock.png') });
    expect(b.errors).toEqual([]);
  });
});

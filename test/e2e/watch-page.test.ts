import type { Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSign } from '../../core/auth/sign';
import type { ChatMessage, Room } from '../../core/contract/rooms';
import { openPanelBrowser, videoAdvances, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 13: the public watch page /watch/<room> in real Chromium, on a room whose key a real ffmpeg publishes
 * to: it plays (currentTime advances), its chat posts reach the streamer (the panel's chat dock in another page,
 * and the contract), the streamer's delete removes the message from the page, HTML in a message stays text,
 * an unknown room is a 404 page, an ended room says so; with auth.play on the page carries a signed playlist.
 * With auth.keys on, the key only publishes: the room's stream is the key's public name, and nothing a viewer
 * gets (the page's HTML, its playlist URLs, its state) contains the key. With auth.keys off (seed 002) the
 * stream is /<app>/<key>.
 */

async function call<T>(t: TestStudio, cmd: string, args: unknown): Promise<T> {
  const r = (await t.studio.api.dispatch(cmd, args)) as { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
  if (!r.ok) throw new Error(`${cmd}: ${r.error.code} ${r.error.message}`);
  return r.result;
}

async function liveRoom(t: TestStudio, title: string): Promise<{ room: Room; pub: Run }> {
  const room = await call<Room>(t, 'rooms.add', { title });
  // the key publishes; players use room.stream (the public name with auth.keys on, else the key)
  const pub = publishTestPattern(t.rtmpUrl(`/${room.app}/${room.key}`), { size: '320x180', rate: 15, seconds: 150 });
  await waitFor(async () => (await call<Room[]>(t, 'rooms.list', undefined)).find((r) => r.id === room.id)?.status === 1, 'room live', 20_000);
  // LL-HLS has its first parts (so the page's first choice is ready, and a fall-back to HLS would be a bug)
  const stream = `/${room.app}/${room.stream}`;
  const sign = t.studio.config.auth.play ? `?sign=${makeSign(stream, Math.floor(Date.now() / 1000) + 600, t.studio.config.auth.secret)}` : '';
  await waitFor(async () => (await fetch(t.httpUrl(`${stream}/ll.m3u8${sign}`))).status === 200, 'LL-HLS playlist', 30_000, 250);
  return { room, pub };
}

function stopPub(pub: Run | null): void {
  pub?.child.kill('SIGKILL');
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('#send');
}

const messageTexts = (page: Page): Promise<string[]> => page.$$eval('#messages li .text', (els) => els.map((e) => e.textContent ?? ''));

describe('the watch page (auth.keys on)', () => {
  let t: TestStudio;
  let b: PanelBrowser;
  let room: Room;
  let pub: Run | null = null;
  let listener: Socket | null = null;
  const heard: unknown[] = [];

  beforeAll(async () => {
    t = await startStudio({ auth: { api: false, keys: true } });
    b = await openPanelBrowser();
    ({ room, pub } = await liveRoom(t, 'Launch <b>night</b> & "friends"'));
    expect(room.stream).toMatch(/^[a-z0-9]{12}$/);
  }, 120_000);

  afterAll(async () => {
    listener?.close();
    stopPub(pub);
    await b?.close();
    await t?.stop();
  });

  it('is public, strict (CSP: scripts from self only) and shows the room title as text', async () => {
    const res = await fetch(t.httpUrl(`/watch/${room.id}`));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await res.text();
    // the key never reaches a viewer: the page names the public stream only
    expect(html).not.toContain(room.key);
    expect(html).toContain(`/${room.app}/${room.stream}`);
    expect(html).not.toContain('<b>night</b>');
    expect(html).toContain('Launch &lt;b&gt;night&lt;/b&gt; &amp; &quot;friends&quot;');
    for (const a of ['watch.js', 'watch.css', 'hls.mjs', 'socket.io.mjs']) expect((await fetch(t.httpUrl(`/watch/assets/${a}`))).status, a).toBe(200);
    const state = (await (await fetch(t.httpUrl(`/watch/${room.id}/state`))).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ room: room.id, status: 1 });
    expect(JSON.stringify(state)).not.toContain(room.key);
  });

  it('plays the stream over LL-HLS with a viewer session token', async () => {
    const playlists: string[] = [];
    b.page.on('request', (r) => {
      if (/\.m3u8/.test(r.url())) playlists.push(r.url());
    });
    await b.page.goto(t.httpUrl(`/watch/${room.id}`));
    expect(await b.page.textContent('#title')).toBe('Launch <b>night</b> & "friends"');
    expect(await b.page.textContent('#status')).toBe('Live');
    await videoAdvances(b.page, '#video', 1.5, 45_000);
    expect(await b.page.getAttribute('#watch', 'data-playlist')).toBe('ll.m3u8');
    const ll = playlists.find((u) => u.includes('/ll.m3u8'));
    expect(ll).toBeDefined();
    expect(new URL(ll!).pathname).toBe(`/${room.app}/${room.stream}/ll.m3u8`);
    for (const u of playlists) expect(u).not.toContain(room.key);
    expect(await b.page.content()).not.toContain(room.key);
    expect(new URL(ll!).searchParams.get('vs')).toMatch(/^[0-9a-f]{24}$/);
    expect(await b.page.$('#expiry')).toBeNull();
  }, 90_000);

  it('posts chat as the named viewer; the streamer sees it; deleting it removes it from the page', async () => {
    // a second chat member (the real socket.io client) in the same room
    listener = io(t.httpUrl(''), { transports: ['websocket'], forceNew: true });
    listener.on('comment', (m: unknown) => heard.push(m));
    await waitFor(() => listener?.connected, 'listener connected', 10_000);
    listener.emit('joinLive', { live_id: room.id, name: 'listener' });
    await b.page.fill('#name', 'viewer-a');
    await b.page.click('#name-form button');
    await b.page.waitForSelector('#send-form:not([hidden])');
    expect(await b.page.evaluate(() => localStorage.getItem('onair.watch.name'))).toBe('viewer-a');
    await b.page.waitForFunction(() => Number(document.getElementById('online')?.textContent) >= 2, undefined, { timeout: 10_000 });

    // the streamer's panel: Stream detail of the room's stream, with its chat dock (another page)
    const panel = await b.page.context().newPage();
    await panel.goto(t.httpUrl(`/#/streams/${room.app}/${room.stream}`));
    await panel.waitForSelector('[data-testid=chat-input]', { timeout: 20_000 });

    await sendChat(b.page, 'hello from the watch page');
    await b.page.waitForFunction(() => [...document.querySelectorAll('#messages li .text')].some((e) => e.textContent === 'hello from the watch page'), undefined, { timeout: 10_000 });
    await waitFor(() => heard.length > 0, 'the second socket.io client heard it', 10_000);
    const history = await waitFor(async () => (await call<ChatMessage[]>(t, 'chat.history', { room: room.id })).find((m) => m.text === 'hello from the watch page'), 'message in chat.history', 10_000);
    expect(history.name).toBe('viewer-a');
    const row = panel.locator(`[data-testid=chat-msg][data-id="${history.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-testid=chat-name]').textContent()).toBe('viewer-a');
    expect(await row.locator('[data-testid=chat-text]').textContent()).toBe('hello from the watch page');

    // the streamer deletes it from the dock: gone from the watch page (and from the dock)
    await row.locator('[data-testid=chat-delete]').click();
    await b.page.waitForFunction((id) => !document.querySelector(`#messages li[data-id="${id}"]`), history.id, { timeout: 10_000 });
    expect(await messageTexts(b.page)).not.toContain('hello from the watch page');
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await panel.close();
  }, 60_000);

  it('shows a message with HTML as literal text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await sendChat(b.page, evil);
    await b.page.waitForFunction((s) => [...document.querySelectorAll('#messages li .text')].some((e) => e.textContent === s), evil, { timeout: 10_000 });
    expect(await b.page.$$('#messages img, #messages b')).toHaveLength(0);
    expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('shows the server\'s rate-limit error when a viewer floods', async () => {
    for (let i = 0; i < 30; i++) {
      await b.page.fill('#text', `flood ${i}`);
      await b.page.click('#send');
    }
    await b.page.waitForSelector('#chat-error:not([hidden])', { timeout: 10_000 });
    expect(await b.page.textContent('#chat-error')).toMatch(/too many|slow down/i);
  });

  it('answers an unknown room with a 404 page', async () => {
    for (const p of ['/watch/987654', '/watch/0', '/watch/abc', '/watch/987654/state']) {
      const res = await fetch(t.httpUrl(p));
      expect(res.status, p).toBe(404);
    }
    const res = await b.page.goto(t.httpUrl('/watch/987654'));
    expect(res?.status()).toBe(404);
    expect(await b.page.textContent('h1')).toBe('Not found');
  });

  it('says "This stream has ended" once the room ends', async () => {
    await b.page.goto(t.httpUrl(`/watch/${room.id}`));
    await videoAdvances(b.page, '#video', 0.5, 45_000);
    await call(t, 'rooms.status', { id: room.id, type: 'stop' });
    await b.page.waitForFunction(() => document.getElementById('notice')?.textContent === 'This stream has ended', undefined, { timeout: 15_000 });
    expect(await b.page.textContent('#status')).toBe('This stream has ended');
    expect(b.errors).toEqual([]);
  }, 90_000);
});

describe.each([false, true])('the watch page with auth.play on (auth.keys %s)', (keys) => {
  let t: TestStudio;
  let b: PanelBrowser;
  let pub: Run | null = null;

  beforeAll(async () => {
    t = await startStudio({ auth: { api: false, play: true, keys, secret: 'watch-e2e-secret' } });
    b = await openPanelBrowser();
  }, 60_000);

  afterAll(async () => {
    stopPub(pub);
    await b?.close();
    await t?.stop();
  });

  it('is rendered with a signed playlist URL and its expiry, and plays', async () => {
    const live = await liveRoom(t, 'Signed room');
    pub = live.pub;
    const stream = `/${live.room.app}/${live.room.stream}`;
    // auth.keys off: the stream is the key (seed 002); on: the public name, and the key is nowhere on the page
    if (keys) expect(live.room.stream).not.toBe(live.room.key);
    else expect(live.room.stream).toBe(live.room.key);
    expect((await fetch(t.httpUrl(`${stream}/index.m3u8`))).status).toBeGreaterThanOrEqual(401);
    const playlists: string[] = [];
    b.page.on('request', (r) => {
      if (/\.m3u8/.test(r.url())) playlists.push(r.url());
    });
    const before = Math.floor(Date.now() / 1000);
    await b.page.goto(t.httpUrl(`/watch/${live.room.id}`));
    const expires = Number(await b.page.getAttribute('#expiry', 'data-expires'));
    expect(expires).toBeGreaterThanOrEqual(before + 6 * 3600 - 5);
    expect(expires).toBeLessThanOrEqual(before + 6 * 3600 + 60);
    expect(await b.page.textContent('#expiry')).toContain('valid until');
    await videoAdvances(b.page, '#video', 1.5, 45_000);
    const ll = playlists.find((u) => u.includes('/ll.m3u8'));
    expect(new URL(ll!).pathname).toBe(`${stream}/ll.m3u8`);
    expect(new URL(ll!).searchParams.get('sign')).toMatch(new RegExp(`^${expires}-[0-9a-f]{32}$`));
    if (keys) {
      expect(await (await fetch(t.httpUrl(`/watch/${live.room.id}`))).text()).not.toContain(live.room.key);
      for (const u of playlists) expect(u).not.toContain(live.room.key);
    }
  }, 120_000);
});

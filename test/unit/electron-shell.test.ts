import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fake, app, type FakeWebContents } from '../helpers/fake-electron';
import { ensureRendererBuilt } from '../helpers/renderer-build';
import { waitFor } from '../helpers/studio';

/**
 * electron/main.ts and preload.ts against a fake `electron` module (the Electron binary cannot run
 * here): window security, the app:// scheme, IPC validation, events, navigation lock-down, preload API.
 * The core behind it is real (ports 0, temp data folder).
 */
vi.mock('electron', () => import('../helpers/fake-electron'));

let dataDir: string;
const trusted = { senderFrame: { url: 'app://panel/index.html', parent: null } };

beforeAll(async () => {
  ensureRendererBuilt();
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-electron-'));
  fake.userData = path.join(dataDir, 'userdata');
  process.env.ONAIR_DATA_DIR = dataDir;
  writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ host: '127.0.0.1', rtmp: { port: 0 }, http: { port: 0 }, log_level: 'silent' }));
  await import('../../electron/main');
  await waitFor(() => fake.windows.length === 1 && fake.ipcHandlers.has('onair:invoke'), 'main window and IPC handler', 15_000);
}, 120_000);

afterAll(async () => {
  app.emit('before-quit', { preventDefault: () => undefined });
  await new Promise((r) => setTimeout(r, 200));
  delete process.env.ONAIR_DATA_DIR;
  rmSync(dataDir, { recursive: true, force: true });
});

const invoke = (cmd: unknown, args?: unknown, ev: unknown = trusted): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }> =>
  fake.ipcHandlers.get('onair:invoke')!(ev, cmd, args) as Promise<{ ok: boolean; result?: unknown; error?: { code: string } }>;

describe('electron main', () => {
  it('seals the master key of destination stream keys with the OS keychain (safeStorage), not a plain key file', async () => {
    const added = await invoke('destinations.add', { name: 'yt', platform: 'custom', url: 'rtmp://127.0.0.1:1/live', key: 'desk-top-key-1234', source: { stream: '/live/x' } });
    expect(added.ok).toBe(true);
    const sealed = readFileSync(path.join(dataDir, 'destinations.key.sealed'));
    expect(sealed.subarray(0, 7).toString()).toBe('SEALED:');
    expect(existsSync(path.join(dataDir, 'destinations.key'))).toBe(false);
    expect(JSON.stringify(added)).not.toContain('desk-top-key-1234');
  });

  it('takes the single-instance lock, enables the sandbox and opens one hardened window on app://panel', () => {
    expect(fake.lock).toBe(1);
    expect(fake.sandboxEnabled).toBe(true);
    const w = fake.windows[0];
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(w.options.webPreferences.preload)).toMatch(/electron[/\\]dist[/\\]preload\.cjs$/);
    expect(w.url).toBe('app://panel/index.html');
    expect(fake.trays).toHaveLength(1);
  });

  it('serves the panel on app:// with a CSP and nothing outside renderer/dist', async () => {
    const h = fake.protocolHandlers.get('app')!;
    const index = await h(new Request('app://panel/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect((await h(new Request('app://panel/%2e%2e%2f%2e%2e%2fpackage.json'))).status).toBe(400);
    expect((await h(new Request('app://panel/nope.js'))).status).toBe(404);
    expect((await h(new Request('app://elsewhere/index.html'))).status).toBe(404);
  });

  it('validates every IPC call before it reaches the core', async () => {
    expect(await invoke('streams.list')).toEqual({ ok: true, result: [] });
    expect((await invoke('streams.get', { app: '../x', name: 1 })).error?.code).toBe('VALIDATION');
    expect((await invoke('server.config.set', { rtmp: { port: 'x' } })).error?.code).toBe('VALIDATION');
    expect((await invoke({ not: 'a name' })).error?.code).toBe('UNKNOWN_COMMAND');
    const status = await invoke('server.status');
    expect(status.result).toMatchObject({ mode: 'electron' });
    // only our own page's main frame may call
    expect((await invoke('streams.list', undefined, { senderFrame: { url: 'https://evil.example/', parent: null } })).error?.code).toBe('UNAUTHORIZED');
    expect((await invoke('streams.list', undefined, { senderFrame: { url: 'app://panel/index.html', parent: {} } })).error?.code).toBe('UNAUTHORIZED');
  });

  it('recordings.reveal over IPC answers the file and shows it in the file manager', async () => {
    const r = await invoke('recordings.reveal', { id: 'nope' });
    expect(r.error?.code).toBe('NOT_FOUND');
    expect(fake.shownInFolder).toEqual([]);
    expect((await invoke('jobs.reveal', { id: '../x' })).error?.code).toBe('VALIDATION');
  });

  it('pushes contract events to the window', async () => {
    const wc = fake.windows[0].webContents as FakeWebContents;
    await waitFor(() => wc.sent.some(([ch, d]) => ch === 'onair:event' && (d as { event: string }).event === 'server.stats'), 'server.stats over IPC', 5000);
  });

  it('blocks navigation away, new windows and webviews; grants no permissions', () => {
    const wc = fake.windows[0].webContents as FakeWebContents;
    const prevented = (event: string, url?: string): boolean => {
      let p = false;
      wc.emit(event, { preventDefault: () => (p = true) }, url);
      return p;
    };
    expect(prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented('will-navigate', 'app://panel/index.html#/settings')).toBe(false);
    expect(prevented('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(prevented('will-attach-webview')).toBe(true);
    expect(wc.openHandler!({ url: 'https://example.com/help' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.openedExternal).toEqual(['https://example.com/help']);
    let granted: boolean | null = null;
    fake.permissionHandler!({}, 'media', (g: boolean) => (granted = g));
    expect(granted).toBe(false);
  });
});

describe('electron preload', () => {
  it('exposes exactly window.onair = { invoke, on, pathForFile, pickSetting, notify }', async () => {
    await import('../../electron/preload');
    const api = fake.exposed.get('onair')!;
    expect(Object.keys(api).sort()).toEqual(['invoke', 'notify', 'on', 'pathForFile', 'pickSetting']);
    // a native notification: only { title, body } strings reach the main process
    api.notify({ title: 'Slate on air', body: '/live/studio' });
    api.notify({ title: 1, body: 'x' });
    api.notify('nope');
    expect(fake.rendererSends).toEqual([['onair:notify', { title: 'Slate on air', body: '/live/studio' }]]);
    // the native picker for settings that execute things: only the two known keys reach the main process
    await api.pickSetting('ffmpeg');
    expect(fake.rendererInvokes.at(-1)).toEqual(['onair:pick-setting', 'ffmpeg']);
    expect(await api.pickSetting('../etc')).toMatchObject({ ok: false });
    expect(fake.rendererInvokes.at(-1)).toEqual(['onair:pick-setting', 'ffmpeg']);
    // the local path of a dropped File (webUtils); anything else gets ''
    const dropped = Object.assign(new File(['x'], 'clip.mp4'), { path: '/home/me/clip.mp4' });
    expect(api.pathForFile(dropped)).toBe('/home/me/clip.mp4');
    expect(api.pathForFile('/etc/passwd')).toBe('');
    await api.invoke('streams.list', { a: 1 });
    expect(fake.rendererInvokes.at(-1)).toEqual(['onair:invoke', 'streams.list', { a: 1 }]);
    expect(await api.invoke(42)).toMatchObject({ ok: false });
    const got: unknown[] = [];
    const off = api.on('log', (d: unknown) => got.push(d)) as () => void;
    const deliver = fake.rendererListeners.get('onair:event')!;
    deliver({}, { event: 'log', data: { msg: 'hi' } });
    deliver({}, { event: 'server.stats', data: {} });
    expect(got).toEqual([{ msg: 'hi' }]);
    off();
    deliver({}, { event: 'log', data: { msg: 'again' } });
    expect(got).toHaveLength(1);
    // unknown events and non-functions are refused
    expect((api.on('bogus', () => undefined) as () => void)()).toBeUndefined();
    expect(typeof api.on('log', 'nope')).toBe('function');
  });
});

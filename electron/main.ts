/**
 * OnAir Studio desktop shell: starts the core in this process, shows the panel (app://panel) in one
 * hardened window, binds the contract to IPC, and keeps a tray icon with a live indicator.
 */
import { app, BrowserWindow, dialog, Menu, safeStorage, shell } from 'electron';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { withSavedSettings } from '../core/config-store';
import { createStudio, type Studio } from '../core/studio';
import { APP_ORIGIN } from './channels';
import { bindContract } from './ipc';
import { hardenApp, registerAppScheme, serveAppScheme } from './security';
import { appMenu, StudioTray, type TrayActions } from './tray';
import { loadWindowState, trackWindowState } from './window-state';

// the app root holds package.json (a folder while developing, app.asar when packaged)
const APP_ROOT = app.getAppPath();
const RENDERER_DIR = path.join(APP_ROOT, 'renderer', 'dist');
const ASSETS_DIR = path.join(APP_ROOT, 'assets');
const PRELOAD = path.join(APP_ROOT, 'electron', 'dist', 'preload.cjs');
const dev = !app.isPackaged;

let studio: Studio | null = null;
let win: BrowserWindow | null = null;
let tray: StudioTray | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.enableSandbox();
  registerAppScheme();
  void app.whenReady().then(start, (e: unknown) => fail(e));
}

function fail(e: unknown): void {
  dialog.showErrorBox('OnAir Studio could not start', (e as Error)?.message ?? String(e));
  app.exit(1);
}

/** Destination stream keys are sealed by the OS keychain (safeStorage) when it is available, else a 0600 key file. */
function keychain(): { sealer?: { seal(b: Buffer): Buffer; unseal(b: Buffer): Buffer } } {
  if (!safeStorage.isEncryptionAvailable()) return {};
  return {
    sealer: {
      seal: (b) => safeStorage.encryptString(b.toString('base64')),
      unseal: (b) => Buffer.from(safeStorage.decryptString(b), 'base64'),
    },
  };
}

/** Start the core on the saved ports; if one is taken, fall back to free ports for this session and say so. */
async function startCore(): Promise<Studio> {
  const saved = withSavedSettings({}) as Record<string, unknown>;
  // Desktop default: files dropped on the Transcode page may come from the user's own folders (home, videos,
  // desktop, downloads); a configured jobs.allowed_roots replaces this.
  const jobs = (saved.jobs ?? {}) as Record<string, unknown>;
  const roots: unknown[] = Array.isArray(jobs.allowed_roots) && jobs.allowed_roots.length ? jobs.allowed_roots : [app.getPath('home'), app.getPath('videos'), app.getPath('desktop'), app.getPath('downloads')];
  const cfg: Record<string, unknown> = { ...saved, jobs: { ...jobs, allowed_roots: roots } };
  const s = createStudio(cfg, { mode: 'electron', logToStdout: dev, panelDir: RENDERER_DIR, ...keychain() });
  try {
    await s.run();
    return s;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const fallback = createStudio({ ...cfg, rtmp: { ...(cfg.rtmp as object), port: 0 }, http: { ...(cfg.http as object), port: 0 } }, { mode: 'electron', logToStdout: dev, panelDir: RENDERER_DIR, ...keychain() });
    const p = await fallback.run();
    void dialog.showMessageBox({
      type: 'warning',
      message: 'A port OnAir Studio wants is in use',
      detail: `${(e as Error).message}\n\nThis session uses RTMP ${p.rtmp} and HTTP ${p.http}. Change the ports in Settings to keep them.`,
    });
    return fallback;
  }
}

async function start(): Promise<void> {
  hardenApp();
  studio = await startCore();
  serveAppScheme(RENDERER_DIR, () => studio?.config.host ?? '127.0.0.1');
  const actions: TrayActions = {
    show: showWindow,
    openDataFolder: () => {
      const dir = studio!.config.data_dir;
      mkdirSync(dir, { recursive: true });
      void shell.openPath(dir);
    },
    openInBrowser: () => {
      const p = studio!.ports;
      if (p) void shell.openExternal(`http://127.0.0.1:${p.http}/`);
    },
    quit: () => app.quit(),
  };
  Menu.setApplicationMenu(appMenu(actions, dev));
  tray = new StudioTray(ASSETS_DIR, actions);
  const live = (): void => {
    const n = studio?.registry.live().length ?? 0;
    tray?.setLive(n);
    win?.setTitle(n ? `OnAir Studio — ● ${n} live` : 'OnAir Studio');
  };
  studio.registry.on('published', live);
  studio.registry.on('unpublished', () => setTimeout(live, 0));
  bindContract(studio, () => win, { reveal: (file) => shell.showItemInFolder(file) });
  showWindow();
}

function showWindow(): void {
  if (win && !win.isDestroyed()) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return;
  }
  const stateDir = app.getPath('userData');
  const state = loadWindowState(stateDir);
  win = new BrowserWindow({
    ...(state.known ? state.bounds : { width: state.bounds.width, height: state.bounds.height }),
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'OnAir Studio',
    backgroundColor: '#0e1116',
    icon: path.join(ASSETS_DIR, 'icon.png'),
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: dev,
    },
  });
  if (state.maximized) win.maximize();
  trackWindowState(win, stateDir);
  win.once('ready-to-show', () => win?.show());
  // closing the window keeps the server running in the tray; Quit stops it
  win.on('close', (e) => {
    if (!quitting && tray) {
      e.preventDefault();
      win?.hide();
    }
  });
  win.on('closed', () => {
    win = null;
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

app.on('before-quit', (e) => {
  if (quitting) return;
  quitting = true;
  if (!studio) return;
  e.preventDefault();
  const s = studio;
  studio = null;
  s.stop().finally(() => {
    tray?.destroy();
    app.quit();
  });
});

app.on('window-all-closed', () => {
  // the tray keeps the app (and the server) alive
});

app.on('activate', () => showWindow());

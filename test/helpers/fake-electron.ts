/**
 * A stand-in for the `electron` module, for testing electron/main.ts and preload.ts here where the
 * Electron binary cannot run. It records what the shell asks of Electron and lets a test play the
 * runtime's part (ready, IPC calls, web-contents events).
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';

type Fn = (...a: unknown[]) => unknown;

export const root = path.resolve(import.meta.dirname, '../..');

export const fake = {
  lock: 0,
  sandboxEnabled: false,
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: Request) => Promise<Response> | Response>(),
  ipcHandlers: new Map<string, Fn>(),
  ipcListeners: new Map<string, Fn>(),
  rendererSends: [] as unknown[][],
  notifications: [] as Array<{ title: string; body: string }>,
  windows: [] as FakeWindow[],
  exposed: new Map<string, Record<string, Fn>>(),
  rendererInvokes: [] as unknown[][],
  rendererListeners: new Map<string, Fn>(),
  permissionHandler: null as null | Fn,
  openedExternal: [] as string[],
  shownInFolder: [] as string[],
  trays: [] as FakeTray[],
  userData: '',
};

export const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  requestSingleInstanceLock: () => {
    fake.lock++;
    return true;
  },
  enableSandbox: () => {
    fake.sandboxEnabled = true;
  },
  whenReady: () => Promise.resolve(),
  getAppPath: () => root,
  getPath: () => fake.userData,
  quit: () => undefined,
  exit: () => undefined,
});

export const protocol = {
  registerSchemesAsPrivileged: (s: unknown[]) => fake.schemes.push(...s),
  handle: (scheme: string, h: (req: Request) => Promise<Response>) => fake.protocolHandlers.set(scheme, h),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: Fn) => {
      fake.permissionHandler = h;
    },
    setPermissionCheckHandler: () => undefined,
  },
};

export const shell = {
  showItemInFolder: (p: string) => {
    fake.shownInFolder.push(p);
  },
  openPath: async () => '',
  openExternal: async (u: string) => {
    fake.openedExternal.push(u);
  },
};

export const dialog = { showErrorBox: () => undefined, showMessageBox: async () => ({ response: 0 }) };
export const Menu = { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => undefined };
export const nativeImage = { createFromPath: () => ({ isEmpty: () => true, resize: () => ({}) }) };
export const screen = { getDisplayMatching: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }) };

export class FakeTray {
  tooltip = '';
  menu: unknown = null;
  constructor() {
    fake.trays.push(this);
  }
  on(): void {}
  setImage(): void {}
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(m: unknown): void {
    this.menu = m;
  }
  destroy(): void {}
}
export { FakeTray as Tray };

export class FakeWebContents extends EventEmitter {
  sent: Array<[string, unknown]> = [];
  openHandler: Fn | null = null;
  send(channel: string, data: unknown): void {
    this.sent.push([channel, data]);
    if (this.sent.length > 500) this.sent.splice(0, 250);
  }
  isDestroyed(): boolean {
    return false;
  }
  setWindowOpenHandler(h: Fn): void {
    this.openHandler = h;
  }
}

export class FakeWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  url = '';
  title = '';
  constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
    super();
    fake.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(u: string): Promise<void> {
    this.url = u;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  isMaximized(): boolean {
    return false;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { x: 10, y: 10, width: 1280, height: 820 };
  }
  maximize(): void {}
  restore(): void {}
  show(): void {}
  hide(): void {}
  focus(): void {}
  setTitle(t: string): void {
    this.title = t;
  }
}
export { FakeWindow as BrowserWindow };

export const ipcMain = {
  handle: (channel: string, h: Fn) => fake.ipcHandlers.set(channel, h),
  removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
  on: (channel: string, fn: Fn) => fake.ipcListeners.set(channel, fn),
  removeListener: (channel: string) => fake.ipcListeners.delete(channel),
};

/** Native notifications: shown ones are kept in `fake.notifications`. */
export class Notification extends EventEmitter {
  static isSupported = (): boolean => true;
  constructor(private readonly opts: { title: string; body: string }) {
    super();
  }
  show(): void {
    fake.notifications.push({ title: this.opts.title, body: this.opts.body });
  }
}

export const contextBridge = {
  exposeInMainWorld: (key: string, api: Record<string, Fn>) => fake.exposed.set(key, api),
};

export const ipcRenderer = {
  invoke: async (...a: unknown[]) => {
    fake.rendererInvokes.push(a);
    return { ok: true, result: null };
  },
  on: (channel: string, fn: Fn) => fake.rendererListeners.set(channel, fn),
  send: (...a: unknown[]) => fake.rendererSends.push(a),
};

/** The renderer's webUtils: a File's path (the fake reads it off a `path` property). */
export const webUtils = {
  getPathForFile: (f: unknown) => String((f as { path?: unknown }).path ?? ''),
};

/** The OS keychain stand-in: "encrypts" by reversing the bytes behind a marker, so a test can tell sealed from plain. */
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (s: string) => Buffer.concat([Buffer.from('SEALED:'), Buffer.from(s).reverse()]),
  decryptString: (b: Buffer) => {
    if (!b.subarray(0, 7).equals(Buffer.from('SEALED:'))) throw new Error('not sealed by this keychain');
    return Buffer.from(b.subarray(7)).reverse().toString();
  },
};

export default { app, protocol, session, shell, dialog, Menu, nativeImage, screen, Tray: FakeTray, BrowserWindow: FakeWindow, ipcMain, contextBridge, ipcRenderer, webUtils, safeStorage, Notification };

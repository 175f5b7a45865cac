import { dialog, ipcMain, Notification, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import type { Studio } from '../core/studio';
import { EVENT_CHANNEL, INVOKE_CHANNEL, NOTIFY_CHANNEL, PICK_CHANNEL } from './channels';
import { trustedSender } from './security';

/** Commands whose answer is a file the desktop app shows in the OS file manager. */
const REVEAL_COMMANDS = new Set(['recordings.reveal', 'jobs.reveal']);

export interface BindOptions {
  /** show a file in the OS file manager (main.ts: shell.showItemInFolder) */
  reveal?: (file: string) => void;
}

/**
 * The contract over IPC: `onair:invoke` goes through the same dispatcher as /api/ws, which checks the
 * command name and validates the arguments against the contract's schemas before the core sees them.
 * Events are pushed to the window on `onair:event`. A successful *.reveal also opens the file manager.
 */
export function bindContract(studio: Studio, win: () => BrowserWindow | null, opts: BindOptions = {}): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (e: IpcMainInvokeEvent, cmd: unknown, args: unknown) => {
    if (!trustedSender(e.senderFrame)) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'not the OnAir Studio panel' } };
    const reply = await studio.api.dispatch(cmd, args);
    if (reply.ok && typeof cmd === 'string' && REVEAL_COMMANDS.has(cmd) && opts.reveal) {
      const file = (reply.result as { file?: unknown }).file;
      if (typeof file === 'string') opts.reveal(file);
    }
    return reply;
  });
  // the ffmpeg binary and the storage folder: only what the user picks in the native dialog, checked by the core
  ipcMain.handle(PICK_CHANNEL, async (e: IpcMainInvokeEvent, key: unknown) => {
    if (!trustedSender(e.senderFrame)) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'not the OnAir Studio panel' } };
    if (key !== 'ffmpeg' && key !== 'storage_dir') return { ok: false, error: { code: 'VALIDATION', message: 'unknown setting' } };
    const w = win();
    const opts = { properties: key === 'ffmpeg' ? (['openFile'] as const) : (['openDirectory', 'createDirectory'] as const) };
    const picked = w ? await dialog.showOpenDialog(w, { properties: [...opts.properties] }) : await dialog.showOpenDialog({ properties: [...opts.properties] });
    if (picked.canceled || !picked.filePaths[0]) return { ok: true, result: { changed: false } };
    try {
      await studio.setExecSetting(key, picked.filePaths[0]);
      return { ok: true, result: { changed: true } };
    } catch (err) {
      return { ok: false, error: { code: 'VALIDATION', message: (err as Error).message } };
    }
  });
  // a native notification for the panel (health timeline entries); plain text, bounded, from the panel only
  const notify = (e: IpcMainEvent, n: unknown): void => {
    if (!trustedSender(e.senderFrame) || typeof n !== 'object' || n === null || !Notification.isSupported()) return;
    const { title, body } = n as { title?: unknown; body?: unknown };
    if (typeof title !== 'string' || typeof body !== 'string') return;
    const note = new Notification({ title: title.slice(0, 200), body: body.slice(0, 1000), silent: false });
    note.on('click', () => {
      const w = win();
      if (w && !w.isDestroyed()) {
        if (w.isMinimized()) w.restore();
        w.show();
        w.focus();
      }
    });
    note.show();
  };
  ipcMain.on(NOTIFY_CHANNEL, notify);
  const off = studio.api.events.subscribe((ev) => {
    const w = win();
    if (w && !w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(EVENT_CHANNEL, ev);
  });
  return () => {
    off();
    ipcMain.removeHandler(INVOKE_CHANNEL);
    ipcMain.removeHandler(PICK_CHANNEL);
    ipcMain.removeListener(NOTIFY_CHANNEL, notify);
  };
}

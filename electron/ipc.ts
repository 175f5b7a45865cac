import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Studio } from '../core/studio';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels';
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
  const off = studio.api.events.subscribe((ev) => {
    const w = win();
    if (w && !w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(EVENT_CHANNEL, ev);
  });
  return () => {
    off();
    ipcMain.removeHandler(INVOKE_CHANNEL);
  };
}

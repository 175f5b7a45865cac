import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Studio } from '../core/studio';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels';
import { trustedSender } from './security';

/**
 * The contract over IPC: `onair:invoke` goes through the same dispatcher as /api/ws, which checks the
 * command name and validates the arguments against the contract's schemas before the core sees them.
 * Events are pushed to the window on `onair:event`.
 */
export function bindContract(studio: Studio, win: () => BrowserWindow | null): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (e: IpcMainInvokeEvent, cmd: unknown, args: unknown) => {
    if (!trustedSender(e.senderFrame)) return { ok: false, error: { code: 'UNAUTHORIZED', message: 'not the OnAir Studio panel' } };
    return studio.api.dispatch(cmd, args);
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

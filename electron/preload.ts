/**
 * The only bridge between the sandboxed panel and the main process: `window.onair` with
 * `invoke(cmd, args)`, `on(event, cb)` and `pathForFile(file)` (the local path of a dropped or picked
 * File, for jobs.transcode). No Node, no ipcRenderer, no electron objects leak through.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_NAMES } from '../core/contract/constants';
import { EVENT_CHANNEL, INVOKE_CHANNEL, NOTIFY_CHANNEL, PICK_CHANNEL } from './channels';

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
const known = new Set<string>(EVENT_NAMES);

ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, msg: { event: string; data: unknown }) => {
  const set = listeners.get(msg?.event);
  if (!set) return;
  for (const cb of set) {
    try {
      cb(msg.data);
    } catch (err) {
      console.error(err);
    }
  }
});

contextBridge.exposeInMainWorld('onair', {
  invoke(cmd: unknown, args?: unknown): Promise<unknown> {
    if (typeof cmd !== 'string') return Promise.resolve({ ok: false, error: { code: 'VALIDATION', message: 'command name must be a string' } });
    return ipcRenderer.invoke(INVOKE_CHANNEL, cmd, args);
  },
  on(event: unknown, cb: unknown): () => void {
    if (typeof event !== 'string' || !known.has(event) || typeof cb !== 'function') return () => undefined;
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const fn = cb as Listener;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  },
  /** Native picker for the ffmpeg binary or the storage folder; the main process checks and saves the choice. */
  pickSetting(key: unknown): Promise<unknown> {
    if (key !== 'ffmpeg' && key !== 'storage_dir') return Promise.resolve({ ok: false, error: { code: 'VALIDATION', message: 'unknown setting' } });
    return ipcRenderer.invoke(PICK_CHANNEL, key);
  },
  /** A native desktop notification ({ title, body }, plain text); the main process shows it. */
  notify(n: unknown): void {
    if (typeof n !== 'object' || n === null) return;
    const { title, body } = n as { title?: unknown; body?: unknown };
    if (typeof title !== 'string' || typeof body !== 'string') return;
    ipcRenderer.send(NOTIFY_CHANNEL, { title, body });
  },
  pathForFile(file: unknown): string {
    // a File crossing the context bridge; webUtils refuses anything else
    if (typeof file !== 'object' || file === null) return '';
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
});

import type { AnyEvent, Reply } from '../../../core/contract';

export type TransportStatus = 'connecting' | 'open' | 'closed' | 'unauthorized';

/**
 * How the client reaches the core: IPC inside Electron, a WebSocket in a browser. Both answer every
 * command with a Reply value and deliver contract events; the rest of the renderer never sees which.
 */
export interface Transport {
  readonly kind: 'ipc' | 'ws';
  invoke(cmd: string, args: unknown): Promise<Reply>;
  onEvent(cb: (e: AnyEvent) => void): () => void;
  /** 'open' fires again after every reconnect: callers reload what they show */
  onStatus(cb: (s: TransportStatus) => void): () => void;
  readonly status: TransportStatus;
  start(): void;
  close(): void;
}

/** The object Electron's preload exposes as `window.onair`. */
export interface OnAirBridge {
  invoke(cmd: string, args?: unknown): Promise<Reply>;
  on(event: string, cb: (data: unknown) => void): () => void;
  /** the local path of a dropped or picked File (Electron webUtils); '' when it has none */
  pathForFile?(file: File): string;
  /** the desktop app's native picker for the ffmpeg binary or the storage folder (checked and saved by the core) */
  pickSetting?(key: 'ffmpeg' | 'storage_dir'): Promise<Reply>;
  /** a native desktop notification (issue 14) */
  notify?(n: { title: string; body: string }): unknown;
}

declare global {
  interface Window {
    onair?: OnAirBridge;
  }
}

/** A tiny listener set. */
export class Listeners<T> {
  private readonly set = new Set<(v: T) => void>();
  add(cb: (v: T) => void): () => void {
    this.set.add(cb);
    return () => void this.set.delete(cb);
  }
  emit(v: T): void {
    for (const cb of this.set) {
      try {
        cb(v);
      } catch (e) {
        console.error(e);
      }
    }
  }
}

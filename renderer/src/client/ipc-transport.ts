import type { AnyEvent, Reply } from '../../../core/contract';
import { EVENT_NAMES } from '../../../core/contract/constants';
import { Listeners, type OnAirBridge, type Transport, type TransportStatus } from './transport';

/** The contract over Electron IPC through the preload's `window.onair`. Always open while the window lives. */
export class IpcTransport implements Transport {
  readonly kind = 'ipc' as const;
  private readonly events = new Listeners<AnyEvent>();
  private readonly statuses = new Listeners<TransportStatus>();
  private offs: Array<() => void> = [];
  private current: TransportStatus = 'closed';

  constructor(private readonly bridge: OnAirBridge) {}

  get status(): TransportStatus {
    return this.current;
  }

  start(): void {
    for (const name of EVENT_NAMES) this.offs.push(this.bridge.on(name, (data) => this.events.emit({ event: name, data } as AnyEvent)));
    this.current = 'open';
    this.statuses.emit('open');
  }

  async invoke(cmd: string, args: unknown): Promise<Reply> {
    try {
      return await this.bridge.invoke(cmd, args);
    } catch (e) {
      return { ok: false, error: { code: 'DISCONNECTED', message: (e as Error).message } };
    }
  }

  onEvent(cb: (e: AnyEvent) => void): () => void {
    return this.events.add(cb);
  }

  onStatus(cb: (s: TransportStatus) => void): () => void {
    return this.statuses.add(cb);
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.current = 'closed';
    this.statuses.emit('closed');
  }
}

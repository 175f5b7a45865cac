import type { AnyEvent, Reply } from '../../../core/contract';
import { WS_PATH } from '../../../core/contract/constants';
import { Listeners, type Transport, type TransportStatus } from './transport';

const TIMEOUT_MS = 20_000;

interface Pending {
  resolve: (r: Reply) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The contract over /api/ws with automatic reconnect (0.5 s doubling to 5 s). Requests made while
 * disconnected fail at once with DISCONNECTED; events resume after a reconnect without a reload.
 */
export class WsTransport implements Transport {
  readonly kind = 'ws' as const;
  private ws: WebSocket | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly events = new Listeners<AnyEvent>();
  private readonly statuses = new Listeners<TransportStatus>();
  private current: TransportStatus = 'closed';
  private backoff = 500;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  /** `token` is the panel token for ?token= (null when the API gate is off) */
  constructor(private readonly baseUrl: string, private token: string | null, private readonly probeAuth: (token: string | null) => Promise<boolean>) {}

  get status(): TransportStatus {
    return this.current;
  }

  private set(s: TransportStatus): void {
    if (s === this.current) return;
    this.current = s;
    this.statuses.emit(s);
  }

  setToken(token: string | null): void {
    this.token = token;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped || this.ws) return;
    this.set('connecting');
    const url = new URL(WS_PATH, this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) url.searchParams.set('token', this.token);
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.backoff = 500;
      this.set('open');
    };
    ws.onmessage = (m) => this.onMessage(String(m.data));
    ws.onclose = () => {
      this.ws = null;
      this.failPending();
      if (this.stopped) return this.set('closed');
      // a refused upgrade looks like any other failure to a browser: ask the HTTP API why
      if (!opened) {
        void this.probeAuth(this.token).then((authorized) => {
          if (!authorized) this.set('unauthorized');
          else this.later();
        });
      } else this.later();
    };
  }

  private later(): void {
    this.set('closed');
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, this.backoff);
    this.backoff = Math.min(5000, this.backoff * 2);
  }

  /** Try again now (after a login, or when the user presses "reconnect"). */
  reconnect(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.backoff = 500;
    this.stopped = false;
    this.connect();
  }

  private onMessage(text: string): void {
    let f: { id?: number | string | null; event?: string; data?: unknown } & Partial<Reply>;
    try {
      f = JSON.parse(text) as typeof f;
    } catch {
      return;
    }
    if (typeof f.event === 'string') return this.events.emit({ event: f.event, data: f.data } as AnyEvent);
    if (typeof f.id !== 'number') return;
    const p = this.pending.get(f.id);
    if (!p) return;
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    p.resolve(f as Reply);
  }

  private failPending(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: 'DISCONNECTED', message: 'connection to the studio was lost' } });
    }
    this.pending.clear();
  }

  invoke(cmd: string, args: unknown): Promise<Reply> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, error: { code: 'DISCONNECTED', message: 'not connected to the studio' } });
    }
    const id = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'TIMEOUT', message: `${cmd} got no answer in ${TIMEOUT_MS / 1000} s` } });
      }, TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      ws.send(JSON.stringify(args === undefined ? { id, cmd } : { id, cmd, args }));
    });
  }

  onEvent(cb: (e: AnyEvent) => void): () => void {
    return this.events.add(cb);
  }

  onStatus(cb: (s: TransportStatus) => void): () => void {
    return this.statuses.add(cb);
  }

  close(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.ws?.close();
    this.ws = null;
    this.set('closed');
  }
}

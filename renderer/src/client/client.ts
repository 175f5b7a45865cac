import type { AnyEvent, CommandArgs, CommandName, CommandResult, ContractErrorCode, ContractIssue, EventData, EventName } from '../../../core/contract';
import { login, probeAuthorized, saveToken, savedToken } from './auth';
import { IpcTransport } from './ipc-transport';
import type { Transport, TransportStatus } from './transport';
import { WsTransport } from './ws-transport';

/** A command's refusal, as the UI shows it. */
export class ClientError extends Error {
  constructor(readonly code: ContractErrorCode, message: string, readonly issues: ContractIssue[] = []) {
    super(message);
  }
}

type ArgsOf<K extends CommandName> = undefined extends CommandArgs<K> ? [args?: CommandArgs<K>] : [args: CommandArgs<K>];

/** The one object the renderer talks to the core through. It does not say which transport it rides on. */
export interface OnAirClient {
  call<K extends CommandName>(cmd: K, ...args: ArgsOf<K>): Promise<CommandResult<K>>;
  on<E extends EventName>(event: E, cb: (data: EventData<E>) => void): () => void;
  onStatus(cb: (s: TransportStatus) => void): () => void;
  readonly status: TransportStatus;
  /** true when the panel must log in (browser with the API gate on) */
  login(cred: { token: string } | { user: string; pass: string }): Promise<{ ok: boolean; status: number }>;
  reconnect(): void;
  start(): void;
  /** true inside the desktop app (media URLs then point at 127.0.0.1) */
  readonly embedded: boolean;
}

export function createClient(transport: Transport, extra: { login?: OnAirClient['login']; reconnect?: () => void } = {}): OnAirClient {
  return {
    async call(cmd, ...rest) {
      const r = await transport.invoke(cmd, rest[0]);
      if (r.ok) return r.result as never;
      throw new ClientError(r.error.code, r.error.message, r.error.issues ?? []);
    },
    on(event, cb) {
      return transport.onEvent((e: AnyEvent) => {
        if (e.event === event) cb(e.data as never);
      });
    },
    onStatus: (cb) => transport.onStatus(cb),
    get status() {
      return transport.status;
    },
    login: extra.login ?? (async () => ({ ok: true, status: 200 })),
    reconnect: extra.reconnect ?? (() => undefined),
    start: () => transport.start(),
    embedded: transport.kind === 'ipc',
  };
}

/** IPC when running inside the desktop app, else the WebSocket of the page's own origin. */
export function createDefaultClient(): OnAirClient {
  if (window.onair) return createClient(new IpcTransport(window.onair));
  const base = window.location.origin;
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  const ws = new WsTransport(base, fromUrl ?? savedToken(), (token) => probeAuthorized(base, token));
  return createClient(ws, {
    async login(cred) {
      const r = await login(base, cred);
      if (!r.ok) return { ok: false, status: r.status };
      saveToken(r.token);
      ws.setToken(r.token);
      ws.reconnect();
      return { ok: true, status: 200 };
    },
    reconnect: () => ws.reconnect(),
  });
}

let current: OnAirClient | null = null;

export function setClient(c: OnAirClient): void {
  current = c;
}

/** The client the app was started with. */
export function client(): OnAirClient {
  if (!current) throw new Error('client not set');
  return current;
}


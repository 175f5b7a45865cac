import type { AuthAuthority } from '../auth/authority';
import type { HandlerOptions, StudioPort } from './contract-handlers';
import { createDispatch, type Dispatch, type Handlers } from './contract-handlers';
import { ContractEvents } from './contract-events';
import type { HttpFront } from '../http/server';
import { addPanelAuthRoutes } from './panel-auth';
import { defaultPanelDir, panelHandler } from '../http/panel-static';
import { WsTransport } from './ws-transport';

/** The contract as the Studio exposes it: one dispatcher and one event hub for every transport. */
export interface StudioApi {
  readonly handlers: Handlers;
  readonly dispatch: Dispatch;
  readonly events: ContractEvents;
  close(): void;
}

export interface StudioApiOptions extends Pick<HandlerOptions, 'mode'> {
  /** folder of the built panel (default: renderer/dist of this package; `http.webroot` wins) */
  panelDir?: string;
}

/**
 * Mount the contract on a studio: the dispatcher over the handlers the registered features answer
 * (core/feature.ts), the WebSocket transport at /api/ws, the panel's login routes (panel-auth.ts) and the
 * panel's static files at /.
 */
export function mountStudioApi(studio: StudioPort & { readonly http: HttpFront; readonly auth: AuthAuthority }, handlers: Handlers, opts: StudioApiOptions = {}): StudioApi {
  const inner = createDispatch(handlers, studio.log);
  const events = new ContractEvents(studio);
  const ws = new WsTransport({ config: () => studio.config, auth: studio.auth, dispatch: (c, a) => dispatch(c, a), events, log: studio.log });
  const dispatch: Dispatch = async (cmd, args) => {
    const r = await inner(cmd, args);
    // new credentials: panels connected with the old ones are closed once this answer has gone out
    if (cmd === 'server.config.set' && r.ok) setTimeout(() => ws.revalidate(), 50).unref();
    return r;
  };
  studio.http.onUpgrade(ws.route);
  addPanelAuthRoutes(studio.http.router, () => studio.config, studio.auth);
  studio.http.setFallback(panelHandler(studio.config.http.webroot ?? opts.panelDir ?? defaultPanelDir()));
  return {
    handlers,
    dispatch,
    events,
    close() {
      ws.close();
      events.close();
    },
  };
}

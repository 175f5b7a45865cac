import type { Logger } from 'pino';
import type { HookEventName } from '../config';
import type { Session } from './sessions';

export type HookArgs = Record<string, unknown>;
/** Same argument order as Node-Media-Server 2.x: (id, args) for *Connect, (id, streamPath, args) otherwise. */
export type HookHandler = (id: string, ...rest: unknown[]) => unknown;

export interface WebhookTarget {
  url: string;
  events?: readonly HookEventName[];
  timeout_ms: number;
}

export type PreResult = { ok: true } | { ok: false; reason: string };

/**
 * Event handlers and webhooks. pre* events are awaited: every handler (sync or async) and every
 * webhook must finish before a connect/publish/play is accepted; a reject(), a thrown error, or a
 * webhook's non-2xx/timeout refuses it. post and done events are fire-and-forget.
 */
export class Hooks {
  private readonly handlers = new Map<HookEventName, HookHandler[]>();

  constructor(private readonly log: Logger, private webhooks: () => readonly WebhookTarget[]) {}

  on(event: HookEventName, h: HookHandler): void {
    const list = this.handlers.get(event) ?? [];
    list.push(h);
    this.handlers.set(event, list);
  }

  off(event: HookEventName, h: HookHandler): void {
    const list = this.handlers.get(event);
    if (list) this.handlers.set(event, list.filter((x) => x !== h));
  }

  private argsFor(event: HookEventName, streamPath: string | null, args: HookArgs): unknown[] {
    return event.endsWith('Connect') ? [args] : [streamPath, args];
  }

  async pre(event: HookEventName, session: Session, streamPath: string | null, args: HookArgs): Promise<PreResult> {
    for (const h of this.handlers.get(event) ?? []) {
      try {
        await h(session.id, ...this.argsFor(event, streamPath, args));
      } catch (e) {
        this.log.warn({ event, id: session.id, err: (e as Error).message }, 'event handler threw: rejecting');
        return { ok: false, reason: `${event} handler failed: ${(e as Error).message}` };
      }
      if (session.rejected) return { ok: false, reason: `rejected by ${event} handler` };
    }
    for (const w of this.targets(event)) {
      const r = await this.callWebhook(w, event, session, streamPath, args);
      if (!r.ok) return r;
    }
    return session.rejected ? { ok: false, reason: `rejected by ${event} handler` } : { ok: true };
  }

  post(event: HookEventName, session: Session, streamPath: string | null, args: HookArgs): void {
    for (const h of this.handlers.get(event) ?? []) {
      try {
        const r = h(session.id, ...this.argsFor(event, streamPath, args));
        if (r instanceof Promise) r.catch((e: unknown) => this.log.warn({ event, err: (e as Error).message }, 'event handler failed'));
      } catch (e) {
        this.log.warn({ event, err: (e as Error).message }, 'event handler threw');
      }
    }
    for (const w of this.targets(event)) void this.callWebhook(w, event, session, streamPath, args);
  }

  private targets(event: HookEventName): WebhookTarget[] {
    return this.webhooks().filter((w) => !w.events || w.events.includes(event));
  }

  private async callWebhook(w: WebhookTarget, event: HookEventName, session: Session, streamPath: string | null, args: HookArgs): Promise<PreResult> {
    const body = JSON.stringify({ event, id: session.id, ip: session.ip, protocol: session.kind, streamPath, args, time: new Date().toISOString() });
    try {
      const res = await fetch(w.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(w.timeout_ms),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      this.log.info({ event, url: w.url, status: res.status }, 'webhook refused');
      return { ok: false, reason: `webhook ${w.url} answered ${res.status}` };
    } catch (e) {
      this.log.warn({ event, url: w.url, err: (e as Error).message }, 'webhook failed');
      return { ok: false, reason: `webhook ${w.url} failed: ${(e as Error).message}` };
    }
  }
}

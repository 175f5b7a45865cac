import { z } from 'zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RelayAddSchema, RelayIdSchema, type relayCommands } from '../contract/relays';
import type { Feature } from '../feature';
import type { Router } from '../http/router';
import { readJson, sendError, sendJson } from '../http/util';
import type { RelayManager } from '../relay/relays';

/**
 * The relays feature (issue 11): relays.* contract commands, the relay.state event, and /api/relays REST with
 * the same shapes, under /api so the API gate guards it. Edges come out without user:password.
 */

type RelayCommands = typeof relayCommands;
type Args<K extends keyof RelayCommands> = z.output<RelayCommands[K]['args']>;
type Result<K extends keyof RelayCommands> = z.input<RelayCommands[K]['result']>;
export type RelayHandlers = { [K in keyof RelayCommands]: (args: Args<K>) => Result<K> | Promise<Result<K>> };

export function createRelayHandlers(m: RelayManager): RelayHandlers {
  return {
    'relays.list': () => m.list(),
    'relays.add': (args) => m.add(args),
    'relays.remove': ({ id }) => m.remove(id),
    'relays.start': ({ id }) => m.startTask(id),
    'relays.stop': ({ id }) => m.stopTask(id),
    'relays.retry': ({ id }) => m.retry(id),
  };
}

export function mountRelayRoutes(router: Router, m: RelayManager): void {
  const idOf = (res: ServerResponse, p: Record<string, string>): string | null => {
    if (RelayIdSchema.safeParse(p.id).success) return p.id;
    sendError(res, 400, 'VALIDATION', 'not a relay id');
    return null;
  };
  router.add('GET', '/api/relays', (_req, res) => sendJson(res, 200, m.list()));
  router.add('POST', '/api/relays', async (req: IncomingMessage, res) => {
    const parsed = RelayAddSchema.safeParse(await readJson(req));
    if (!parsed.success) return sendError(res, 400, 'VALIDATION', z.prettifyError(parsed.error), {}, parsed.error.issues[0]?.path.map(String).join('.') || undefined);
    sendJson(res, 201, m.add(parsed.data));
  });
  router.add('GET', '/api/relays/:id', (_req, res, p) => {
    const id = idOf(res, p);
    if (id) sendJson(res, 200, m.get(id));
  });
  router.add('DELETE', '/api/relays/:id', (_req, res, p) => {
    const id = idOf(res, p);
    if (id) sendJson(res, 200, m.remove(id));
  });
  const actions = { start: (id: string) => m.startTask(id), stop: (id: string) => m.stopTask(id), retry: (id: string) => m.retry(id) };
  for (const [action, fn] of Object.entries(actions)) {
    router.add('POST', `/api/relays/:id/${action}`, (_req, res, p) => {
      const id = idOf(res, p);
      if (id) sendJson(res, 200, fn(id));
    });
  }
}

export function relaysFeature(m: RelayManager): Feature {
  return {
    name: 'relays',
    handlers: createRelayHandlers(m),
    events: ['relay.state'],
    mount: (h) => mountRelayRoutes(h.router, m),
    start: () => m.start(),
    stop: () => m.stop(),
  };
}

import { z } from 'zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DestinationAddSchema, DestinationIdSchema, DestinationPatchSchema } from '../contract/destinations';
import type { Router } from '../http/router';
import { readJson, sendError, sendJson } from '../http/util';
import type { DestinationsService } from './destinations-service';

/**
 * REST for destinations (the same shapes as the destinations.* contract commands), under /api so the API gate
 * guards it. Keys go in whole and come out masked. A bad request is a 4xx with { error: { code, message } } and
 * nothing is saved (thrown OnAirErrors are answered through core/errors.ts by the HTTP front).
 */
export function mountDestinationRoutes(router: Router, svc: DestinationsService): void {
  const idOf = (res: ServerResponse, p: Record<string, string>): string | null => {
    if (DestinationIdSchema.safeParse(p.id).success) return p.id;
    sendError(res, 400, 'VALIDATION', 'not a destination id');
    return null;
  };
  async function body<S extends z.ZodType>(req: IncomingMessage, res: ServerResponse, schema: S): Promise<z.output<S> | null> {
    const parsed = schema.safeParse(await readJson(req));
    if (parsed.success) return parsed.data;
    const at = parsed.error.issues[0]?.path.map(String).join('.');
    sendError(res, 400, 'VALIDATION', z.prettifyError(parsed.error), {}, at || undefined);
    return null;
  }

  router.add('GET', '/api/destinations', (_req, res) => sendJson(res, 200, svc.list()));
  router.add('POST', '/api/destinations', async (req, res) => {
    const d = await body(req, res, DestinationAddSchema);
    if (d) sendJson(res, 201, await svc.add(d));
  });
  router.add('GET', '/api/destinations/:id', (_req, res, p) => {
    const id = idOf(res, p);
    if (id) sendJson(res, 200, svc.get(id));
  });
  const update = async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>): Promise<void> => {
    const id = idOf(res, p);
    if (!id) return;
    const patch = await body(req, res, DestinationPatchSchema);
    if (patch) sendJson(res, 200, await svc.update(id, patch));
  };
  router.add('PATCH', '/api/destinations/:id', update);
  router.add('PUT', '/api/destinations/:id', update);
  router.add('DELETE', '/api/destinations/:id', (_req, res, p) => {
    const id = idOf(res, p);
    if (id) sendJson(res, 200, svc.remove(id));
  });
  for (const action of ['start', 'stop', 'retry'] as const) {
    router.add('POST', `/api/destinations/:id/${action}`, (_req, res, p) => {
      const id = idOf(res, p);
      if (id) sendJson(res, 200, svc[action](id));
    });
  }
}

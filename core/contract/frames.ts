import { z } from 'zod';
import type { ContractError } from './common';

/** WebSocket frames (/api/ws). Client -> server: a request; server -> client: a reply or an event. */

export const RequestFrameSchema = z.object({
  id: z.union([z.string().max(64), z.number().int()]),
  cmd: z.string().max(128),
  args: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

/** What a command answers over any transport: a result or an error value, never a throw. */
export type Reply<T = unknown> = { ok: true; result: T } | { ok: false; error: ContractError };

export type ReplyFrame = { id: string | number | null } & Reply;
export type EventFrame = { event: string; data: unknown };

export { WS_CLOSE_GOING_AWAY, WS_PATH } from './constants';

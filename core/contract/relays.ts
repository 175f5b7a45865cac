import { z } from 'zod';
import { NameSchema } from './common';
import { DestinationStateSchema } from './destinations';

/**
 * Relays (issue 11, seed 001): static / pull / push tasks, the shape of a Node-Media-Server `relay.tasks` entry.
 * Edges come OUT without user:password. Pure zod; the semantic checks (schemes, absolute file paths, argv safety)
 * are core/relay/relay-task.ts validateTask, run before anything starts.
 */

export const RelayIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a relay id');

export const RelayAddSchema = z.strictObject({
  app: NameSchema,
  mode: z.enum(['static', 'pull', 'push']),
  /** static: rtsp(s)://, rtmp(s):// or an absolute file path; pull/push: rtmp(s)://host[:port][/app] */
  edge: z.string().min(1).max(2048),
  /** static: the stream name here */
  name: NameSchema.optional(),
  rtsp_transport: z.enum(['udp', 'tcp', 'udp_multicast', 'http']).optional(),
  /** push: false = push to the edge exactly as given */
  appendName: z.boolean().optional(),
});
export type RelayAdd = z.infer<typeof RelayAddSchema>;

export const RelaySchema = z.object({
  id: z.string(),
  app: z.string(),
  mode: z.enum(['static', 'pull', 'push']),
  edge: z.string(),
  name: z.string().nullable(),
  rtsp_transport: z.string().nullable(),
  appendName: z.boolean(),
  /** from the config file's relay.tasks, or added through the API (kept in the store, its edge encrypted) */
  origin: z.enum(['config', 'api']),
  enabled: z.boolean(),
  state: DestinationStateSchema,
  attempt: z.number().int(),
  nextTryAt: z.number().nullable(),
  lastError: z.string().nullable(),
  liveSince: z.number().nullable(),
  /** pull/push: the streams it carries now */
  streams: z.array(z.object({ path: z.string(), state: DestinationStateSchema, lastError: z.string().nullable() })),
});
export type Relay = z.infer<typeof RelaySchema>;

const IdArgs = z.strictObject({ id: RelayIdSchema });

/** Commands; spread into `commands` in core/contract/commands.ts. */
export const relayCommands = {
  'relays.list': { args: z.strictObject({}).optional(), result: z.array(RelaySchema) },
  'relays.add': { args: RelayAddSchema, result: RelaySchema },
  'relays.remove': { args: IdArgs, result: z.object({ ok: z.literal(true), id: z.string() }) },
  'relays.start': { args: IdArgs, result: RelaySchema },
  'relays.stop': { args: IdArgs, result: RelaySchema },
  /** reconnect now (attempts from 1) */
  'relays.retry': { args: IdArgs, result: RelaySchema },
} as const;

/** Events; spread into `events` in core/contract/events.ts (and the names into EVENT_NAMES). */
export const relayEvents = {
  /** a relay's state changed (static source, pulls, pushes) */
  'relay.state': RelaySchema,
} as const;

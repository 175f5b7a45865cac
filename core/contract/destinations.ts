import { z } from 'zod';
import { NameSchema, isStreamName } from './common';

/**
 * Restream destinations (issue 11) as the panel sees them. Stream keys go IN whole (add/update) and come OUT
 * masked only ("••••" + the last 4 characters). Pure zod, like the rest of core/contract; the semantic checks
 * (scheme per platform, key characters, host resolves) are core/relay/presets.ts, run before anything is saved.
 */

export const PLATFORM_NAMES = ['youtube', 'twitch', 'facebook', 'kick', 'custom'] as const;
export const PlatformSchema = z.enum(PLATFORM_NAMES);

export const DESTINATION_STATES = ['idle', 'connecting', 'live', 'retrying', 'failed', 'stopped'] as const;
export const DestinationStateSchema = z.enum(DESTINATION_STATES);

export const DestinationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a destination id');

const StreamPathSchema = z.string().refine((s) => {
  const parts = s.split('/');
  return parts.length === 3 && parts[0] === '' && isStreamName(parts[1]) && isStreamName(parts[2]);
}, 'a stream path like /live/studio');

/** What feeds a destination: one stream, or whatever is live on an app. */
export const DestinationSourceSchema = z.union([z.strictObject({ stream: StreamPathSchema }), z.strictObject({ app: NameSchema })]);

// loose bounds here; presets.ts gives the precise message (name ≤ 64, key ≤ 512, URL ≤ 2048)
const NameArg = z.string().max(1024);
const UrlArg = z.string().max(8192);
const KeyArg = z.string().max(4096);

export const DestinationStatusSchema = z.object({
  id: z.string(),
  state: DestinationStateSchema,
  stream: z.string().nullable(),
  /** bits per second the remote acknowledged over the last few seconds */
  ackedBitrate: z.number(),
  bytesSent: z.number(),
  bytesAcked: z.number(),
  liveSince: z.number().nullable(),
  reconnects: z.number().int(),
  attempt: z.number().int(),
  nextTryAt: z.number().nullable(),
  /** in plain words ("the server refused the stream key", "TLS handshake failed", …) */
  lastError: z.string().nullable(),
  dropped: z.number(),
  /** pre-flight against the platform's rules: "copy" or "re-encode: keyframes every 8.3 s, Twitch needs ≤ 4 s" (null until decided) */
  preflight: z
    .object({
      mode: z.enum(['copy', 're-encode']),
      summary: z.string(),
      reasons: z.array(z.string()),
      warnings: z.array(z.string()),
      /** the per-destination ffmpeg: the internal stream it publishes, its encoder, restarts, last error */
      reencode: z.object({ path: z.string(), encoder: z.string().nullable(), restarts: z.number().int(), error: z.string().nullable() }).nullable(),
    })
    .nullable()
    .optional(),
});
export type DestinationStatusView = z.infer<typeof DestinationStatusSchema>;

export const DestinationSchema = z.object({
  id: DestinationIdSchema,
  name: z.string(),
  platform: PlatformSchema,
  url: z.string(),
  /** masked: "••••" + the last 4 characters */
  key: z.string(),
  source: DestinationSourceSchema,
  /** start when the source goes live */
  auto: z.boolean(),
  /** the user wants it running (kept across restarts) */
  enabled: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
  status: DestinationStatusSchema,
});
export type Destination = z.infer<typeof DestinationSchema>;

export const DestinationAddSchema = z.strictObject({
  name: NameArg,
  platform: PlatformSchema,
  url: UrlArg,
  key: KeyArg,
  source: DestinationSourceSchema,
  auto: z.boolean().optional(),
  /** start now (default false) */
  enabled: z.boolean().optional(),
});
export type DestinationAdd = z.infer<typeof DestinationAddSchema>;

/** Fields left out stay as they are; `key` left out or sent back masked keeps the stored key. */
export const DestinationPatchSchema = z.strictObject({
  name: NameArg.optional(),
  platform: PlatformSchema.optional(),
  url: UrlArg.optional(),
  key: KeyArg.optional(),
  source: DestinationSourceSchema.optional(),
  auto: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type DestinationPatch = z.infer<typeof DestinationPatchSchema>;

const IdArgs = z.strictObject({ id: DestinationIdSchema });

/** Commands; spread into `commands` in core/contract/commands.ts. */
export const destinationCommands = {
  'destinations.list': { args: z.strictObject({}).optional(), result: z.array(DestinationSchema) },
  'destinations.add': { args: DestinationAddSchema, result: DestinationSchema },
  'destinations.update': { args: DestinationPatchSchema.extend({ id: DestinationIdSchema }), result: DestinationSchema },
  'destinations.remove': { args: IdArgs, result: z.object({ ok: z.literal(true), id: z.string() }) },
  /** sets `enabled` (persisted) and starts it */
  'destinations.start': { args: IdArgs, result: DestinationSchema },
  /** clears `enabled` (persisted) and stops it */
  'destinations.stop': { args: IdArgs, result: DestinationSchema },
  /** try again now (a failed or retrying destination) */
  'destinations.retry': { args: IdArgs, result: DestinationSchema },
} as const;

/** Events; spread into `events` in core/contract/events.ts (and the names into EVENT_NAMES). */
export const destinationEvents = {
  /** a destination's status changed (state, attempt, last error…) */
  'destination.state': DestinationStatusSchema,
} as const;

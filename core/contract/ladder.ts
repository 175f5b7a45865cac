import { z } from 'zod';
import { NameSchema } from './common';
import { LADDER_PRESETS } from './ladder-presets';

/**
 * Live bitrate ladder (issue 12, seed 001 "fission", seed 003 ABR): one ffmpeg per source decodes once and
 * encodes every rung; each rung is published back as its own stream `/app/NAME_<height>` (NMS naming).
 * Pure zod: the config key `ladder` (core/config.ts) and the ladder.* commands share these shapes.
 */

/** One rung: the short side's height (never above the source's), fps (null: the source's), bitrates. */
export const LadderRungSchema = z.strictObject({
  height: z.number({ error: 'must be a number' }).int('must be a whole number').min(90, 'must be 90–4320').max(4320, 'must be 90–4320'),
  fps: z.number({ error: 'must be a number' }).min(1, 'must be 1–120').max(120, 'must be 1–120').nullable().default(null),
  video_kbps: z.number({ error: 'must be a number' }).int().min(100, 'must be 100–50000').max(50_000, 'must be 100–50000'),
  audio_kbps: z.number({ error: 'must be a number' }).int().min(16, 'must be 16–512').max(512, 'must be 16–512'),
});
export type LadderRung = z.infer<typeof LadderRungSchema>;

export { LADDER_PRESETS, LADDER_PRESET_RUNGS, type LadderPresetName } from './ladder-presets';

/** A ladder for an app or one stream: a preset, or custom rows. */
export const LadderSettingSchema = z
  .strictObject({
    preset: z.enum(LADDER_PRESETS),
    rungs: z.array(LadderRungSchema).max(6, 'at most 6 rungs').optional(),
  })
  .refine((s) => s.preset !== 'custom' || (s.rungs?.length ?? 0) > 0, { message: 'a custom ladder needs at least one rung', path: ['rungs'] });
export type LadderSetting = z.infer<typeof LadderSettingSchema>;

export const LadderStateSchema = z.object({
  /** the source stream, "/app/name" */
  source: z.string(),
  /** off: not running (no viewer with on_demand, or source gone); failed: gave up (error says why) */
  state: z.enum(['off', 'starting', 'running', 'restarting', 'failed']),
  /** the H.264 encoder in use (hardware when one passed the test encode, else libx264) */
  encoder: z.string().nullable(),
  /** encoder speed from ffmpeg's progress: 1.0 = keeping up with real time */
  speed: z.number().nullable(),
  /** CPU of the ladder's ffmpeg, % of one core */
  cpu: z.number().nullable(),
  restarts: z.number().int(),
  error: z.string().nullable(),
  /** plain words when speed < 1: which rung to drop, or the hardware encoder */
  warning: z.string().nullable(),
  /** where the setting came from */
  from: z.enum(['stream', 'app', 'fission']),
  rungs: z.array(z.object({
    /** "/app/NAME_720" */
    path: z.string(),
    /** "720p" */
    name: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number().nullable(),
    video_kbps: z.number(),
    audio_kbps: z.number(),
    /** the rung's stream has a publisher now */
    live: z.boolean(),
  })),
});
export type LadderState = z.infer<typeof LadderStateSchema>;

/** Which streams a setting applies to. */
export const LadderScopeSchema = z.union([z.strictObject({ app: NameSchema }), z.strictObject({ stream: z.string().regex(/^\/[^/]+\/[^/]+$/, 'a stream path: /app/name') })]);

/** Commands; spread into `commands` in core/contract/commands.ts. */
export const ladderCommands = {
  /** every ladder configured for a live source, with its state */
  'ladder.list': { args: z.strictObject({}).optional(), result: z.array(LadderStateSchema) },
  /** the setting for an app or a stream (null: remove it — the app's, then fission's, then none applies); saved in the config */
  'ladder.set': { args: z.strictObject({ scope: LadderScopeSchema, setting: LadderSettingSchema.nullable() }), result: z.object({ ok: z.literal(true) }) },
  /** the settings as saved: per app and per stream */
  'ladder.settings': {
    args: z.strictObject({}).optional(),
    result: z.object({ apps: z.record(z.string(), LadderSettingSchema), streams: z.record(z.string(), LadderSettingSchema), on_demand: z.boolean() }),
  },
} as const;

/** Events; spread into `events` in core/contract/events.ts (and the names into EVENT_NAMES). */
export const ladderEvents = {
  'ladder.state': LadderStateSchema,
} as const;

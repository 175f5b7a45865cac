import { z } from 'zod';
import { isStreamName } from './common';

/**
 * Stream health (issue 14): checks in priority order over the stats the studio already has, a verdict per live
 * stream and the one piece of advice that matters most now. Advice travels as a message KEY + numeric PARAMS:
 * the panel renders it in its language (renderer/src/i18n, shealth.advice.*); `text` is the English rendering
 * for logs, REST and scripts. Thresholds: core/health/checks.ts (and the README).
 */

export const HEALTH_VERDICTS = ['good', 'warning', 'bad'] as const;
export const HealthVerdictSchema = z.enum(HEALTH_VERDICTS);
export type HealthVerdict = z.infer<typeof HealthVerdictSchema>;

/** the checks, in priority order (the first failing one at the worst level is THE advice) */
export const HEALTH_CHECKS = ['no_audio_facebook', 'keyframes', 'upload', 'disk', 'publisher_lag', 'ladder_speed', 'bitrate_swings'] as const;
export const HealthCheckSchema = z.enum(HEALTH_CHECKS);
export type HealthCheck = z.infer<typeof HealthCheckSchema>;

export const HealthAdviceSchema = z.object({
  check: HealthCheckSchema,
  level: z.enum(['warning', 'bad']),
  /** numbers for the message: seconds, ms, bits per second, minutes, a ratio, a speed */
  params: z.record(z.string(), z.number()),
  /** the advice in English (the panel translates `check` + `params` itself) */
  text: z.string(),
});
export type HealthAdvice = z.infer<typeof HealthAdviceSchema>;

export const StreamHealthSchema = z.object({
  /** "/app/name" */
  stream: z.string(),
  verdict: HealthVerdictSchema,
  /** the one advice that matters most now (null when good) */
  advice: HealthAdviceSchema.nullable(),
  /** every failing check, most important first */
  list: z.array(HealthAdviceSchema),
  at: z.number(),
});
export type StreamHealth = z.infer<typeof StreamHealthSchema>;

const n = z.number().nullable();
/** one per-stream sample (1 s apart within the last 30 min; per-minute averages beyond) */
export const HealthSampleSchema = z.object({
  at: z.number(),
  bitrate_in: n,
  fps: n,
  keyframe_s: n,
  lag_ms: n,
  /** bits per second the stream's destinations acknowledged, summed */
  acked_bps: n,
  v_rtmp: n,
  v_http: n,
  v_ws: n,
  v_hls: n,
  v_dash: n,
});
export type HealthSample = z.infer<typeof HealthSampleSchema>;

export const ServerSampleSchema = z.object({
  at: z.number(),
  /** load, % of all cores */
  cpu: n,
  /** bytes of memory in use (machine) */
  mem_used: n,
  net_in_bps: n,
  net_out_bps: n,
  /** bytes free where recordings go */
  disk_free: n,
});
export type ServerSample = z.infer<typeof ServerSampleSchema>;

const StreamPath = z.string().refine((s) => {
  const parts = s.split('/');
  return parts.length === 3 && parts[0] === '' && isStreamName(parts[1]) && isStreamName(parts[2]);
}, 'a stream path like /live/studio');

/** What happened, for the timeline under the charts and for notifications (one entry per incident). */
export const TIMELINE_KINDS = [
  'published', 'dropped', 'returned', 'ended', 'slate_on', 'slate_off',
  'destination_live', 'destination_retrying', 'destination_failed', 'recording_failed', 'health_bad', 'disk_low',
] as const;
export const TimelineEventSchema = z.object({
  at: z.number(),
  /** the stream it is about ("/app/name"); null for the server (disk) */
  stream: z.string().nullable(),
  kind: z.enum(TIMELINE_KINDS),
  /** plain words in English (a destination's name and last error, the advice…); the panel may translate `kind` */
  text: z.string(),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export const healthCommands = {
  /** the timeline: newest last, the last `minutes` (default 30), one stream or all */
  'health.timeline': {
    args: z.strictObject({ stream: StreamPath.optional(), minutes: z.number().int().min(1).max(1440).optional() }).optional(),
    result: z.array(TimelineEventSchema),
  },
  /** verdicts of every live stream (or one) */
  'health.get': { args: z.strictObject({ stream: StreamPath.optional() }).optional(), result: z.array(StreamHealthSchema) },
  /** samples for charts: 1 s apart up to 30 min, per-minute averages from the store beyond (up to 24 h) */
  'health.history': {
    args: z.strictObject({ stream: StreamPath, minutes: z.number().int().min(1).max(1440) }),
    result: z.object({ stream: z.string(), step_s: z.number(), samples: z.array(HealthSampleSchema), server: z.array(ServerSampleSchema) }),
  },
} as const;

export const healthEvents = {
  /** a stream's verdict or advice changed (not every second); health null: the stream is no longer live */
  'health.changed': z.object({ stream: z.string(), health: StreamHealthSchema.nullable() }),
  /** a timeline entry as it happens (desktop/browser notifications are raised from these, once per incident) */
  'health.event': TimelineEventSchema,
} as const;

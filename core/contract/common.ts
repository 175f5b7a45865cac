import { z } from 'zod';
import { StreamStatsSchema } from './stats';

/**
 * Shapes shared by commands and events. Pure zod: no Node, no DOM — the renderer imports the types
 * and the core and Electron main validate with the schemas.
 */

/** Every error a command can answer with. Callers branch on `code`, never on `message`. */
export const ContractErrorCodes = [
  'VALIDATION', // arguments do not match the command's schema (never reached the core)
  'UNKNOWN_COMMAND',
  'BAD_FRAME', // a transport frame that is not {id, cmd, args}
  'NOT_FOUND',
  'APPLY_FAILED', // settings were valid but could not be applied (port in use, unreadable cert); old config kept
  'UNAUTHORIZED',
  'FORBIDDEN', // not allowed from this client at all (e.g. the ffmpeg path over the contract)
  'BUSY', // a shared budget is full (ffmpeg processes); try again shortly
  'DISCONNECTED', // client side: the transport went away before the answer came
  'TIMEOUT', // client side: no answer in time
  'INTERNAL',
] as const;
export const ContractErrorCodeSchema = z.enum(ContractErrorCodes);
export type ContractErrorCode = z.infer<typeof ContractErrorCodeSchema>;

export const ContractIssueSchema = z.object({
  /** dotted path of the offending field, e.g. "rtmp.port"; "" for the whole argument */
  path: z.string(),
  message: z.string(),
});
export type ContractIssue = z.infer<typeof ContractIssueSchema>;

export const ContractErrorSchema = z.object({
  code: ContractErrorCodeSchema,
  message: z.string(),
  /** per-field details for VALIDATION (and APPLY_FAILED when a field is to blame) */
  issues: z.array(ContractIssueSchema).optional(),
});
export type ContractError = z.infer<typeof ContractErrorSchema>;

/**
 * THE app / stream name pattern, the one place it is written: letters, digits, '_', '-', '.', not starting
 * with '.', at most 128 chars, no "..". Used by the contract, every protocol (core/media/stream-path.ts) and routes.
 */
export const STREAM_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function isStreamName(s: string): boolean {
  return STREAM_NAME_RE.test(s) && !s.includes('..');
}

export const NameSchema = z
  .string()
  .regex(STREAM_NAME_RE, 'letters, digits, _ - . only (max 128)')
  .refine((s) => !s.includes('..'), 'must not contain ".."');

export const StreamRefSchema = z.strictObject({ app: NameSchema, name: NameSchema });
export type StreamRef = z.infer<typeof StreamRefSchema>;

/** One stream as the panel sees it: the stats-API shape plus its address. */
export const StreamInfoSchema = StreamStatsSchema.extend({
  app: z.string(),
  name: z.string(),
  /** "/app/name" */
  path: z.string(),
  /** a ladder rung's source ("/app/name"; the rung is "/app/name_<height>"), null for any other stream */
  rung_of: z.string().nullable(),
});
export type StreamInfo = z.infer<typeof StreamInfoSchema>;

export const PortsSchema = z.object({
  rtmp: z.number().int(),
  http: z.number().int(),
  https: z.number().int().nullable(),
  host: z.string(),
});
export type Ports = z.infer<typeof PortsSchema>;

export const FfmpegInfoSchema = z.object({
  path: z.string(),
  version: z.string(),
  source: z.enum(['config', 'env', 'path', 'bundled']),
});
export type FfmpegInfo = z.infer<typeof FfmpegInfoSchema>;

export const LogRecordSchema = z.looseObject({
  level: z.number(),
  time: z.number(),
  msg: z.string(),
});
export type LogRecordData = z.infer<typeof LogRecordSchema>;

import { z } from 'zod';
import { isStreamName } from './common';

export const RecordingStatusSchema = z.enum(['recording', 'done', 'failed', 'interrupted']);
export type RecordingStatus = z.infer<typeof RecordingStatusSchema>;

export const RecordingSchema = z.object({
  id: z.string(),
  /** "/app/name" */
  stream: z.string(),
  /** absolute path of the MP4 */
  file: z.string(),
  status: RecordingStatusSchema,
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  durationMs: z.number(),
  size: z.number(),
  /** e.g. "H264 1280x720" */
  video: z.string().nullable(),
  /** e.g. "AAC 48000 Hz 2 ch" */
  audio: z.string().nullable(),
  error: z.string().nullable(),
  /** absolute path of a JPEG, when made */
  thumbnail: z.string().nullable(),
});
export type Recording = z.infer<typeof RecordingSchema>;

export const DiskUsageSchema = z.object({
  /** bytes used by all recordings */
  used: z.number(),
  free: z.number(),
  total: z.number(),
  /** true when free space is under record.min_free_mb */
  low: z.boolean(),
  folder: z.string(),
});
export type DiskUsage = z.infer<typeof DiskUsageSchema>;

const StreamPathArg = z.string().refine((s) => {
  const parts = s.split('/');
  return parts.length === 3 && parts[0] === '' && isStreamName(parts[1]) && isStreamName(parts[2]);
}, 'a stream path like /live/studio');
const IdArg = z.object({ id: z.string().min(1).max(64) });

/** Contract commands for recordings: args and results. */
export const recordingCommands = {
  'recordings.list': { args: z.object({}).optional(), result: z.object({ recordings: z.array(RecordingSchema), disk: DiskUsageSchema }) },
  'recordings.get': { args: IdArg, result: RecordingSchema },
  'recordings.start': { args: z.object({ stream: StreamPathArg }), result: RecordingSchema },
  'recordings.stop': { args: IdArg, result: RecordingSchema },
  'recordings.delete': { args: IdArg, result: z.object({ ok: z.literal(true) }) },
  'recordings.reveal': { args: IdArg, result: z.object({ file: z.string(), folder: z.string() }) },
} as const;

export const recordingEvents = {
  'recording.started': RecordingSchema,
  'recording.stopped': RecordingSchema,
  'recording.failed': RecordingSchema,
} as const;

import { z } from 'zod';
import { NameSchema } from './common';

/**
 * The transcode queue and recordings as the panel sees them: command args/results and event payloads.
 * Pure zod, like the rest of core/contract. core/jobs stores rows in exactly these shapes.
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const RENDITION_NAMES = ['1080p', '720p', '480p', '360p'] as const;
export const RenditionNameSchema = z.enum(RENDITION_NAMES);
export type RenditionName = z.infer<typeof RenditionNameSchema>;

/** Ladders the panel offers; "hd+sd" (720p + 480p) is seed 000's hdAddress / liveAddress pair. */
export const LADDER_PRESETS: Readonly<Record<'hd+sd' | 'full' | 'hd' | 'sd', readonly RenditionName[]>> = {
  'hd+sd': ['720p', '480p'],
  full: ['1080p', '720p', '480p', '360p'],
  hd: ['1080p', '720p'],
  sd: ['480p', '360p'],
};
export const DEFAULT_RENDITIONS: readonly RenditionName[] = LADDER_PRESETS['hd+sd'];

export const JobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a job id');
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(4096);

/** ffprobe's view of a source. */
export const MediaInfoSchema = z.object({
  duration: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  vcodec: z.string(),
  acodec: z.string().nullable(),
  fps: z.number().nullable(),
  size: z.number().int().nullable(),
  format: z.string().nullable(),
});
export type MediaInfo = z.infer<typeof MediaInfoSchema>;

/** Where a job reads from (as stored): `file` is what ffmpeg opens; `owned` files are deleted with the job. */
export const JobInputSchema = z.object({
  source: z.enum(['path', 'url', 'upload']),
  /** the path, URL or uploaded file name the user gave */
  original: z.string(),
  file: z.string(),
  owned: z.boolean(),
  probe: MediaInfoSchema,
});
export type JobInput = z.infer<typeof JobInputSchema>;

export const CoverRequestSchema = z.strictObject({
  /** seconds into the source; values past the end are clamped */
  times: z.array(z.number().min(0).max(864_000)).max(20).optional(),
  /** evenly spaced covers when `times` is not given (default 1) */
  count: z.number().int().min(0).max(20).optional(),
  width: z.number().int().min(16).max(4096).optional(),
  height: z.number().int().min(16).max(4096).optional(),
});

/** What the caller may choose for a transcode. */
export const TranscodeOptionsSchema = z.strictObject({
  renditions: z.array(RenditionNameSchema).min(1).max(4).optional(),
  covers: CoverRequestSchema.optional(),
  /** higher runs first (default 0) */
  priority: z.number().int().min(-100).max(100).optional(),
  /** POSTed the result envelope when the job ends */
  callback: HttpUrlSchema.optional(),
  max_attempts: z.number().int().min(1).max(10).optional(),
  /** a label for the job card (default: the source's file name) */
  title: z.string().max(256).optional(),
});
export type TranscodeOptions = z.infer<typeof TranscodeOptionsSchema>;

/** The options as stored on a job: defaults applied, output folder fixed at creation. */
export const JobOptionsSchema = z.object({
  renditions: z.array(RenditionNameSchema),
  covers: z.object({ times: z.array(z.number()), width: z.number().int().nullable(), height: z.number().int().nullable() }),
  callback: z.string().nullable(),
  max_attempts: z.number().int(),
  title: z.string(),
  /** "YYYY/MM/DD/<id>" under the media root */
  out_dir: z.string(),
  /** scheme://host:port the creator used, for absolute URLs in callbacks (null: the studio's own) */
  base_url: z.string().nullable(),
});
export type JobOptions = z.infer<typeof JobOptionsSchema>;

export const JobProgressSchema = z.object({
  stage: z.enum(['transcode', 'covers', 'publish']),
  percent: z.number().min(0).max(100),
  /** frames per second ffmpeg reports */
  fps: z.number().nullable(),
  /** × realtime */
  speed: z.number().nullable(),
  eta_seconds: z.number().nullable(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const RenditionResultSchema = z.object({
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** peak segment bitrate, bits/s */
  bandwidth: z.number().int(),
  average_bandwidth: z.number().int(),
  codecs: z.string(),
  duration: z.number(),
  segments: z.number().int(),
  /** URL path, e.g. "/2024/05/01/<id>/720p.m3u8" */
  playlist: z.string(),
});
export type RenditionResult = z.infer<typeof RenditionResultSchema>;

export const TranscodeResultSchema = z.object({
  /** URL path of the master playlist */
  master: z.string(),
  renditions: z.array(RenditionResultSchema),
  /** URL paths of the cover JPEGs */
  covers: z.array(z.string()),
  /** the output folder on disk */
  dir: z.string(),
});
export type TranscodeResult = z.infer<typeof TranscodeResultSchema>;

export const JobSchema = z.object({
  id: JobIdSchema,
  kind: z.literal('transcode'),
  status: JobStatusSchema,
  priority: z.number().int(),
  position: z.number(),
  input: JobInputSchema,
  options: JobOptionsSchema,
  progress: JobProgressSchema.nullable(),
  result: TranscodeResultSchema.nullable(),
  error: z.string().nullable(),
  /** e.g. "re-queued: the studio stopped while this job was running" */
  note: z.string().nullable(),
  /**
   * Which `onair worker` took the job's latest attempt (jobs.queue "bullmq": the worker's id, "<hostname>:<pid>"
   * unless it was named otherwise). null: no worker has taken it yet (cleared by jobs.retry), or the embedded
   * SQLite queue, where the studio itself runs every job.
   */
  worker: z.string().nullable(),
  attempts: z.number().int(),
  /** ms epoch before which a retry will not start */
  run_after: z.number(),
  created_at: z.number(),
  updated_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const TranscodeSourceSchema = z.discriminatedUnion('type', [
  /** a local file (Electron drag-and-drop); must be inside `jobs.allowed_roots` */
  z.strictObject({ type: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.strictObject({ type: z.literal('url'), url: HttpUrlSchema }),
]);

/** The seed-000 view (GET /recording, recordings.fromStream) of a live fMP4 recording: same id as its recordings.* entry. */
export const StreamRecordingSchema = z.object({
  id: z.string(),
  /** "/app/name" */
  stream: z.string(),
  status: z.enum(['recording', 'done', 'failed']),
  /** the MP4 on disk once done */
  file: z.string(),
  /** URL path of the MP4 once done */
  url: z.string(),
  started_at: z.number(),
  finished_at: z.number().nullable(),
  error: z.string().nullable(),
});
export type StreamRecording = z.infer<typeof StreamRecordingSchema>;

/** Commands; spread into `commands` in core/contract/commands.ts. */
export const jobCommands = {
  'jobs.transcode': { args: z.strictObject({ source: TranscodeSourceSchema, options: TranscodeOptionsSchema.optional() }), result: JobSchema },
  'jobs.list': {
    args: z.strictObject({ status: z.array(JobStatusSchema).optional(), limit: z.number().int().min(1).max(1000).optional() }).optional(),
    result: z.array(JobSchema),
  },
  'jobs.get': { args: z.strictObject({ id: JobIdSchema }), result: JobSchema },
  'jobs.cancel': { args: z.strictObject({ id: JobIdSchema }), result: JobSchema },
  /** run a failed or cancelled job again */
  'jobs.retry': { args: z.strictObject({ id: JobIdSchema }), result: JobSchema },
  /** queued jobs in the given order run first (priority still wins); returns the queued jobs in run order */
  'jobs.reorder': { args: z.strictObject({ ids: z.array(JobIdSchema).min(1).max(1000) }), result: z.array(JobSchema) },
  /** record a live stream to MP4 until it ends or `duration` seconds pass */
  'recordings.fromStream': {
    args: z.strictObject({ app: NameSchema, name: NameSchema, duration: z.number().min(1).max(86_400).optional(), callback: HttpUrlSchema.optional() }),
    result: StreamRecordingSchema,
  },
} as const;

export const JobProgressEventSchema = z.object({ id: JobIdSchema, progress: JobProgressSchema });
export const JobFailedEventSchema = z.object({
  job: JobSchema,
  /** true when the queue will run it again at `retry_at` */
  will_retry: z.boolean(),
  retry_at: z.number().nullable(),
});

/** Events; spread into `events` in core/contract/events.ts (and the names into EVENT_NAMES). */
export const jobEvents = {
  'job.queued': JobSchema,
  'job.started': JobSchema,
  'job.progress': JobProgressEventSchema,
  'job.done': JobSchema,
  'job.failed': JobFailedEventSchema,
  'job.cancelled': JobSchema,
} as const;
export const JOB_EVENT_NAMES = ['job.queued', 'job.started', 'job.progress', 'job.done', 'job.failed', 'job.cancelled'] as const;
export type JobEventName = (typeof JOB_EVENT_NAMES)[number];
export type JobEventData<E extends JobEventName> = z.output<(typeof jobEvents)[E]>;

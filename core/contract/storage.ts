import { z } from 'zod';

/**
 * Object storage (issue 15, core/storage): finished recordings, DVR and VOD outputs uploaded to an S3-compatible
 * bucket, verified, then removed from the local disk. The panel shows each upload's state; credentials never
 * appear here (the endpoint is answered without user:password, the secret key never).
 */

export const STORAGE_KINDS = ['recordings', 'dvr', 'vod'] as const;
export const StorageKindSchema = z.enum(STORAGE_KINDS);
export type StorageKind = z.infer<typeof StorageKindSchema>;

/** `deleting`: what it belonged to was deleted; its object is removed from the bucket (retried while the bucket is down) */
export const UPLOAD_STATES = ['queued', 'uploading', 'verifying', 'done', 'failed', 'retrying', 'deleting'] as const;
export const UploadStateSchema = z.enum(UPLOAD_STATES);
export type UploadState = z.infer<typeof UploadStateSchema>;

export const UploadSchema = z.object({
  id: z.string(),
  kind: StorageKindSchema,
  /** what the file belongs to: a recording id, a job id, a DVR folder id */
  ref: z.string().nullable(),
  /** the local file, relative to the recordings folder or the media root */
  file: z.string(),
  /** the object key in the bucket (prefix included) */
  key: z.string(),
  state: UploadStateSchema,
  /** bytes sent so far (the upload's progress) */
  bytes: z.number(),
  /** the file's size */
  size: z.number(),
  attempts: z.number().int(),
  /** ms epoch of the next try while retrying, else null */
  next_try_at: z.number().nullable(),
  /** the last error (credentials never included) */
  error: z.string().nullable(),
  updated_at: z.number(),
});
export type Upload = z.infer<typeof UploadSchema>;

export const StorageTotalsSchema = z.object({
  queued: z.number().int(),
  uploading: z.number().int(),
  verifying: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  retrying: z.number().int(),
  /** objects waiting to be deleted from the bucket (their recording was deleted) */
  deleting: z.number().int(),
  /** bytes of the files now in the bucket (done) */
  stored_bytes: z.number(),
});
export type StorageTotals = z.infer<typeof StorageTotalsSchema>;

export const StorageStatusSchema = z.object({
  /** storage.s3 is configured */
  enabled: z.boolean(),
  /** the service's address without credentials (null when off) */
  endpoint: z.string().nullable(),
  bucket: z.string().nullable(),
  prefix: z.string(),
  serve: z.enum(['redirect', 'proxy']),
  kinds: z.array(StorageKindSchema),
  retention_days: z.number(),
  /** the last request to the bucket worked (null: none yet) */
  online: z.boolean().nullable(),
  last_error: z.string().nullable(),
  /** unfinished uploads first, then the most recent (at most `limit`) */
  uploads: z.array(UploadSchema),
  totals: StorageTotalsSchema,
});
export type StorageStatus = z.infer<typeof StorageStatusSchema>;

export const storageCommands = {
  'storage.status': {
    args: z.strictObject({ kind: StorageKindSchema.optional(), limit: z.number().int().min(1).max(5000).optional() }).optional(),
    result: StorageStatusSchema,
  },
} as const;

/** at most a few a second: the uploads that changed since the last one, and the totals */
export const StorageChangedSchema = z.object({
  at: z.number(),
  online: z.boolean().nullable(),
  totals: StorageTotalsSchema,
  changed: z.array(UploadSchema),
});

export type StorageChanged = z.infer<typeof StorageChangedSchema>;

export const storageEvents = {
  'storage.changed': StorageChangedSchema,
} as const;

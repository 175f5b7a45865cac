import { z } from 'zod';

/**
 * The config keys of scale-out (issue 15). Without any of them nothing changes: one process, SQLite, local disk.
 * - `cluster.redis` makes this studio a node of a cluster (core/cluster): registry, stream ownership, edge pull.
 * - `jobs.queue: "bullmq"` puts VOD jobs on a BullMQ queue (core/jobs) drained by `onair worker` processes.
 * - `storage.s3` uploads finished recordings, DVR and VOD outputs to an S3-compatible bucket (core/storage).
 */

/** redis:// or rediss:// (user:password allowed; never logged or answered) */
export const RedisUrlSchema = z.string().max(2048).refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL');

/** "redis://user:***@host:port/db": a Redis URL as it may appear in a log line or an answer (never its password) */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable)';
  }
}

/** a node id: what the other nodes and the panel call this studio */
export const NodeIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (at most 64)');

export const ClusterConfigSchema = z.object({
  /** the Redis that holds the directory; unset = not a cluster node */
  redis: RedisUrlSchema.optional(),
  /** every Redis key and channel starts with this */
  prefix: z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/).default('onair:'),
  /** this node's id (default: a random id kept in <data_dir>/node-id, stable across restarts) */
  node_id: NodeIdSchema.optional(),
  /** the host other nodes and players use to reach this node (default: the listen host, 127.0.0.1 for 0.0.0.0) */
  public_host: z.string().min(1).max(253).optional(),
  /** how often the node refreshes its registration and its streams' ownership, ms */
  heartbeat_ms: z.number().int().min(100).max(60_000).default(2000),
  /** a node or a stream owner not refreshed for this long is forgotten, ms (≥ 2 heartbeats) */
  ttl_ms: z.number().int().min(300).max(600_000).default(6000),
  /** HLS/LL-HLS/DASH asked of a node that does not hold the stream: 302 to the owner, or proxy the bytes */
  hls: z.enum(['redirect', 'proxy']).default('redirect'),
  /** an edge keeps its pull this long after its last local player leaves, ms */
  edge_idle_ms: z.number().int().min(0).max(600_000).default(5000),
}).refine((c) => c.ttl_ms >= 2 * c.heartbeat_ms, { message: 'ttl_ms must be at least 2 × heartbeat_ms', path: ['ttl_ms'] });
export type ClusterConfig = z.output<typeof ClusterConfigSchema>;

export const JobsQueueSchema = z.enum(['sqlite', 'bullmq']);

/** BullMQ settings of `jobs` (only read when jobs.queue is "bullmq") */
export const BullQueueConfigSchema = z.object({
  /** the queue's Redis (default: cluster.redis) */
  redis: RedisUrlSchema.optional(),
  /** queue name (keys are under cluster.prefix) */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('transcode'),
  /**
   * a worker's lock on a running job, renewed every lock_ms/2 while ffmpeg runs; a worker that dies holds the job
   * at most this long before another takes it over (hour-long jobs keep their lock: it is renewed, not extended)
   */
  lock_ms: z.number().int().min(1000).max(3_600_000).default(60_000),
  /** how often workers look for jobs whose lock expired (a dead worker's), ms */
  stalled_interval_ms: z.number().int().min(1000).max(3_600_000).default(30_000),
  /** times a job may be taken over from a dead worker before it fails */
  max_stalled: z.number().int().min(0).max(100).default(3),
});

export const S3StorageSchema = z.object({
  /** http(s)://host:port of the S3-compatible service (AWS, MinIO, R2, …) */
  endpoint: z.url({ protocol: /^https?$/ }),
  region: z.string().min(1).max(64).default('us-east-1'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  access_key_id: z.string().min(1).max(256),
  /** never logged or answered */
  secret_access_key: z.string().min(1).max(256),
  /** key prefix inside the bucket, e.g. "studio-a/" */
  prefix: z.string().regex(/^[A-Za-z0-9_./-]{0,200}$/).default(''),
  /** path-style URLs (MinIO, s3rver); false = virtual-hosted style (AWS) */
  force_path_style: z.boolean().default(true),
  /** how a stored file is served: 302 to a presigned URL, or proxied through the studio */
  serve: z.enum(['redirect', 'proxy']).default('redirect'),
  /** delete objects older than this many days (0 = keep) */
  retention_days: z.number().min(0).default(0),
  /** multipart part size, MB */
  part_size_mb: z.number().int().min(5).max(512).default(8),
  /** what is uploaded */
  kinds: z.array(z.enum(['recordings', 'dvr', 'vod'])).default(['recordings', 'dvr', 'vod']),
});

export const StorageConfigSchema = z.object({
  /** unset = local disk only */
  s3: S3StorageSchema.optional(),
});

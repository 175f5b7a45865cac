import { z } from 'zod';

/** Shapes of the Node-Media-Server-compatible stats API (seed 001), plus OnAir's extra fields. */

export const VideoStatsSchema = z.object({
  codec: z.string(),
  width: z.number(),
  height: z.number(),
  profile: z.string(),
  level: z.number(),
  fps: z.number(),
});

export const AudioStatsSchema = z.object({
  codec: z.string(),
  profile: z.string(),
  samplerate: z.number(),
  channels: z.number(),
});

export const ClientStatsSchema = z.object({
  app: z.string(),
  stream: z.string(),
  clientId: z.string(),
  connectCreated: z.string(),
  bytes: z.number(),
  ip: z.string(),
});

export const PublisherStatsSchema = ClientStatsSchema.extend({
  protocol: z.string(),
  audio: AudioStatsSchema.nullable(),
  video: VideoStatsSchema.nullable(),
  /** OnAir: bits per second in, measured over the last second */
  bitrateIn: z.number(),
});

export const SubscriberStatsSchema = ClientStatsSchema.extend({
  protocol: z.string(),
  dropped: z.number(),
});

export const StreamStatsSchema = z.object({
  publisher: PublisherStatsSchema.nullable(),
  subscribers: z.array(SubscriberStatsSchema),
  /** OnAir extras */
  bitrateIn: z.number(),
  bitrateOut: z.number(),
  fps: z.number(),
  viewers: z.record(z.string(), z.number()),
  dropped: z.number(),
  uptime: z.number(),
});

/** GET /api/streams: { app: { stream: StreamStats } } */
export const StreamsResponseSchema = z.record(z.string(), z.record(z.string(), StreamStatsSchema));

export const ServerStatsSchema = z.object({
  os: z.object({ arch: z.string(), platform: z.string(), release: z.string() }),
  cpu: z.object({ num: z.number(), load: z.number(), model: z.string(), speed: z.number() }),
  mem: z.object({ totle: z.number(), free: z.number() }),
  net: z.object({ inbytes: z.number(), outbytes: z.number() }),
  nodejs: z.object({
    uptime: z.number(),
    version: z.string(),
    mem: z.object({ rss: z.number(), heapTotal: z.number(), heapUsed: z.number(), external: z.number() }),
  }),
  clients: z.object({ accepted: z.number(), active: z.number(), idle: z.number(), rtmp: z.number(), http: z.number(), ws: z.number() }),
  /** OnAir extras */
  version: z.string(),
  process: z.object({ cpu: z.number() }),
});

export type VideoStats = z.infer<typeof VideoStatsSchema>;
export type AudioStats = z.infer<typeof AudioStatsSchema>;
export type PublisherStats = z.infer<typeof PublisherStatsSchema>;
export type SubscriberStats = z.infer<typeof SubscriberStatsSchema>;
export type StreamStats = z.infer<typeof StreamStatsSchema>;
export type StreamsResponse = z.infer<typeof StreamsResponseSchema>;
export type ServerStats = z.infer<typeof ServerStatsSchema>;

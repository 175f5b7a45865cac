import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { OnAirError } from './errors';
import { FissionConfigSchema, LadderConfigSchema } from './ladder-config';
import { BullQueueConfigSchema, ClusterConfigSchema, JobsQueueSchema, StorageConfigSchema } from './scale-config';

/**
 * The configuration schema. Keys follow Node-Media-Server 2.x (rtmp/http/https/auth/trans/relay/fission)
 * so an NMS config object or JSON file is accepted unchanged; OnAir-specific keys live beside them.
 */
const port = z.number().int().min(0).max(65535);

export const RtmpConfigSchema = z.object({
  port: port.default(1935),
  host: z.string().optional(),
  chunk_size: z.number().int().min(128).max(0xffffff).default(60000),
  gop_cache: z.boolean().default(true),
  ping: z.number().min(0).max(3600).default(30),
  ping_timeout: z.number().min(0).max(3600).default(60),
  /** largest RTMP message a peer may declare, bytes */
  max_message_size: z.number().int().min(64 * 1024).max(0xffffff).default(8 * 1024 * 1024),
  /**
   * Players (RTMP, HTTP-FLV, WS-FLV) coalesce a stream's writes for up to this long, ms: one write per player per
   * flush_ms instead of one per frame — less CPU for up to flush_ms more latency (one shared timer per stream).
   * 0 (the default) writes every frame burst at once. Applies to streams that start after a change.
   */
  flush_ms: z.number().int().min(0).max(2000).default(0),
}).loose();

export const HttpConfigSchema = z.object({
  port: port.default(8000),
  host: z.string().optional(),
  /** CORS origin for media (FLV/HLS/DASH/recordings when playback is public); never applied to /api or uploads */
  allow_origin: z.string().default('*'),
  /** extra Host names this server answers to (loopback names, and the machine's own addresses when bound to 0.0.0.0, always pass) */
  allowed_hosts: z.array(z.string().min(1).max(253)).default([]),
  mediaroot: z.string().optional(),
  webroot: z.string().optional(),
}).loose();

export const HttpsConfigSchema = z.object({
  port: port.default(8443),
  host: z.string().optional(),
  key: z.string(),
  cert: z.string(),
}).loose();

/** RTMPS ingest: a TLS listener for publishers/players in front of the same RTMP server (default off). */
export const RtmpsConfigSchema = z.object({
  port: port.default(4443),
  host: z.string().optional(),
  /** PEM files: the private key and the certificate chain */
  key: z.string(),
  cert: z.string(),
}).loose();

export const AuthConfigSchema = z.object({
  play: z.boolean().default(false),
  publish: z.boolean().default(false),
  secret: z.string().default(''),
  /** secret for publish signs; unset = the play secret (Node-Media-Server configs with one secret keep working) */
  publish_secret: z.string().optional(),
  /** the API gate: on by default; off is an explicit choice that logs a warning at start */
  api: z.boolean().default(true),
  api_user: z.string().default('admin'),
  api_pass: z.string().default(''),
  /** bearer token accepted by the API, the panel and /api/ws */
  api_token: z.string().optional(),
  /** stream keys (issue 13): only a known, enabled key (core/rooms/keys.ts) may publish, as the stream name */
  keys: z.boolean().default(false),
}).loose();

export const NetConfigSchema = z.object({
  /**
   * Outbound requests (URL downloads, callbacks, relays' HTTP) refuse loopback, private, link-local and
   * multicast addresses unless listed here: IPs, CIDRs ("10.0.0.0/8") or host names.
   */
  allow_private: z.array(z.string().min(1).max(253)).default([]),
});

export const LimitsConfigSchema = z.object({
  /** an RTMP handshake (C0..C2) must complete within this, ms */
  rtmp_handshake_timeout_ms: z.number().int().min(500).max(120_000).default(10_000),
  /** before `connect`: the largest message a peer may declare, bytes */
  rtmp_preconnect_max_message: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
  /** before `connect`: chunk-stream ids a peer may open */
  rtmp_preconnect_max_chunk_streams: z.number().int().min(2).max(1024).default(16),
  /** before `connect`: bytes held in partial messages */
  rtmp_preconnect_max_buffered: z.number().int().min(4096).max(8 * 1024 * 1024).default(128 * 1024),
  /** after `connect`: chunk-stream ids a peer may have partial messages on */
  rtmp_max_chunk_streams: z.number().int().min(8).max(65_599).default(256),
  /** RTMP connections at once from one address (0 = no limit) */
  rtmp_max_conn_per_ip: z.number().int().min(0).default(64),
  /** HTTP/WS connections at once from one address (0 = no limit) */
  http_max_conn_per_ip: z.number().int().min(0).default(512),
  /** ffmpeg processes at once for the whole studio (jobs, recordings, snapshots, thumbnails) */
  ffmpeg_max_processes: z.number().int().min(1).max(64).default(6),
  /** how long a request for an ffmpeg process waits for a free slot before answering "busy", ms */
  ffmpeg_queue_ms: z.number().int().min(0).max(600_000).default(15_000),
});

export const HookEventNames = [
  'preConnect', 'postConnect', 'doneConnect',
  'prePublish', 'postPublish', 'donePublish',
  'prePlay', 'postPlay', 'donePlay',
] as const;
export type HookEventName = (typeof HookEventNames)[number];

export const WebhookSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.enum(HookEventNames)).optional(),
  timeout_ms: z.number().int().min(100).max(60_000).default(3000),
});

export const PlayerQueueSchema = z.object({
  /** bytes queued for one player before it skips to the next keyframe */
  max_bytes: z.number().int().min(64 * 1024).default(4 * 1024 * 1024),
  /** a player that stays over max_bytes this long is disconnected, ms */
  stall_ms: z.number().int().min(100).default(10_000),
});

export const GopCacheLimitsSchema = z.object({
  max_bytes: z.number().int().min(64 * 1024).default(32 * 1024 * 1024),
  max_packets: z.number().int().min(16).default(8192),
});

export const HlsAppSchema = z.object({
  hls: z.boolean().optional(),
  ll_hls: z.boolean().optional(),
  dash: z.boolean().optional(),
  dvr: z.boolean().optional(),
});

export const HlsConfigSchema = z.object({
  /** HLS (MPEG-TS) at /app/stream/index.m3u8 */
  enabled: z.boolean().default(true),
  /** LL-HLS (fMP4 parts) at /app/stream/ll.m3u8 */
  ll: z.boolean().default(true),
  /** DASH (the same CMAF fragments) at /app/stream/index.mpd */
  dash: z.boolean().default(true),
  /** target segment duration, seconds: a segment is cut at the first keyframe in the next window of this length on the media timeline (from timestamp 0), so every rung of a ladder cuts at the same times */
  segment_seconds: z.number().min(0.5).max(30).default(2),
  /** LL-HLS part target, ms */
  part_ms: z.number().int().min(100).max(2000).default(200),
  /** segments kept in the live playlists */
  list_size: z.number().int().min(2).max(100).default(4),
  /** also write the whole event as VOD HLS to the media folder (seed 003's DVR) */
  dvr: z.boolean().default(false),
  /** seconds the playlists stay after the publisher leaves (a reconnect continues them) */
  cleanup_after_s: z.number().min(0).max(86_400).default(30),
  /** per-app switches; apps not listed use the globals above */
  apps: z.record(z.string(), HlsAppSchema).default({}),
});

export const JobsConfigSchema = z.object({
  /** transcode jobs that run at the same time */
  concurrency: z.number().int().min(1).max(16).default(1),
  /** folders local-path inputs must be inside (after resolving symlinks); empty = no local paths */
  allowed_roots: z.array(z.string()).default([]),
  max_upload_bytes: z.number().int().min(1).default(4 * 1024 * 1024 * 1024),
  max_download_bytes: z.number().int().min(1).default(4 * 1024 * 1024 * 1024),
  download_timeout_ms: z.number().int().min(100).default(10 * 60_000),
  /** x264 preset for transcodes (faster = bigger files, less CPU) */
  /** H.264 encoder for transcodes: auto = a working hardware encoder when there is one, else libx264 */
  encoder: z.enum(['auto', 'libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi', 'h264_videotoolbox']).default('auto'),
  x264_preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']).default('veryfast'),
  /** keys accepted by the seed-000 compat API (`key=`); empty = no key needed */
  api_keys: z.array(z.string()).default([]),
  /** where jobs wait: the embedded SQLite queue, or a BullMQ queue drained by `onair worker` (core/scale-config.ts) */
  queue: JobsQueueSchema.default('sqlite'),
  bullmq: BullQueueConfigSchema.default(() => BullQueueConfigSchema.parse({})),
});

export const RecordConfigSchema = z.object({
  /** apps whose streams are recorded automatically while live */
  auto_apps: z.array(z.string()).default([]),
  /** folder for recordings (default <mediaroot>/recordings) */
  folder: z.string().optional(),
  /** delete recordings older than this many days (0 = keep) */
  max_age_days: z.number().min(0).default(0),
  /** delete the oldest recordings when all of them pass this many MB (0 = no limit) */
  max_total_mb: z.number().min(0).default(0),
  /** warn (and refuse to start a recording) when the disk has less free space than this, MB */
  min_free_mb: z.number().min(0).default(1024),
});

/**
 * NMS 2.x `relay` (its `tasks` kept for the relays) plus the restream destinations' supervision (issue 11).
 * `hold_s` is how long a destination keeps its remote connection open for a dropped publisher: back within it,
 * the platform sees one unbroken broadcast; later, the destination closes it and a return starts a new one.
 * `hold_s` defaults to `hls.cleanup_after_s` (30 s), the one reconnect window; a stream waits for its publisher
 * max(hls.cleanup_after_s, relay.hold_s) (HLS continues its playlists across that whole window too).
 */
export const RelayConfigSchema = z.object({
  ffmpeg: z.string().optional(),
  tasks: z.array(z.record(z.string(), z.unknown())).default([]),
  /** seconds a destination holds its connection while the publisher is away (default: hls.cleanup_after_s) */
  hold_s: z.number().min(0).max(3600).optional(),
  /** no Acknowledgement from the remote for this long while bytes are outstanding: the link is dead, seconds */
  ack_timeout_s: z.number().min(1).max(600).default(10),
  /** failed connection attempts in a row before a destination gives up (`failed`, "Retry now" starts over) */
  max_attempts: z.number().int().min(1).max(100_000).default(10),
}).loose();

/** The relay settings, with the defaults when the config has no `relay` section (hold_s: the reconnect window). */
export function relaySettings(cfg: { relay?: z.output<typeof RelayConfigSchema>; hls: { cleanup_after_s: number } }): z.output<typeof RelayConfigSchema> & { hold_s: number } {
  const r = cfg.relay ?? RelayConfigSchema.parse({});
  return { ...r, hold_s: r.hold_s ?? cfg.hls.cleanup_after_s };
}

/** socket.io chat (issue 13): bounds per connection and per address; the offender is refused, then dropped */
export const ChatConfigSchema = z.object({
  /** comments (and gifts) per socket per 5 s, and per client address per 5 s */
  per_socket_5s: z.number().int().min(1).max(1000).default(5),
  per_address_5s: z.number().int().min(1).max(100_000).default(20),
  /** new socket.io connections per client address per minute, and open ones per address at once */
  connects_per_minute: z.number().int().min(1).max(100_000).default(60),
  sockets_per_address: z.number().int().min(1).max(100_000).default(50),
  /** refusals (rate limit, bad payload) a socket may collect in a minute before it is dropped */
  strikes_to_drop: z.number().int().min(1).max(10_000).default(30),
}).loose();

/** live rooms (issue 13, core/rooms/rooms.ts) */
export const RoomsConfigSchema = z.object({
  /** a room whose publisher dropped is paused (2) this long, then ended (3), seconds */
  pause_s: z.number().min(0).max(86_400).default(60),
}).loose();

/**
 * Disconnect protection (issue 14, core/slate): when a protected stream's publisher drops, after `after_ms` the
 * stream continues with a slate (a still card + silence at the source's parameters) for up to `max_s`.
 * `enabled`: 'auto' = on for a stream while an enabled destination feeds from it; true/false = for every stream.
 * `image`: an absolute path to a PNG/JPEG; default: a generated card (shapes, no text: no font needed).
 */
const SlateEnabledSchema = z.union([z.literal('auto'), z.boolean()]);
/** per app / per stream protection: a stream's entry wins over its app's, which wins over `slate.enabled` */
const SlateOverrideSchema = z.object({ enabled: SlateEnabledSchema }).loose();
export const SlateConfigSchema = z.object({
  enabled: SlateEnabledSchema.default('auto'),
  after_ms: z.number().int().min(0).max(60_000).default(1500),
  max_s: z.number().min(1).max(86_400).default(600),
  image: z.string().refine((v) => path.isAbsolute(v), 'must be an absolute path').optional(),
  /** by app name: { live: { enabled: true } } */
  apps: z.record(z.string(), SlateOverrideSchema).default({}),
  /** by stream path: { '/live/studio': { enabled: false } } */
  streams: z.record(z.string(), SlateOverrideSchema).default({}),
}).loose();
export type SlateEnabled = z.infer<typeof SlateEnabledSchema>;

/** Whether a stream is protected by the slate: `slate.streams[path]` > `slate.apps[app]` > `slate.enabled`. */
export function slateEnabledFor(slate: z.infer<typeof SlateConfigSchema>, app: string, name: string): SlateEnabled {
  return slate.streams[`/${app}/${name}`]?.enabled ?? slate.apps[app]?.enabled ?? slate.enabled;
}

export const ConfigSchema = z.object({
  /** interface every listener binds unless rtmp.host / http.host say otherwise */
  host: z.string().default('127.0.0.1'),
  rtmp: RtmpConfigSchema.default(() => RtmpConfigSchema.parse({})),
  http: HttpConfigSchema.default(() => HttpConfigSchema.parse({})),
  https: HttpsConfigSchema.optional(),
  rtmps: RtmpsConfigSchema.optional(),
  auth: AuthConfigSchema.default(() => AuthConfigSchema.parse({})),
  webhooks: z.array(WebhookSchema).default([]),
  hls: HlsConfigSchema.default(() => HlsConfigSchema.parse({})),
  record: RecordConfigSchema.default(() => RecordConfigSchema.parse({})),
  player_queue: PlayerQueueSchema.default(() => PlayerQueueSchema.parse({})),
  gop_limits: GopCacheLimitsSchema.default(() => GopCacheLimitsSchema.parse({})),
  jobs: JobsConfigSchema.default(() => JobsConfigSchema.parse({})),
  net: NetConfigSchema.default(() => NetConfigSchema.parse({})),
  limits: LimitsConfigSchema.default(() => LimitsConfigSchema.parse({})),
  /** folder for the database, recordings and media (defaults to the OS app-data folder) */
  data_dir: z.string().optional(),
  ffmpeg: z.string().optional(),
  ffprobe: z.string().optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** NMS 2.x sections, accepted and kept for the features that read them */
  trans: z.object({ ffmpeg: z.string().optional(), tasks: z.array(z.record(z.string(), z.unknown())).default([]) }).loose().optional(),
  relay: RelayConfigSchema.optional(),
  /** NMS 2.x live transcoding, accepted unchanged and run as a bitrate ladder (core/ladder-config.ts) */
  fission: FissionConfigSchema.optional(),
  /** the live bitrate ladder (issue 12): per app / per stream settings, on-demand start, the encoder */
  ladder: LadderConfigSchema.default(() => LadderConfigSchema.parse({})),
  /** live rooms: how long a dropped room stays paused before it ends */
  rooms: RoomsConfigSchema.default(() => RoomsConfigSchema.parse({})),
  /** socket.io chat bounds (core/rooms/chat.ts) */
  chat: ChatConfigSchema.default(() => ChatConfigSchema.parse({})),
  /** disconnect protection: the slate (core/slate) */
  slate: SlateConfigSchema.default(() => SlateConfigSchema.parse({})),
  /** scale-out (issue 15): a cluster node when `cluster.redis` is set (core/cluster) */
  cluster: ClusterConfigSchema.optional(),
  /** object storage for recordings, DVR and VOD outputs (core/storage) */
  storage: StorageConfigSchema.default(() => StorageConfigSchema.parse({})),
}).loose();

export type OnAirConfigInput = z.input<typeof ConfigSchema>;
export type OnAirConfig = z.output<typeof ConfigSchema> & { data_dir: string };

/** The OS app-data folder for this app, or ONAIR_DATA_DIR. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ONAIR_DATA_DIR) return path.resolve(env.ONAIR_DATA_DIR);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'OnAir Studio');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'OnAir Studio');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'onair-studio');
}

/** Validate a config object (ours or NMS 2.x). A bad value throws CONFIG naming the key. */
export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): OnAirConfig {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    const key = first.path.join('.') || '(root)';
    throw new OnAirError('CONFIG', `invalid config at "${key}": ${first.message}`);
  }
  const cfg = result.data;
  const dataDir = env.ONAIR_DATA_DIR ? path.resolve(env.ONAIR_DATA_DIR) : cfg.data_dir ? path.resolve(cfg.data_dir) : defaultDataDir(env);
  if (cfg.auth.publish || cfg.auth.play) {
    if (!cfg.auth.secret) throw new OnAirError('CONFIG', 'invalid config at "auth.secret": required when auth.publish or auth.play is on');
  }
  if (cfg.jobs.queue === 'bullmq' && !cfg.jobs.bullmq.redis && !cfg.cluster?.redis) {
    throw new OnAirError('CONFIG', 'invalid config at "jobs.bullmq.redis": jobs.queue "bullmq" needs a Redis (jobs.bullmq.redis or cluster.redis)');
  }
  // auth.api without api_pass/api_token: the studio generates a token at first start (data folder, 0600)
  return { ...cfg, data_dir: dataDir };
}

export function loadConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new OnAirError('CONFIG', `cannot read config file ${file}: ${(e as Error).message}`, e);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new OnAirError('CONFIG', `config file ${file} is not valid JSON: ${(e as Error).message}`, e);
  }
}

/** Where media files (HLS, recordings, transcodes) go: http.mediaroot if set, else <data_dir>/media. */
export function mediaRoot(cfg: OnAirConfig): string {
  return cfg.http.mediaroot ? path.resolve(cfg.http.mediaroot) : path.join(cfg.data_dir, 'media');
}

import { z } from 'zod';
import { FfmpegInfoSchema, LogRecordSchema, NameSchema, PortsSchema, StreamInfoSchema, StreamRefSchema } from './common';
import { destinationCommands } from './destinations';
import { relayCommands } from './relays';
import { ladderCommands } from './ladder';
import { chatCommands, keyRoomCommands } from './rooms';
import { JobIdSchema, jobCommands } from './jobs';
import { recordingCommands } from './recordings';
import { healthCommands } from './health';
import { storageCommands } from './storage';
import { clusterCommands } from './cluster';
import { SettingsPatchSchema, SettingsSchema } from './settings';
import { ServerStatsSchema } from './stats';

/** Commands: name -> { args, result }. Arguments are validated before anything reaches the core. */

const NoArgs = z.strictObject({}).optional();

export const ServerStatusSchema = z.object({
  version: z.string(),
  /** seconds since the listeners started */
  uptime: z.number(),
  ports: PortsSchema.nullable(),
  stats: ServerStatsSchema,
  ffmpeg: FfmpegInfoSchema.nullable(),
  data_dir: z.string(),
  live: z.number().int(),
  /** 'electron' when the core runs inside the desktop app, else 'headless' */
  mode: z.enum(['electron', 'headless']),
});
export type ServerStatus = z.infer<typeof ServerStatusSchema>;

export const ConfigSetResultSchema = z.object({
  settings: SettingsSchema,
  /** listeners that were restarted to apply the change */
  restarted: z.array(z.enum(['rtmp', 'http', 'https'])),
  ports: PortsSchema.nullable(),
  /** where the settings were saved */
  saved_to: z.string().nullable(),
});
export type ConfigSetResult = z.infer<typeof ConfigSetResultSchema>;

export const StreamUrlsSchema = z.object({
  /** what OBS calls "Server" */
  rtmp_server: z.string(),
  /** what OBS calls "Stream Key" (signed when publish signing is on); "" when `keys` (a key from keys.* is needed) */
  stream_key: z.string(),
  /** auth.keys is on: only a stream key from the Keys page publishes (this stream's name is not one) */
  keys: z.boolean(),
  http_flv: z.string(),
  ws_flv: z.string(),
  /** HLS (MPEG-TS) playlist; null when HLS is off for the stream's app */
  hls: z.string().nullable(),
  /** LL-HLS (fMP4 parts) playlist; null when LL-HLS is off */
  ll_hls: z.string().nullable(),
  /** DASH manifest; null when DASH is off */
  dash: z.string().nullable(),
});
export type StreamUrls = z.infer<typeof StreamUrlsSchema>;

export const KickResultSchema = z.object({ kicked: z.string() });

/** A file to show in the OS file manager (the desktop app does; a browser panel shows the path). */
export const RevealResultSchema = z.object({ file: z.string(), folder: z.string() });

export const commands = {
  'server.status': { args: NoArgs, result: ServerStatusSchema },
  'server.config.get': { args: NoArgs, result: SettingsSchema },
  'server.config.set': { args: SettingsPatchSchema, result: ConfigSetResultSchema },
  'streams.list': { args: NoArgs, result: z.array(StreamInfoSchema) },
  'streams.get': { args: StreamRefSchema, result: StreamInfoSchema },
  /** URLs for OBS and players; `host` is how the caller reaches this machine (default: the bind address) */
  'streams.urls': {
    args: z.strictObject({
      app: NameSchema,
      name: NameSchema,
      host: z.string().max(255).regex(/^[A-Za-z0-9.:_[\]-]+$/, 'not a host name or address').optional(),
    }),
    result: StreamUrlsSchema,
  },
  /** disconnect the publisher of a stream */
  'streams.kick': { args: StreamRefSchema, result: KickResultSchema },
  /** disconnect one session (player or publisher) by id */
  'sessions.kick': { args: z.strictObject({ id: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'not a session id') }), result: KickResultSchema },
  'logs.tail': {
    args: z
      .strictObject({
        limit: z.number().int().min(1).max(1000).optional(),
        /** minimum pino level (10 trace … 60 fatal) */
        level: z.number().int().min(0).max(100).optional(),
      })
      .optional(),
    result: z.array(LogRecordSchema),
  },
  /** the token media URLs under /api take as ?token= (thumbnails, recordings); null when the API gate is off */
  'server.panelToken': { args: NoArgs, result: z.object({ token: z.string().nullable() }) },
  ...recordingCommands,
  ...jobCommands,
  ...destinationCommands,
  ...relayCommands,
  ...ladderCommands,
  ...keyRoomCommands,
  ...chatCommands,
  ...healthCommands,
  ...storageCommands,
  ...clusterCommands,
  /** a finished job's output folder (file: its master playlist) */
  'jobs.reveal': { args: z.strictObject({ id: JobIdSchema }), result: RevealResultSchema },
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandArgs<K extends CommandName> = z.input<Commands[K]['args']>;
export type CommandParsedArgs<K extends CommandName> = z.output<Commands[K]['args']>;
export type CommandResult<K extends CommandName> = z.output<Commands[K]['result']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(s: unknown): s is CommandName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(commands, s);
}

import { z } from 'zod';

/**
 * The settings the panel edits: a view of the studio config (core/config.ts) with only the keys a user
 * changes from the Settings page. `server.config.set` takes a deep-partial patch of this.
 */

const port = z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
const hostName = z.string().trim().min(1, 'required').max(255).regex(/^[A-Za-z0-9.:_-]+$/, 'not a host name or address');

export const HttpsSettingsSchema = z.strictObject({
  port,
  key: z.string().trim().min(1, 'path to the key file is required'),
  cert: z.string().trim().min(1, 'path to the certificate file is required'),
});

export const AuthSettingsSchema = z.strictObject({
  publish: z.boolean(),
  play: z.boolean(),
  /** only known, enabled stream keys may publish (config auth.keys) */
  keys: z.boolean(),
  secret: z.string().max(256),
  api: z.boolean(),
  api_user: z.string().max(128),
  api_pass: z.string().max(256),
  api_token: z.string().max(256),
});

const num = z.number({ error: 'must be a number' });

/** Live HLS / LL-HLS / DASH (config `hls.*`); a change applies to streams published after it. */
export const HlsSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  ll: z.boolean(),
  dash: z.boolean(),
  segment_seconds: num.min(0.5, 'must be 0.5–30').max(30, 'must be 0.5–30'),
});

/** Recording retention (config `record.*`); 0 = no limit. */
export const RecordSettingsSchema = z.strictObject({
  max_age_days: num.min(0, 'must be 0 or more').max(36_500, 'at most 36500'),
  max_total_mb: num.min(0, 'must be 0 or more').max(1e9, 'too large'),
});

/**
 * Disconnect protection (config `slate.*`, issue 14): 'auto' protects streams feeding a destination. `image`:
 * an absolute path to a PNG or JPEG on the server ("" = the built-in card); the server checks it exists.
 */
export const SlateSettingsSchema = z.strictObject({
  enabled: z.union([z.literal('auto'), z.boolean()]),
  after_ms: num.int('must be whole milliseconds').min(0, 'must be 0–60000').max(60_000, 'must be 0–60000'),
  max_s: num.min(1, 'must be 1–86400').max(86_400, 'must be 1–86400'),
  image: z.string().max(4096),
});

const SettingsObject = z.strictObject({
  host: hostName,
  rtmp: z.strictObject({ port, gop_cache: z.boolean() }),
  http: z.strictObject({ port }),
  /** null = HTTPS off */
  https: HttpsSettingsSchema.nullable(),
  auth: AuthSettingsSchema,
  /** folder for recordings and media (http.mediaroot); "" = <data folder>/media */
  storage_dir: z.string().max(4096),
  /** ffmpeg binary; "" = find it automatically */
  ffmpeg: z.string().max(4096),
  hls: HlsSettingsSchema,
  record: RecordSettingsSchema,
  slate: SlateSettingsSchema,
});

/** Complete settings, with the rules that span fields. */
export const SettingsSchema = SettingsObject.superRefine((s, ctx) => {
  if ((s.auth.publish || s.auth.play) && !s.auth.secret) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'secret'], message: 'a secret is required when publish or play signing is on' });
  }
  if (s.auth.api && !s.auth.api_pass && !s.auth.api_token) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'api_pass'], message: 'set a password or a token when the API gate is on' });
  }
  if (s.https && s.https.port !== 0 && s.https.port === s.http.port) {
    ctx.addIssue({ code: 'custom', path: ['https', 'port'], message: 'HTTPS and HTTP cannot share a port' });
  }
  if (s.rtmp.port !== 0 && s.rtmp.port === s.http.port) {
    ctx.addIssue({ code: 'custom', path: ['http', 'port'], message: 'HTTP and RTMP cannot share a port' });
  }
});
export type Settings = z.infer<typeof SettingsSchema>;

/** What `server.config.set` accepts: any subset of the settings, unknown keys refused. */
export const SettingsPatchSchema = z.strictObject({
  host: hostName.optional(),
  rtmp: SettingsObject.shape.rtmp.partial().optional(),
  http: SettingsObject.shape.http.partial().optional(),
  https: HttpsSettingsSchema.nullable().optional(),
  auth: AuthSettingsSchema.partial().optional(),
  storage_dir: SettingsObject.shape.storage_dir.optional(),
  ffmpeg: SettingsObject.shape.ffmpeg.optional(),
  hls: HlsSettingsSchema.partial().optional(),
  record: RecordSettingsSchema.partial().optional(),
  slate: SlateSettingsSchema.partial().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/** Apply a patch to complete settings (one level of nesting, `https: null` turns HTTPS off). */
export function mergeSettings(base: Settings, patch: SettingsPatch): Settings {
  return {
    host: patch.host ?? base.host,
    rtmp: { ...base.rtmp, ...patch.rtmp },
    http: { ...base.http, ...patch.http },
    https: patch.https === undefined ? base.https : patch.https,
    auth: { ...base.auth, ...patch.auth },
    storage_dir: patch.storage_dir ?? base.storage_dir,
    ffmpeg: patch.ffmpeg ?? base.ffmpeg,
    hls: { ...base.hls, ...patch.hls },
    record: { ...base.record, ...patch.record },
    slate: { ...base.slate, ...patch.slate },
  };
}

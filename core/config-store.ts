import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OnAirConfig } from './config';
import { defaultDataDir } from './config';
import type { Settings, SettingsPatch } from './contract/settings';
import { OnAirError } from './errors';

/**
 * The Settings page's view of the config, and where its changes are kept: <data_dir>/config.json holds
 * the keys the user changed (NMS-style config keys, so the file is itself a valid `--config` file).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const SAVED_CONFIG_FILE = 'config.json';

/** How a secret is shown to clients: never whole, only its last 4 characters ("" stays ""). */
export function maskSecret(v: string): string {
  return v ? `••••${v.length > 8 ? v.slice(-4) : ''}` : '';
}

/** Whether a settings value is a mask we handed out (sending it back means "unchanged"). */
export function isMask(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('••••');
}

/** The settings as answered to clients: secrets masked (see settingsOf for the real values). */
export function publicSettingsOf(cfg: OnAirConfig): Settings {
  const s = settingsOf(cfg);
  return { ...s, auth: { ...s.auth, secret: maskSecret(s.auth.secret), api_pass: maskSecret(s.auth.api_pass), api_token: maskSecret(s.auth.api_token) } };
}

export function settingsOf(cfg: OnAirConfig): Settings {
  const a = cfg.auth;
  return {
    host: cfg.host,
    rtmp: { port: cfg.rtmp.port, gop_cache: cfg.rtmp.gop_cache },
    http: { port: cfg.http.port },
    https: cfg.https ? { port: cfg.https.port, key: cfg.https.key, cert: cfg.https.cert } : null,
    auth: { publish: a.publish, play: a.play, keys: a.keys, secret: a.secret, api: a.api, api_user: a.api_user, api_pass: a.api_pass, api_token: a.api_token ?? '' },
    storage_dir: cfg.http.mediaroot ?? '',
    ffmpeg: cfg.ffmpeg ?? '',
    hls: { enabled: cfg.hls.enabled, ll: cfg.hls.ll, dash: cfg.hls.dash, segment_seconds: cfg.hls.segment_seconds },
    record: { max_age_days: cfg.record.max_age_days, max_total_mb: cfg.record.max_total_mb },
    slate: { enabled: cfg.slate.enabled, after_ms: cfg.slate.after_ms, max_s: cfg.slate.max_s, image: cfg.slate.image ?? '' },
  };
}

/** The config keys a settings patch touches (`https: null` means "HTTPS off"). */
export function configPatchOf(p: SettingsPatch): Obj {
  const out: Obj = {};
  if (p.host !== undefined) out.host = p.host;
  if (p.rtmp && Object.keys(p.rtmp).length) out.rtmp = { ...p.rtmp };
  const http: Obj = { ...p.http };
  if (p.storage_dir !== undefined) http.mediaroot = p.storage_dir;
  if (Object.keys(http).length) out.http = http;
  if (p.https !== undefined) out.https = p.https;
  if (p.auth && Object.keys(p.auth).length) out.auth = { ...p.auth };
  if (p.ffmpeg !== undefined) out.ffmpeg = p.ffmpeg;
  if (p.hls && Object.keys(p.hls).length) out.hls = { ...p.hls };
  if (p.record && Object.keys(p.record).length) out.record = { ...p.record };
  // slate.image "" = the built-in card (the config key is left out)
  if (p.slate && Object.keys(p.slate).length) out.slate = { ...p.slate, ...(p.slate.image === '' ? { image: undefined } : {}) };
  return out;
}

/** Lay config keys over a config object: sections merge one level deep, `null` removes a section. */
export function overlayConfig(base: unknown, patch: Obj): Obj {
  const out: Obj = isObj(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = { ...(out[k] as Obj), ...v };
    else out[k] = v;
  }
  return out;
}

function dataDirOf(base: unknown, env: NodeJS.ProcessEnv): string {
  if (env.ONAIR_DATA_DIR) return path.resolve(env.ONAIR_DATA_DIR);
  const d = isObj(base) ? base.data_dir : undefined;
  return typeof d === 'string' && d ? path.resolve(d) : defaultDataDir(env);
}

export function savedConfigPath(dataDir: string): string {
  return path.join(dataDir, SAVED_CONFIG_FILE);
}

function readSaved(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    return isObj(v) ? v : {};
  } catch (e) {
    throw new OnAirError('CONFIG', `saved settings ${file} are not valid JSON: ${(e as Error).message}`, e);
  }
}

/** The startup config: `base` (defaults or --config file) with the settings saved from the panel on top. */
export function withSavedSettings(base: unknown, env: NodeJS.ProcessEnv = process.env): Obj {
  return overlayConfig(base, readSaved(savedConfigPath(dataDirOf(base, env))));
}

/** Add the keys of `patch` to <dataDir>/config.json (written atomically, owner-only: it may hold secrets). */
export function saveConfigPatch(dataDir: string, patch: Obj): string {
  const file = savedConfigPath(dataDir);
  const next = overlayConfig(readSaved(file), patch);
  for (const [k, v] of Object.entries(patch)) if (v === null) next[k] = null;
  mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

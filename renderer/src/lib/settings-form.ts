import type { Settings, SettingsPatch } from '../../../core/contract';

/** Disconnect protection (issue 14, settings `slate`): 'auto' = on while a destination is live. */
export type SlateMode = 'auto' | 'always' | 'off';
const modeOf = (e: Settings['slate']['enabled']): SlateMode => (e === true ? 'always' : e === false ? 'off' : 'auto');

/** The Settings form holds strings for every text/number input and booleans for switches. */
export interface SettingsForm {
  host: string;
  rtmpPort: string;
  httpPort: string;
  httpsOn: boolean;
  httpsPort: string;
  httpsKey: string;
  httpsCert: string;
  gop: boolean;
  publish: boolean;
  play: boolean;
  keys: boolean;
  secret: string;
  api: boolean;
  apiUser: string;
  apiPass: string;
  apiToken: string;
  storage: string;
  ffmpeg: string;
  hlsOn: boolean;
  llOn: boolean;
  dashOn: boolean;
  segSeconds: string;
  maxAgeDays: string;
  maxTotalMb: string;
  slateMode: SlateMode;
  slateAfter: string;
  slateMax: string;
  slateImage: string;
}

export function formOf(s: Settings): SettingsForm {
  return {
    host: s.host,
    rtmpPort: String(s.rtmp.port),
    httpPort: String(s.http.port),
    httpsOn: s.https !== null,
    httpsPort: String(s.https?.port ?? 8443),
    httpsKey: s.https?.key ?? '',
    httpsCert: s.https?.cert ?? '',
    gop: s.rtmp.gop_cache,
    publish: s.auth.publish,
    play: s.auth.play,
    keys: s.auth.keys,
    secret: s.auth.secret,
    api: s.auth.api,
    apiUser: s.auth.api_user,
    apiPass: s.auth.api_pass,
    apiToken: s.auth.api_token,
    storage: s.storage_dir,
    ffmpeg: s.ffmpeg,
    hlsOn: s.hls.enabled,
    llOn: s.hls.ll,
    dashOn: s.hls.dash,
    segSeconds: String(s.hls.segment_seconds),
    maxAgeDays: String(s.record.max_age_days),
    maxTotalMb: String(s.record.max_total_mb),
    slateMode: modeOf(s.slate.enabled),
    slateAfter: String(s.slate.after_ms),
    slateMax: String(s.slate.max_s),
    slateImage: s.slate.image,
  };
}

/** A number when the text is one; otherwise the text itself, so the contract says what is wrong with it. */
function num(v: string): number {
  const t = v.trim();
  return (t !== '' && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t) as number;
}

/** Only what changed, as a `server.config.set` patch. */
export function patchOf(orig: Settings, f: SettingsForm): SettingsPatch {
  const p: SettingsPatch = {};
  const o = formOf(orig);
  if (f.host !== o.host) p.host = f.host;
  const rtmp: NonNullable<SettingsPatch['rtmp']> = {};
  if (f.rtmpPort !== o.rtmpPort) rtmp.port = num(f.rtmpPort);
  if (f.gop !== o.gop) rtmp.gop_cache = f.gop;
  if (Object.keys(rtmp).length) p.rtmp = rtmp;
  if (f.httpPort !== o.httpPort) p.http = { port: num(f.httpPort) };
  if (!f.httpsOn && o.httpsOn) p.https = null;
  else if (f.httpsOn && (!o.httpsOn || f.httpsPort !== o.httpsPort || f.httpsKey !== o.httpsKey || f.httpsCert !== o.httpsCert)) {
    p.https = { port: num(f.httpsPort), key: f.httpsKey, cert: f.httpsCert };
  }
  const auth: NonNullable<SettingsPatch['auth']> = {};
  if (f.publish !== o.publish) auth.publish = f.publish;
  if (f.play !== o.play) auth.play = f.play;
  if (f.keys !== o.keys) auth.keys = f.keys;
  if (f.secret !== o.secret) auth.secret = f.secret;
  if (f.api !== o.api) auth.api = f.api;
  if (f.apiUser !== o.apiUser) auth.api_user = f.apiUser;
  if (f.apiPass !== o.apiPass) auth.api_pass = f.apiPass;
  if (f.apiToken !== o.apiToken) auth.api_token = f.apiToken;
  if (Object.keys(auth).length) p.auth = auth;
  // storage_dir and ffmpeg are never sent: the core refuses them over the contract (native picker / config file only)
  const hls: NonNullable<SettingsPatch['hls']> = {};
  if (f.hlsOn !== o.hlsOn) hls.enabled = f.hlsOn;
  if (f.llOn !== o.llOn) hls.ll = f.llOn;
  if (f.dashOn !== o.dashOn) hls.dash = f.dashOn;
  if (f.segSeconds !== o.segSeconds) hls.segment_seconds = num(f.segSeconds);
  if (Object.keys(hls).length) p.hls = hls;
  const record: NonNullable<SettingsPatch['record']> = {};
  if (f.maxAgeDays !== o.maxAgeDays) record.max_age_days = num(f.maxAgeDays);
  if (f.maxTotalMb !== o.maxTotalMb) record.max_total_mb = num(f.maxTotalMb);
  if (Object.keys(record).length) p.record = record;
  const slate: NonNullable<SettingsPatch['slate']> = {};
  if (f.slateMode !== o.slateMode) slate.enabled = f.slateMode === 'auto' ? 'auto' : f.slateMode === 'always';
  if (f.slateAfter !== o.slateAfter) slate.after_ms = num(f.slateAfter);
  if (f.slateMax !== o.slateMax) slate.max_s = num(f.slateMax);
  // "" = the built-in card
  if (f.slateImage !== o.slateImage) slate.image = f.slateImage.trim();
  if (Object.keys(slate).length) p.slate = slate;
  return p;
}

/** Contract issue paths -> form field names. */
export const FIELD_OF_PATH: Record<string, keyof SettingsForm> = {
  host: 'host',
  'rtmp.port': 'rtmpPort',
  'http.port': 'httpPort',
  https: 'httpsPort',
  'https.port': 'httpsPort',
  'https.key': 'httpsKey',
  'https.cert': 'httpsCert',
  'auth.secret': 'secret',
  'auth.api_pass': 'apiPass',
  'auth.api_user': 'apiUser',
  'auth.api_token': 'apiToken',
  storage_dir: 'storage',
  ffmpeg: 'ffmpeg',
  'hls.segment_seconds': 'segSeconds',
  'record.max_age_days': 'maxAgeDays',
  'record.max_total_mb': 'maxTotalMb',
  slate: 'slateAfter',
  'slate.enabled': 'slateMode',
  'slate.after_ms': 'slateAfter',
  'slate.max_s': 'slateMax',
  'slate.image': 'slateImage',
};

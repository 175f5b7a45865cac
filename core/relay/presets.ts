import net from 'node:net';
import { OnAirError, fieldError } from '../errors';
import { systemResolver, type Resolver } from '../net/outbound';
import { PLATFORM_PRESETS, type PlatformPreset } from '../contract/platforms';
import type { Platform } from './types';

/**
 * Platform presets for restream destinations (issue 11, "Platform facts") and the one validator every
 * transport uses before anything is saved. A refusal is an OnAirError VALIDATION whose message the user can
 * act on; nothing reaches the store or the supervisor unless validateDestination() accepted it.
 */

export type { IngestChoice, PlatformPreset } from '../contract/platforms';
export { TWITCH_AUTO_HOST } from '../contract/platforms';

/** The presets' data lives in core/contract/platforms.ts (the panel's form reads the same object). */
export const PRESETS: Readonly<Record<Platform, PlatformPreset>> = PLATFORM_PRESETS;

export const PLATFORMS = Object.keys(PRESETS) as Platform[];

export const NAME_MAX = 64;
export const URL_MAX = 2048;
export const KEY_MAX = 512;

// whitespace (ASCII and Unicode) and control characters: never part of a key or a URL
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/u;

const invalid = fieldError;

/** A display name: 1–64 characters, no control characters; surrounding spaces are trimmed. */
export function validateName(raw: string): string {
  const name = raw.trim();
  if (!name) throw invalid('name', 'the name is empty');
  if ([...name].length > NAME_MAX) throw invalid('name', `the name is too long (at most ${NAME_MAX} characters)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw invalid('name', 'the name contains control characters');
  return name;
}

/**
 * A stream key: data, never an option or a shell word (a leading '-' is fine: it goes into an AMF string,
 * never an argv). No spaces or control characters; at most 512 characters.
 */
export function validateKey(key: string): string {
  if (!key) throw invalid('key', 'the stream key is empty');
  if (key.length > KEY_MAX) throw invalid('key', `the stream key is too long (at most ${KEY_MAX} characters)`);
  if (SPACE_OR_CONTROL.test(key)) throw invalid('key', 'the stream key contains spaces or control characters (copy it again from the platform)');
  return key;
}

/** The server URL for a platform, without the key. Returns the URL as given (trimmed). */
export function validateUrl(platform: Platform, raw: string): URL {
  const text = raw.trim();
  if (!text) throw invalid('url', 'the server URL is empty');
  if (text.length > URL_MAX) throw invalid('url', `the server URL is too long (at most ${URL_MAX} characters)`);
  if (SPACE_OR_CONTROL.test(text)) throw invalid('url', 'the server URL contains spaces or control characters');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw invalid('url', 'the server URL is not a URL (expected rtmp://host/app or rtmps://host/app)');
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== 'rtmp' && scheme !== 'rtmps') throw invalid('url', `the server URL must start with rtmp:// or rtmps:// (not ${scheme}://)`);
  const preset = PRESETS[platform];
  if (!preset.schemes.includes(scheme)) {
    throw invalid('url', `${preset.label} accepts RTMPS only: use rtmps://${preset.defaultUrl ? preset.defaultUrl.slice('rtmps://'.length) : '…'}`);
  }
  if (u.username || u.password) throw invalid('url', 'the server URL must not carry a user name or password (put the key in the stream key field)');
  if (!u.hostname) throw invalid('url', 'the server URL has no host');
  if (u.hash) throw invalid('url', 'the server URL must not have a #fragment');
  return u;
}

/** Host name of a URL as the resolver wants it (IPv6 brackets removed). */
function bareHost(u: URL): string {
  return u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
}

/**
 * The host must resolve (within `timeoutMs`). Loopback and private addresses are allowed: the user
 * configures destinations (an nginx on this machine, a LAN relay), unlike URLs from requests.
 */
export async function checkHostResolves(u: URL, resolver: Resolver = systemResolver, timeoutMs = 3000): Promise<void> {
  const host = bareHost(u);
  if (net.isIP(host)) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, rej) => {
    timer = setTimeout(() => rej(invalid('url', `the host ${host} did not resolve within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  try {
    const found = await Promise.race([resolver(host), timeout]);
    if (!found.length) throw invalid('url', `the host ${host} does not resolve`);
  } catch (e) {
    if (e instanceof OnAirError) throw e;
    throw invalid('url', `the host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

export interface DestinationInput {
  name: string;
  platform: Platform;
  url: string;
  key: string;
}

export interface ValidateOptions {
  resolver?: Resolver;
  /** how long a name lookup may take (default 3 s) */
  dnsTimeoutMs?: number;
}

/** Validate a whole destination (name, URL for its platform, key, host resolves); returns it normalized. */
export async function validateDestination<T extends DestinationInput>(d: T, opts: ValidateOptions = {}): Promise<T> {
  const name = validateName(d.name);
  const u = validateUrl(d.platform, d.url);
  const key = validateKey(d.key);
  await checkHostResolves(u, opts.resolver, opts.dnsTimeoutMs);
  return { ...d, name, url: d.url.trim(), key };
}

import type { OnAirConfig } from '../config';
import { makeSign } from './sign';

/**
 * Recordings, DVR and job outputs live under /YYYY/MM/DD/<id>/<file>. With auth.play on they are signed like
 * streams: one sign for the folder `/YYYY/MM/DD/<id>` (so a playlist's segments share it), valid for
 * MEDIA_SIGN_DAYS from when the link was handed out.
 */
export const MEDIA_SIGN_DAYS = 30;

const FOLDER = /^(\/\d{4}\/\d{2}\/\d{2}\/[A-Za-z0-9_-]{1,64})(?:\/|$)/;

/** The signed resource of a media URL path: its /YYYY/MM/DD/<id> folder, or null when it is not one. */
export function mediaFolder(urlPath: string): string | null {
  return FOLDER.exec(urlPath)?.[1] ?? null;
}

/** Add `?sign=` to a media URL (absolute or a path) when auth.play is on; unchanged otherwise. */
export function signMediaUrl(cfg: OnAirConfig, url: string, nowSec = Math.floor(Date.now() / 1000)): string {
  if (!cfg.auth.play) return url;
  const m = /^(https?:\/\/[^/]+)?(\/[^?#]*)$/.exec(url);
  const folder = m ? mediaFolder(m[2]) : null;
  if (!folder) return url;
  return `${url}?sign=${makeSign(folder, nowSec + MEDIA_SIGN_DAYS * 86_400, cfg.auth.secret)}`;
}

/** Carry a playlist's query (sign or token) onto every URI line it lists, so its segments pass the same check. */
export function suffixPlaylistUris(text: string, suffix: string): string {
  if (!suffix) return text;
  return text
    .split('\n')
    .map((line) => {
      const l = line.trimEnd();
      if (l && !l.startsWith('#') && !l.includes('?')) return `${l}${suffix}`;
      return line.replace(/URI="([^"?]+)"/g, (_m, u: string) => `URI="${u}${suffix}"`);
    })
    .join('\n');
}

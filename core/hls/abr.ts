import type { OnAirConfig } from '../config';
import { makeSign, verifySign } from '../auth/sign';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import type { HlsManager } from './hls-manager';
import type { LiveHls } from './live-hls';

/**
 * The variants of an ABR set (issue 12): the source `/app/NAME` and every live stream `/app/NAME_<digits>` of
 * the same app (its ladder rungs, NMS "fission" naming), each with what its master-playlist line says, measured
 * on the real stream: RESOLUTION and CODECS from its codec configuration (the AVC record's profile /
 * constraints / level, the AAC object type), FRAME-RATE from its metadata (else the measured rate), BANDWIDTH /
 * AVERAGE-BANDWIDTH from the sizes of its real HLS segments (peak / mean), else from its measured bitrate.
 */

export interface AbrSource {
  stream: Stream;
  hls: LiveHls;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The live source and its live rungs (source first), each with its HLS muxer; null when the source is not live. */
export function abrMembers(registry: StreamRegistry, manager: HlsManager, sourcePath: string): AbrSource[] | null {
  const src = registry.get(sourcePath);
  const srcHls = manager.get(sourcePath);
  if (!src || src.internal || src.publisher === null || !srcHls || srcHls.ended) return null;
  const rung = new RegExp(`^${escapeRe(src.name)}_\\d+$`);
  const out: AbrSource[] = [{ stream: src, hls: srcHls }];
  for (const s of registry.live()) {
    if (s.app !== src.app || !rung.test(s.name)) continue;
    const hls = manager.get(s.path);
    if (hls && !hls.ended) out.push({ stream: s, hls });
  }
  return out;
}

/** "avc1.64001f,mp4a.40.2" from the stream's codec configurations ('' when nothing is known). */
export function codecsOf(stream: Stream, hls?: LiveHls): string {
  const v = stream.videoInfo ?? hls?.videoInfo ?? null;
  const a = stream.audioInfo ?? hls?.audioInfo ?? null;
  const parts: string[] = [];
  if (v) parts.push(v.codecString ?? (v.codec === 'HEVC' ? 'hvc1' : 'avc1'));
  if (a) parts.push(a.codecString ?? (a.codec === 'AAC' ? 'mp4a.40.2' : a.codec.toLowerCase()));
  return parts.join(',');
}

/** Frames per second: the publisher's metadata, else the measured rate (null when unknown). */
export function fpsOf(stream: Stream): number | null {
  const meta = stream.metaFields.framerate;
  if (typeof meta === 'number' && meta > 0 && meta < 1000) return meta;
  const rate = stream.video.rate;
  return rate > 0 ? Math.round(rate * 1000) / 1000 : null;
}

export interface Bandwidth {
  /** bits/s: the peak segment bitrate */
  peak: number;
  /** bits/s: the mean over the segments */
  average: number;
}

/** Peak and mean bitrate of the segments (size, ms); a very short segment counts as half a segment long. */
export function segmentBandwidth(segs: ReadonlyArray<{ bytes: number; duration: number }>, segmentMs: number): Bandwidth | null {
  const done = segs.filter((s) => s.duration > 0 && s.bytes > 0);
  if (!done.length) return null;
  let bytes = 0;
  let ms = 0;
  let peak = 0;
  for (const s of done) {
    bytes += s.bytes;
    ms += s.duration;
    peak = Math.max(peak, (s.bytes * 8000) / Math.max(s.duration, segmentMs / 2));
  }
  const average = Math.round((bytes * 8000) / ms);
  return { peak: Math.max(Math.round(peak), average), average };
}

/** From the stream's real TS segments, else its LL-HLS segments, else its measured audio + video bitrate. */
export function bandwidthOf(stream: Stream, hls: LiveHls): Bandwidth {
  const ms = hls.settings.segmentMs;
  const ts = segmentBandwidth((hls.ts?.segments ?? []).map((s) => ({ bytes: s.data.length, duration: s.duration })), ms);
  if (ts) return ts;
  const ll = !hls.ts && hls.settings.ll ? hls.ll() : null; // never start an LL packager just to measure
  const cmaf = segmentBandwidth((ll?.segments ?? []).filter((s) => s.complete).map((s) => ({ bytes: s.parts.reduce((n, p) => n + p.data.length, 0), duration: s.duration })), ms);
  if (cmaf) return cmaf;
  const rate = Math.round(stream.video.bitrate + stream.audio.bitrate);
  return { peak: Math.max(1, rate), average: Math.max(1, rate) };
}

/** Relative URL from `/app/SOURCE/<master>` to a file of `variantPath` (same app). */
export function variantBase(sourcePath: string, variantPath: string): string {
  return variantPath === sourcePath ? '' : `../${variantPath.split('/')[2]}/`;
}

/**
 * The query a variant's URLs carry, so they pass the same `play` check the master did (auth.play on): a sign
 * is bound to its stream path, so each rung gets a sign of its own with the master's expiry (whoever may watch
 * the source may watch its rungs until then); an API token (the panel) is carried as is.
 */
export function variantSuffix(cfg: OnAirConfig, query: URLSearchParams, sourcePath: string, variantPath: string): string {
  const params: string[] = [];
  // the viewer's session token (honest HLS viewer counts) follows the player onto every variant
  const vs = query.get('vs');
  if (vs && /^[A-Za-z0-9_-]{1,64}$/.test(vs)) params.push(`vs=${vs}`);
  if (cfg.auth.play) {
    const sign = query.get('sign');
    const token = query.get('token');
    if (sign && verifySign(sourcePath, sign, cfg.auth.secret).ok) {
      const expires = Number(sign.slice(0, sign.indexOf('-')));
      params.push(`sign=${encodeURIComponent(variantPath === sourcePath ? sign : makeSign(variantPath, expires, cfg.auth.secret))}`);
    } else if (token) params.push(`token=${encodeURIComponent(token)}`);
  }
  return params.length ? `?${params.join('&')}` : '';
}

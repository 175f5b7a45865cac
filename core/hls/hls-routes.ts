import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDenial } from '../auth/decisions';
import { clientIp, sendError } from '../http/util';
import type { Router } from '../http/router';
import type { ServerContext } from '../context';
import { isValidName } from '../media/stream-path';
import type { HlsManager } from './hls-manager';
import { segmentChunks, type CmafSegmenter } from './cmaf-segmenter';
import type { LiveHls } from './live-hls';
import { dashMpd, llPlaylist, tsPlaylist, type MpdTrack } from './playlists';
import { addTimeRoute, timeUrl } from './time-route';
import { addAbrRoutes, type AbrRouteOptions } from './abr-routes';

/** every segment, part and init name carries the epoch of the packager that made it (see playlists.names) */
const E = '[0-9a-z]{6,24}';
const FILE_RE = String.raw`index\.m3u8|ll\.m3u8|index\.mpd|init-${E}-\d+\.mp4|seg-${E}-\d+\.(?:ts|m4s)|part-${E}-\d+\.\d+\.m4s|dash-[va]-(?:init|seg)-${E}-\d+\.(?:mp4|m4s)`;
const FILE = new RegExp(String.raw`^(index\.m3u8|ll\.m3u8|index\.mpd|init-(${E})-(\d+)\.mp4|seg-(${E})-(\d+)\.(ts|m4s)|part-(${E})-(\d+)\.(\d+)\.m4s|dash-([va])-(init|seg)-(${E})-(\d+)\.(mp4|m4s))$`);
const PLAYLIST_HEADERS = { 'cache-control': 'no-cache, no-store' };
/** only URLs unique for their bytes (epoch in the name) are immutable */
const SEGMENT_HEADERS = { 'cache-control': 'public, max-age=3600, immutable' };

function send(res: ServerResponse, hls: LiveHls, type: string, body: Buffer | Buffer[] | string, headers: Record<string, string>): void {
  const chunks = typeof body === 'string' ? [Buffer.from(body)] : Array.isArray(body) ? body : [body];
  const length = chunks.reduce((n, c) => n + c.length, 0);
  hls.bytes += length;
  res.writeHead(200, { 'content-type': type, 'content-length': length, ...headers });
  if (chunks.length > 1) res.cork();
  for (const c of chunks) res.write(c);
  res.end();
}

const gone = (res: ServerResponse, file: string): void => sendError(res, 404, 'SEGMENT_GONE', `${file} is not available (it left the live window, or belongs to an earlier session)`);

/** told of each playlist request (path, its `vs` session token, client address, how long it stays a viewer): HLS viewers by session */
export type PlaylistSeen = (path: string, vs: string | null, ip: string, windowMs: number) => void;

/** GET /app/stream/{index.m3u8, ll.m3u8, index.mpd, init-E-N.mp4, seg-E-N.ts|m4s, part-E-N.M.m4s, dash-…}, GET /time, and the ABR playlists (abr-routes.ts) */
export function addHlsRoutes(router: Router, ctx: ServerContext, manager: HlsManager, abr: AbrRouteOptions = {}, onPlaylist?: PlaylistSeen): void {
  addTimeRoute(router);
  addAbrRoutes(router, ctx, manager, abr);
  router.add('GET', `/:app/:stream/:file(${FILE_RE})`, async (req: IncomingMessage, res: ServerResponse, p, url) => {
    const m = FILE.exec(p.file);
    if (!m || !isValidName(p.app) || !isValidName(p.stream)) return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
    const path = `/${p.app}/${p.stream}`;
    const d = ctx.auth.authorize('play', path, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message);
    const sign = ctx.config().auth.play ? url.searchParams.get('sign') : null;
    const token = ctx.config().auth.play && !sign ? url.searchParams.get('token') : null;
    const suffix = sign ? `?sign=${encodeURIComponent(sign)}` : token ? `?token=${encodeURIComponent(token)}` : '';
    const hls = manager.get(path);
    // a cluster node that does not hold the stream (or whose copy is over, e.g. an edge's ended pull) sends the
    // player to its owner (core/cluster/hls-origin.ts)
    if ((!hls || hls.ended) && ctx.cluster && (await ctx.cluster.elsewhere(req, res, path, url))) return;
    if (!hls) return sendError(res, 404, 'STREAM_NOT_FOUND', `no live HLS for ${path} (is it publishing, and is HLS on for app "${p.app}"?)`);
    const s = hls.settings;
    const file = m[1];
    if (onPlaylist && (file === 'index.m3u8' || file === 'll.m3u8' || file === 'index.mpd')) onPlaylist(ctx.registry.get(path)?.rungOf ?? path, url.searchParams.get('vs'), clientIp(req), s.targetMs * 3); // a rung's viewer watches its source
    if (file === 'index.m3u8') {
      if (!hls.ts || !s.hls) return sendError(res, 404, 'HLS_OFF', `HLS is off for app "${p.app}"`);
      if (!hls.ts.segments.length) await hls.waitFor(() => hls.ts!.segments.length > 0, s.segmentMs * 3);
      if (!hls.ts.segments.length) return sendError(res, 404, 'NOT_READY', 'no segment yet; retry shortly');
      const body = tsPlaylist(hls.ts.segments, { epoch: hls.epoch, mediaSequence: hls.ts.mediaSequence, discontinuitySequence: hls.ts.discontinuitySequence, targetMs: s.targetMs, ended: hls.ended, suffix });
      return send(res, hls, 'application/vnd.apple.mpegurl', body, PLAYLIST_HEADERS);
    }
    if (m[6] === 'ts') {
      const seg = m[4] === hls.epoch ? hls.ts?.find(Number(m[5])) : undefined;
      return seg ? send(res, hls, 'video/mp2t', seg.data, SEGMENT_HEADERS) : gone(res, file);
    }
    if (file === 'index.mpd' || m[10] !== undefined) return serveDash(req, res, hls, file, m, suffix);
    const cmaf = hls.ll();
    if (!cmaf) return sendError(res, 404, 'LL_HLS_OFF', `LL-HLS is off for app "${p.app}"`);
    if (file === 'll.m3u8') return serveLl(res, hls, cmaf, url, suffix);
    if (m[2] !== undefined) {
      const init = m[2] === cmaf.epoch ? cmaf.inits.get(Number(m[3])) : undefined;
      return init ? send(res, hls, 'video/mp4', init, SEGMENT_HEADERS) : gone(res, file);
    }
    if (m[4] !== undefined) {
      const seg = m[4] === cmaf.epoch ? cmaf.find(Number(m[5])) : undefined;
      return seg?.complete ? send(res, hls, 'video/iso.segment', segmentChunks(seg), SEGMENT_HEADERS) : gone(res, file);
    }
    // a part: it may be the one the preload hint announced; wait for it
    if (m[7] !== cmaf.epoch) return gone(res, file);
    const seq = Number(m[8]);
    const idx = Number(m[9]);
    const ready = (): boolean => (cmaf.find(seq)?.parts.length ?? 0) > idx;
    if (!ready()) {
      const last = cmaf.segments[cmaf.segments.length - 1];
      const upcoming = last && (seq === last.seq || seq === last.seq + 1);
      if (upcoming) await hls.waitFor(ready, s.segmentMs * 2);
    }
    const part = cmaf.find(seq)?.parts[idx];
    if (!part) return gone(res, file);
    return send(res, hls, 'video/mp4', part.data, SEGMENT_HEADERS);
  }, 'media');
}

async function serveLl(res: ServerResponse, hls: LiveHls, cmaf: CmafSegmenter, url: URL, suffix: string): Promise<void> {
  const s = hls.settings;
  const msnQ = url.searchParams.get('_HLS_msn');
  const partQ = url.searchParams.get('_HLS_part');
  if (partQ !== null && msnQ === null) return sendError(res, 400, 'BAD_HLS_QUERY', '_HLS_part needs _HLS_msn');
  if (msnQ !== null) {
    const msn = Number(msnQ);
    const part = partQ === null ? undefined : Number(partQ);
    if (!/^\d+$/.test(msnQ) || !Number.isSafeInteger(msn) || (part !== undefined && (!/^\d+$/.test(partQ!) || !Number.isSafeInteger(part)))) {
      return sendError(res, 400, 'BAD_HLS_QUERY', '_HLS_msn and _HLS_part must be non-negative integers');
    }
    const last = cmaf.segments[cmaf.segments.length - 1]?.seq ?? -1;
    if (msn > last + 2) return sendError(res, 400, 'BAD_HLS_QUERY', `_HLS_msn ${msn} is too far in the future (last ${last})`);
    await hls.waitFor(() => hls.hasPart(msn, part), s.segmentMs * 3);
  } else if (!cmaf.segments.some((g) => g.complete)) {
    // players without blocking reload (ffmpeg, VLC) need at least one whole segment
    await hls.waitFor(() => cmaf.segments.some((g) => g.complete), s.segmentMs * 3);
  }
  if (!cmaf.segments.some((g) => g.complete || g.parts.length > 0)) return sendError(res, 404, 'NOT_READY', 'no segment yet; retry shortly');
  const body = llPlaylist(cmaf.segments, { epoch: cmaf.epoch, mediaSequence: cmaf.mediaSequence, discontinuitySequence: cmaf.discontinuitySequence, targetMs: s.targetMs, partMs: cmaf.partTargetMs, ended: hls.ended, suffix });
  return send(res, hls, 'application/vnd.apple.mpegurl', body, PLAYLIST_HEADERS);
}

async function serveDash(req: IncomingMessage, res: ServerResponse, hls: LiveHls, file: string, m: RegExpExecArray, suffix: string): Promise<void> {
  const s = hls.settings;
  const tracks = hls.dash();
  if (!tracks) return sendError(res, 404, 'DASH_OFF', `DASH is off for app "${hls.stream.app}"`);
  if (file === 'index.mpd') {
    const { video: v, audio: a } = tracks;
    const vi = hls.videoInfo;
    const ai = hls.audioInfo;
    const wanted = [vi ? v : null, ai ? a : null].filter((x) => x !== null);
    const ready = (): boolean => wanted.length > 0 && wanted.every((x) => x.segments.some((g) => g.complete));
    if (!ready()) await hls.waitFor(ready, s.segmentMs * 3);
    const sets: MpdTrack[] = [];
    if (v.segments.some((g) => g.complete) && vi) sets.push({ kind: 'video', prefix: 'dash-v', epoch: v.epoch, timescale: v.timescale, segments: v.segments, codecs: vi.codecString ?? 'avc1.640028', width: vi.width, height: vi.height, bandwidth: hls.stream.video.bitrate });
    if (a.segments.some((g) => g.complete) && ai) sets.push({ kind: 'audio', prefix: 'dash-a', epoch: a.epoch, timescale: a.timescale, segments: a.segments, codecs: ai.codecString ?? 'mp4a.40.2', width: 0, height: 0, bandwidth: hls.stream.audio.bitrate });
    if (!sets.length) return sendError(res, 404, 'NOT_READY', 'no segment yet; retry shortly');
    const body = dashMpd(sets, { segmentMs: s.segmentMs, ended: hls.ended, suffix, now: Date.now(), availabilityStart: hls.clock.availabilityStart, timeUrl: timeUrl(req) });
    return send(res, hls, 'application/dash+xml', body, PLAYLIST_HEADERS);
  }
  const seg = m[10] === 'v' ? tracks.video : tracks.audio;
  if (m[12] !== seg.epoch) return gone(res, file);
  const n = Number(m[13]);
  if (m[11] === 'init') {
    const init = seg.inits.get(n);
    return init ? send(res, hls, 'video/mp4', init, SEGMENT_HEADERS) : gone(res, file);
  }
  const g = seg.find(n);
  return g?.complete ? send(res, hls, 'video/iso.segment', segmentChunks(g), SEGMENT_HEADERS) : gone(res, file);
}

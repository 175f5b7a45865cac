import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDenial } from '../auth/decisions';
import type { ServerContext } from '../context';
import type { Router } from '../http/router';
import { clientIp, sendError } from '../http/util';
import { isValidName } from '../media/stream-path';
import { abrMembers, bandwidthOf, codecsOf, fpsOf, segmentBandwidth, variantBase, variantSuffix, type AbrSource } from './abr';
import { abrMasterPlaylist, abrMpd, type AbrMpdTrack, type AbrVariant } from './abr-playlists';
import type { CmafSegment } from './cmaf-segmenter';
import type { HlsManager } from './hls-manager';
import { timeUrl } from './time-route';

export interface AbrRouteOptions {
  /**
   * Called on every ABR playlist request for a live source (`/app/NAME`): an on-demand ladder starts, or stays
   * up. A returned promise is awaited (at most ABR_DEMAND_WAIT_MS) so the first answer can list fresh rungs.
   */
  onAbrRequest?: (sourcePath: string) => void | Promise<void>;
}

/** how long a request waits for the on-demand callback */
export const ABR_DEMAND_WAIT_MS = 8000;

const HEADERS = { 'cache-control': 'no-cache, no-store' };

function send(res: ServerResponse, type: string, body: string): void {
  const buf = Buffer.from(body);
  res.writeHead(200, { 'content-type': type, 'content-length': buf.length, ...HEADERS });
  res.end(buf);
}

async function demand(cb: AbrRouteOptions['onAbrRequest'], path: string): Promise<void> {
  if (!cb) return;
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ABR_DEMAND_WAIT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(() => cb(path)).catch(() => undefined), wait]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wait (each at most 3 segments) until every member is ready; keep those that are. */
async function ready(members: AbrSource[], ok: (m: AbrSource) => boolean): Promise<AbrSource[]> {
  await Promise.all(members.map((m) => m.hls.waitFor(() => ok(m), m.hls.settings.segmentMs * 3)));
  return members.filter(ok);
}

const complete = (segs: readonly CmafSegment[]): boolean => segs.some((g) => g.complete);

/**
 * GET /app/NAME/abr.m3u8 (HLS master over each variant's index.m3u8), /app/NAME/abr-ll.m3u8 (LL-HLS master over
 * each ll.m3u8) and /app/NAME/abr.mpd (one MPD, a video Representation per variant): the source `/app/NAME` and
 * its live rungs `/app/NAME_<digits>`. 404 JSON when the source is not live; a `play` check like every HLS file.
 */
export function addAbrRoutes(router: Router, ctx: ServerContext, manager: HlsManager, opts: AbrRouteOptions = {}): void {
  router.add('GET', String.raw`/:app/:stream/:file(abr\.m3u8|abr-ll\.m3u8|abr\.mpd)`, async (req: IncomingMessage, res: ServerResponse, p, url) => {
    if (!isValidName(p.app) || !isValidName(p.stream)) return sendError(res, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
    const path = `/${p.app}/${p.stream}`;
    const d = ctx.auth.authorize('play', path, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message);
    const notLive = (): void => sendError(res, 404, 'STREAM_NOT_FOUND', `${path} is not live (or HLS is off for app "${p.app}")`);
    if (!abrMembers(ctx.registry, manager, path)) {
      if (ctx.cluster && (await ctx.cluster.elsewhere(req, res, path, url))) return; // held by another cluster node
      return notLive();
    }
    await demand(opts.onAbrRequest, path);
    const members = abrMembers(ctx.registry, manager, path);
    if (!members) return notLive();
    const s = members[0].hls.settings;
    const suffix = (m: AbrSource): string => variantSuffix(ctx.config(), url.searchParams, path, m.stream.path);
    const variant = (m: AbrSource, file: string): AbrVariant => {
      const bw = bandwidthOf(m.stream, m.hls);
      const v = m.stream.videoInfo ?? m.hls.videoInfo;
      return {
        path: m.stream.path, uri: `${variantBase(path, m.stream.path)}${file}${suffix(m)}`, bandwidth: bw.peak, averageBandwidth: bw.average,
        width: v?.width ?? 0, height: v?.height ?? 0, fps: v ? fpsOf(m.stream) : null, codecs: codecsOf(m.stream, m.hls),
      };
    };
    const notReady = (): void => sendError(res, 404, 'NOT_READY', 'no segment yet; retry shortly');
    if (p.file === 'abr.m3u8') {
      if (!s.hls) return sendError(res, 404, 'HLS_OFF', `HLS is off for app "${p.app}"`);
      const live = await ready(members, (m) => (m.hls.ts?.segments.length ?? 0) > 0);
      if (live[0] !== members[0]) return notReady();
      return send(res, 'application/vnd.apple.mpegurl', abrMasterPlaylist(live.map((m) => variant(m, 'index.m3u8'))));
    }
    if (p.file === 'abr-ll.m3u8') {
      if (!s.ll) return sendError(res, 404, 'LL_HLS_OFF', `LL-HLS is off for app "${p.app}"`);
      const live = await ready(members, (m) => complete(m.hls.ll()?.segments ?? []));
      if (live[0] !== members[0]) return notReady();
      return send(res, 'application/vnd.apple.mpegurl', abrMasterPlaylist(live.map((m) => variant(m, 'll.m3u8'))));
    }
    if (!s.dash) return sendError(res, 404, 'DASH_OFF', `DASH is off for app "${p.app}"`);
    const hasVideo = (m: AbrSource): boolean => (m.stream.videoInfo ?? m.hls.videoInfo) !== null;
    const src = members[0];
    const live = await ready(members, (m) => {
      const t = m.hls.dash();
      return !!t && (!hasVideo(m) || complete(t.video.segments)) && (m !== src || !(src.stream.audioInfo ?? src.hls.audioInfo) || complete(t.audio.segments));
    });
    if (live[0] !== src) return notReady();
    const track = (m: AbrSource, kind: 'video' | 'audio'): AbrMpdTrack => {
      const t = m.hls.dash()![kind];
      const info = kind === 'video' ? m.stream.videoInfo ?? m.hls.videoInfo : m.stream.audioInfo ?? m.hls.audioInfo;
      const bytes = (g: CmafSegment): number => g.parts.reduce((n, x) => n + x.data.length, 0);
      const bw = segmentBandwidth(t.segments.filter((g) => g.complete).map((g) => ({ bytes: bytes(g), duration: g.duration })), s.segmentMs);
      const v = kind === 'video' ? m.stream.videoInfo ?? m.hls.videoInfo : null;
      return {
        id: kind === 'video' ? m.stream.name : `${m.stream.name}-audio`, base: variantBase(path, m.stream.path), prefix: kind === 'video' ? 'dash-v' : 'dash-a',
        epoch: t.epoch, timescale: t.timescale, segments: t.segments, codecs: info?.codecString ?? (kind === 'video' ? 'avc1.640028' : 'mp4a.40.2'),
        bandwidth: bw?.peak ?? (kind === 'video' ? m.stream.video.bitrate : m.stream.audio.bitrate), width: v?.width ?? 0, height: v?.height ?? 0,
        fps: v ? fpsOf(m.stream) : null, suffix: suffix(m),
      };
    };
    const video = live.filter(hasVideo).map((m) => track(m, 'video'));
    const audio = (src.stream.audioInfo ?? src.hls.audioInfo) && complete(src.hls.dash()!.audio.segments) ? track(src, 'audio') : null;
    const body = abrMpd(video, audio, { segmentMs: s.segmentMs, now: Date.now(), availabilityStart: src.hls.clock.availabilityStart, timeUrl: timeUrl(req) });
    return send(res, 'application/dash+xml', body);
  }, 'media');
}

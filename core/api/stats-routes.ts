import type { ServerContext } from '../context';
import { isValidName } from '../media/stream-path';
import { httpDenial } from '../auth/decisions';
import { clientIp, sendError, sendJson } from '../http/util';
import { StudioMetrics, type MetricsSources } from './metrics';
import type { Router } from '../http/router';
import { serverStats, streamStats, streamsStats } from './stats';
import { Snapshots } from './snapshot';

/** Node-Media-Server 2.x compatible stats routes and Prometheus metrics. */
export function addStatsRoutes(router: Router, ctx: ServerContext, startedAt: number, sources: MetricsSources = {}): void {
  router.add('GET', '/api/server', (_req, res) => sendJson(res, 200, serverStats(ctx, startedAt)));
  router.add('GET', '/api/streams', (_req, res) => sendJson(res, 200, streamsStats(ctx)));
  router.add('GET', '/api/streams/:app/:stream', (_req, res, p) => {
    const s = ctx.registry.get(`/${p.app}/${p.stream}`);
    if (!s) return sendError(res, 404, 'STREAM_NOT_FOUND', `no stream /${p.app}/${p.stream}`);
    sendJson(res, 200, streamStats(s));
  });
  const snapshots = new Snapshots(ctx.config, ctx.ffmpeg);
  ctx.registry.on('unpublished', (s) => snapshots.forget(s.path));
  router.add('GET', '/api/streams/:app/:stream/snapshot.jpg', async (req, res, p, url) => {
    // a picture of the stream is a play: signed when auth.play is on (or the caller holds API credentials)
    const d = ctx.auth.authorize('play', `/${p.app}/${p.stream}`, { via: 'http', ip: clientIp(req), headers: req.headers, query: url.searchParams });
    if (!d.ok) return sendError(res, httpDenial(d).status, httpDenial(d).code, d.message);
    const s = ctx.registry.get(`/${p.app}/${p.stream}`);
    if (!s?.publisher) return sendError(res, 404, 'STREAM_NOT_FOUND', `no live stream /${p.app}/${p.stream}`);
    const w = Number(url.searchParams.get('width') ?? 320);
    if (!Number.isInteger(w) || w < 32 || w > 1920) return sendError(res, 400, 'VALIDATION', 'width must be an integer from 32 to 1920');
    const jpeg = await snapshots.get(s, w - (w % 2));
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length, 'cache-control': 'no-cache' });
    res.end(jpeg);
  });
  router.add('DELETE', '/api/streams/:app/:stream', (_req, res, p) => {
    if (!isValidName(p.app) || !isValidName(p.stream)) return sendError(res, 400, 'BAD_STREAM_PATH', 'app and stream must be letters, digits, _ - .');
    const s = ctx.registry.get(`/${p.app}/${p.stream}`);
    if (!s?.publisher) return sendError(res, 404, 'STREAM_NOT_FOUND', `no live stream /${p.app}/${p.stream}`);
    const id = s.publisher.id;
    s.publisher.stop('kicked via API');
    sendJson(res, 200, { ok: true, kicked: id });
  });
  router.add('DELETE', '/api/sessions/:id', (_req, res, p) => {
    const s = ctx.sessions.get(p.id);
    if (!s) return sendError(res, 404, 'SESSION_NOT_FOUND', `no session ${p.id}`);
    s.close('kicked via API');
    sendJson(res, 200, { ok: true, kicked: p.id });
  });
  const metrics = new StudioMetrics(ctx, { startedAt: () => startedAt, ...sources });
  router.add('GET', '/metrics', async (_req, res) => {
    const { contentType, text } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
    res.end(text);
  });
}

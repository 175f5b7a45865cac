import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySign } from '../../core/auth/sign';
import { addAbrRoutes } from '../../core/hls/abr-routes';
import { Router } from '../../core/http/router';
import { ffprobe, FFPROBE, run, type Run } from '../helpers/ffmpeg';
import { parseMpd } from '../helpers/playlist-validator';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { avcFromProbe, parseMaster, publishLadder, publishSource, SECRET, sign } from '../helpers/abr-fixture';

/** ABR playlists (issue 12) over a source and two rungs published by a stand-in ladder, with auth.play on. */
describe('ABR master playlists and MPD', () => {
  let t: TestStudio;
  let src: Run;
  let ladder: Run;
  const url = (path: string, file: string): string => t.httpUrl(`${path}/${file}?sign=${sign(path)}`);
  const text = async (u: string): Promise<string> => {
    const r = await fetch(u);
    if (r.status !== 200) throw new Error(`${u}: ${r.status} ${await r.text()}`);
    return r.text();
  };

  beforeAll(async () => {
    t = await startStudio({ hls: { segment_seconds: 2, list_size: 6 }, auth: { play: true, secret: SECRET } });
    src = publishSource(t.rtmpUrl('/live/k'), 90);
    await waitFor(() => t.studio.registry.get('/live/k')?.ready, 'source live', 15_000);
    await sleep(3300); // the rungs start at a later keyframe (and a later slot) than the source
    ladder = publishLadder(t.rtmpUrl(`/live/k?sign=${sign('/live/k')}`), (h) => t.rtmpUrl(`/live/k_${h}`), 80);
    await waitFor(() => t.studio.registry.get('/live/k_360')?.ready && t.studio.registry.get('/live/k_240')?.ready, 'rungs live', 20_000);
    // a few segments in every rung, so BANDWIDTH comes from real segments
    await waitFor(async () => (await fetch(url('/live/k_240', 'index.m3u8'))).status === 200 && (await text(url('/live/k_240', 'index.m3u8'))).split('#EXTINF').length > 3, 'rung segments', 30_000, 500);
  }, 90_000);
  afterAll(async () => {
    ladder?.child.kill('SIGKILL');
    src?.child.kill('SIGKILL');
    await t?.stop();
  });

  it('abr.m3u8 lists the source and every rung with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, FRAME-RATE and CODECS that match ffprobe', async () => {
    const r = await fetch(url('/live/k', 'abr.m3u8'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const body = await r.text();
    expect(body.startsWith('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n')).toBe(true);
    const vs = parseMaster(body);
    expect(vs.map((v) => v.uri.split('?')[0]).sort()).toEqual(['../k_240/index.m3u8', '../k_360/index.m3u8', 'index.m3u8']);
    const bws = vs.map((v) => Number(v.attrs.BANDWIDTH));
    expect([...bws].sort((a, b) => b - a)).toEqual(bws); // highest first
    for (const v of vs) {
      const path = new URL(v.uri, t.httpUrl('/live/k/abr.m3u8')).pathname.replace(/\/index\.m3u8$/, '');
      expect(Number(v.attrs['AVERAGE-BANDWIDTH'])).toBeGreaterThan(50_000);
      expect(Number(v.attrs.BANDWIDTH)).toBeGreaterThanOrEqual(Number(v.attrs['AVERAGE-BANDWIDTH']));
      expect(v.attrs['FRAME-RATE']).toBe('30.000');
      // the variant URI carries a sign of its own path (a sign is bound to its stream)
      const s = new URLSearchParams(v.uri.split('?')[1]).get('sign') ?? '';
      expect(verifySign(path, s, SECRET)).toEqual({ ok: true });
      const probe = await ffprobe(new URL(v.uri, t.httpUrl('/live/k/abr.m3u8')).href);
      const video = probe.streams.find((x) => x.codec_type === 'video') as unknown as { width: number; height: number; profile: string; level: number };
      expect(v.attrs.RESOLUTION, path).toBe(`${video.width}x${video.height}`);
      const [avc, aac] = v.attrs.CODECS.split(',');
      const want = avcFromProbe(video.profile, video.level);
      expect(avc.slice(0, 7) + avc.slice(9), `${path} ${video.profile} ${video.level}`).toBe(`avc1.${want.pp}${want.ll}`);
      expect(aac).toBe('mp4a.40.2');
    }
    const res = Object.fromEntries(vs.map((v) => [v.uri.split('?')[0], v.attrs]));
    expect(res['index.m3u8'].CODECS).toMatch(/^avc1\.64/);
    expect(res['../k_360/index.m3u8'].CODECS).toMatch(/^avc1\.4d/);
    expect(res['../k_240/index.m3u8'].CODECS).toMatch(/^avc1\.42/);
    expect(res['../k_240/index.m3u8'].RESOLUTION).toBe('426x240');
    // the 200k rung's measured rate is far below the 900k source's
    expect(Number(res['../k_240/index.m3u8']['AVERAGE-BANDWIDTH'])).toBeLessThan(Number(res['index.m3u8']['AVERAGE-BANDWIDTH']));
  });

  it('a viewer session token (vs) on the master follows the player onto every variant, next to its sign', async () => {
    const body = await text(`${url('/live/k', 'abr.m3u8')}&vs=viewer123`);
    for (const v of parseMaster(body)) {
      const q = new URLSearchParams(v.uri.split('?')[1]);
      expect(q.get('vs'), v.uri).toBe('viewer123');
      expect(q.get('sign'), v.uri).toBeTruthy();
    }
  });

  it('abr-ll.m3u8 points at each stream\'s ll.m3u8, which exists', async () => {
    const vs = parseMaster(await text(url('/live/k', 'abr-ll.m3u8')));
    expect(vs.map((v) => v.uri.split('?')[0]).sort()).toEqual(['../k_240/ll.m3u8', '../k_360/ll.m3u8', 'll.m3u8']);
    for (const v of vs) {
      const ll = await text(new URL(v.uri, t.httpUrl('/live/k/abr-ll.m3u8')).href);
      expect(ll).toContain('#EXT-X-PART-INF:PART-TARGET=');
      expect(v.attrs.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    }
  });

  it('abr.mpd: one video AdaptationSet with a Representation per variant and the source audio; ffprobe reads every one', async () => {
    const u = url('/live/k', 'abr.mpd');
    const mpd = await text(u);
    const parsed = parseMpd(mpd);
    expect(parsed.type).toBe('dynamic');
    expect(parsed.tracks.map((x) => x.kind)).toEqual(['video', 'audio']);
    const video = /<AdaptationSet[^>]*contentType="video"[^>]*>([\s\S]*?)<\/AdaptationSet>/.exec(mpd)![1];
    const reps = [...video.matchAll(/<Representation id="([^"]+)"[^>]*width="(\d+)" height="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}x${m[3]}`);
    expect(reps.sort()).toEqual(['k:640x360', 'k_240:426x240', 'k_360:640x360']);
    expect(video).toContain('media="../k_240/dash-v-seg-');
    const probe = await ffprobe(u);
    const dims = probe.streams.filter((x) => x.codec_type === 'video').map((x) => `${x.width}x${x.height}`).sort();
    expect(dims).toEqual(['426x240', '640x360', '640x360']);
    expect(probe.streams.filter((x) => x.codec_type === 'audio')).toHaveLength(1);
  });

  it('segment boundaries match across the variants: same numbers, same durations, same first frame times', async () => {
    await sleep(4000);
    const paths = ['/live/k', '/live/k_360', '/live/k_240'];
    const lists = await Promise.all(paths.map(async (p) => {
      const body = await text(url(p, 'index.m3u8'));
      const seq0 = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)![1]);
      const segs = [...body.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(\S+)/g)].map((m, i) => ({ seq: seq0 + i, pdt: Date.parse(m[1]), dur: Number(m[2]), uri: m[3] }));
      return new Map(segs.map((s) => [s.seq, s]));
    }));
    const common = [...lists[0].keys()].filter((n) => lists.every((l) => l.has(n)));
    expect(common.length).toBeGreaterThanOrEqual(3);
    for (const n of common) {
      const [a, b, c] = lists.map((l) => l.get(n)!);
      expect(Math.abs(a.dur - b.dur), `segment ${n}`).toBeLessThanOrEqual(0.034);
      expect(Math.abs(a.dur - c.dur), `segment ${n}`).toBeLessThanOrEqual(0.034);
      // one wall clock (the rungs follow the source's): PROGRAM-DATE-TIME within a B-frame delay
      expect(Math.abs(a.pdt - b.pdt), `segment ${n}`).toBeLessThan(150);
      expect(Math.abs(a.pdt - c.pdt), `segment ${n}`).toBeLessThan(150);
    }
    // LL-HLS (packagers started on demand, at other times): the same numbers and durations too
    const ll = await Promise.all(paths.map(async (p) => {
      const body = await text(url(p, 'll.m3u8'));
      const seq0 = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)![1]);
      const durs = [...body.matchAll(/#EXTINF:([\d.]+),\n/g)].map((m) => Number(m[1]));
      return new Map(durs.map((d, i) => [seq0 + i, d]));
    }));
    const llCommon = [...ll[0].keys()].filter((k) => ll.every((l) => l.has(k)));
    expect(llCommon.length).toBeGreaterThanOrEqual(2);
    for (const k of llCommon) for (const l of ll) expect(Math.abs(l.get(k)! - ll[0].get(k)!), `LL segment ${k}`).toBeLessThanOrEqual(0.034);
    // the first video frame of a common segment has the same presentation time in every variant
    const n = common[common.length - 1];
    const starts = await Promise.all(paths.map(async (p, i) => {
      const r = await run(FFPROBE, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-read_intervals', '%+#1', '-of', 'csv=p=0', t.httpUrl(`${p}/${lists[i].get(n)!.uri}`)]).done;
      return Number.parseFloat(r.stdout.toString());
    }));
    expect(Math.abs(starts[0] - starts[1])).toBeLessThan(0.02);
    expect(Math.abs(starts[0] - starts[2])).toBeLessThan(0.02);
  });

  it('404 JSON when the source is not live; a play sign is required when auth.play is on', async () => {
    for (const f of ['abr.m3u8', 'abr-ll.m3u8', 'abr.mpd']) {
      const r = await fetch(url('/live/nope', f));
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('STREAM_NOT_FOUND');
      const bare = await fetch(t.httpUrl(`/live/k/${f}`));
      expect([401, 403]).toContain(bare.status);
      expect(((await bare.json()) as { error: { code: string } }).error.code).toBeTruthy();
      const other = await fetch(t.httpUrl(`/live/k/${f}?sign=${sign('/live/k_360')}`));
      expect([401, 403]).toContain(other.status);
    }
    // a rung playlist with the source's sign is refused too: only the sign minted for it passes
    expect([401, 403]).toContain((await fetch(t.httpUrl(`/live/k_360/index.m3u8?sign=${sign('/live/k')}`))).status);
  });

  it('the on-demand callback of the mount options is called with the source path, and awaited before the answer', async () => {
    const calls: string[] = [];
    const router = new Router();
    addAbrRoutes(router, t.studio.ctx, t.studio.hls, {
      onAbrRequest: (path) => {
        calls.push(path);
        return sleep(300);
      },
    });
    const server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const m = router.match('GET', u.pathname);
      if (m && m !== 'nomethod') void m.handler(req, res, m.params, u);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const started = Date.now();
      const r = await fetch(`${base}/live/k/abr.m3u8?sign=${sign('/live/k')}`);
      expect(r.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(parseMaster(await r.text())).toHaveLength(3);
      expect((await fetch(`${base}/live/nope/abr.m3u8?sign=${sign('/live/nope')}`)).status).toBe(404);
      expect(calls).toEqual(['/live/k']); // not for a source that is not live
    } finally {
      server.close();
    }
  });
});

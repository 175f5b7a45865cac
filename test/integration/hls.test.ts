import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, ffprobe, publishTestPattern, run, FFMPEG, type Run } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** Live HLS (TS), LL-HLS (fMP4 parts) and DASH muxed in-process, read end to end by ffprobe/ffmpeg. */
describe('live HLS, LL-HLS and DASH', () => {
  let t: TestStudio;
  let pub: Run;
  const started = Date.now();

  beforeAll(async () => {
    t = await startStudio({ hls: { segment_seconds: 1, cleanup_after_s: 2 } });
    pub = publishTestPattern(t.rtmpUrl('/live/h'), { size: '640x360', seconds: 60, audioRate: 48000 });
    await waitFor(() => t.studio.registry.get('/live/h')?.ready, 'stream ready', 15_000);
  });
  afterAll(async () => {
    pub.child.kill('SIGKILL');
    await t.stop();
  });

  for (const [file, label] of [['index.m3u8', 'HLS (MPEG-TS)'], ['ll.m3u8', 'LL-HLS (fMP4)'], ['index.mpd', 'DASH']] as const) {
    it(`${label} is read by ffprobe and decodes without errors`, async () => {
      await sleep(Math.max(0, 4000 - (Date.now() - started)));
      const url = t.httpUrl(`/live/h/${file}`);
      const probe = await ffprobe(url);
      expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
      const d = await decodeFrames(url, 60);
      expect(d.stderr).toBe('');
      expect(d.frames).toBe(60);
    });
  }

  it('segments are about the target duration and the playlists carry the right headers', async () => {
    const r = await fetch(t.httpUrl('/live/h/index.m3u8'));
    expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(r.headers.get('cache-control')).toContain('no-cache');
    const text = await r.text();
    const durations = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    expect(durations.length).toBeGreaterThanOrEqual(2);
    for (const d of durations) expect(Math.abs(d - 1)).toBeLessThan(0.05); // GOP = 1 s, target 1 s
    expect(text).toMatch(/#EXT-X-PROGRAM-DATE-TIME:\d{4}-/);
    expect(text).toMatch(/#EXT-X-TARGETDURATION:2\n/); // ceil(1.5 x segment_seconds), fixed
    // every name carries the packager's epoch: a URL never changes its bytes, so it may be immutable
    const seg = /seg-[0-9a-z]+-\d+\.ts/.exec(text)![0];
    const sr = await fetch(t.httpUrl(`/live/h/${seg}`));
    expect(sr.headers.get('content-type')).toBe('video/mp2t');
    expect(sr.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(t.httpUrl(`/live/h/${seg.replace(/-(\d+)\.ts$/, 'x-$1.ts')}`))).status).toBe(404);
    expect((await fetch(t.httpUrl('/live/h/seg-0.ts'))).status).toBe(404);
    const bytes = Buffer.from(await sr.arrayBuffer());
    expect(bytes[0]).toBe(0x47);
    expect(bytes.length % 188).toBe(0);
  });

  it('LL-HLS: parts, preload hint, and blocking reload on _HLS_msn/_HLS_part', async () => {
    const text = await (await fetch(t.httpUrl('/live/h/ll.m3u8'))).text();
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
    expect(text).toMatch(/#EXT-X-PART-INF:PART-TARGET=0\.200/);
    expect(text).toMatch(/#EXT-X-PART:DURATION=[\d.]+,URI="part-[0-9a-z]+-\d+\.\d+\.m4s",INDEPENDENT=YES/);
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-([0-9a-z]+)-(\d+)\.(\d+)\.m4s"/.exec(text);
    expect(hint).not.toBeNull();
    const [epoch, msn, part] = [hint![1], Number(hint![2]), Number(hint![3])];
    // ask for the hinted part: the request blocks until it exists, then answers with a playlist holding it
    const t0 = Date.now();
    const blocked = await (await fetch(t.httpUrl(`/live/h/ll.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`))).text();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(blocked).toContain(`part-${epoch}-${msn}.${part}.m4s`);
    // the hinted part itself can be requested before it exists
    const p = await fetch(t.httpUrl(`/live/h/part-${epoch}-${msn}.${part + 1}.m4s`));
    expect([200, 404]).toContain(p.status);
    const far = await fetch(t.httpUrl(`/live/h/ll.m3u8?_HLS_msn=${msn + 50}`));
    expect(far.status).toBe(400);
    const bad = await fetch(t.httpUrl('/live/h/ll.m3u8?_HLS_msn=abc'));
    expect(bad.status).toBe(400);
    expect((await fetch(t.httpUrl(`/live/h/ll.m3u8?_HLS_part=${part}`))).status).toBe(400);
  });

  it('the playlists report the live edge within a second or two of the publisher', async () => {
    const text = await (await fetch(t.httpUrl('/live/h/ll.m3u8'))).text();
    const pdts = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1]));
    const last = pdts[pdts.length - 1];
    expect(Date.now() - last).toBeLessThan(2500);
  });

  it('the MPD points <UTCTiming> at our /time route, which answers ISO time with CORS', async () => {
    const mpd = await (await fetch(t.httpUrl('/live/h/index.mpd'))).text();
    const utc = /<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="([^"]+)"\/>/.exec(mpd);
    expect(utc?.[1]).toBe(t.httpUrl('/time'));
    const r = await fetch(utc![1], { headers: { origin: 'https://player.example' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(Math.abs(Date.parse(await r.text()) - Date.now())).toBeLessThan(1000);
    expect(mpd).toMatch(/media="dash-v-seg-[0-9a-z]+-\$Number\$\.m4s"/);
  });

  it('unknown files and streams get 404 JSON; traversal is refused', async () => {
    expect((await fetch(t.httpUrl('/live/h/other.txt'))).status).toBe(404);
    const r = await fetch(t.httpUrl('/live/none/index.m3u8'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: { code: 'STREAM_NOT_FOUND' } });
    expect((await fetch(t.httpUrl('/live/..%2F..%2Fetc/index.m3u8'))).status).toBe(404);
  });
});

describe('HLS faults', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ hls: { segment_seconds: 1, cleanup_after_s: 3 } });
  });
  afterAll(() => t.stop());

  it('audio-only and video-only streams produce valid playlists', async () => {
    const audio = run(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100', '-t', '30', '-c:a', 'aac', '-f', 'flv', t.rtmpUrl('/live/audio')], 40_000);
    const video = run(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'flv', t.rtmpUrl('/live/video')], 40_000);
    try {
      await waitFor(() => t.studio.registry.get('/live/audio')?.ready && t.studio.registry.get('/live/video')?.ready, 'both live', 15_000);
      await sleep(3500);
      for (const f of ['index.m3u8', 'll.m3u8', 'index.mpd']) {
        const a = await ffprobe(t.httpUrl(`/live/audio/${f}`));
        expect(a.streams.map((s) => s.codec_type), `audio-only ${f}`).toEqual(['audio']);
        const v = await ffprobe(t.httpUrl(`/live/video/${f}`));
        expect(v.streams.map((s) => s.codec_type), `video-only ${f}`).toEqual(['video']);
      }
    } finally {
      audio.child.kill('SIGKILL');
      video.child.kill('SIGKILL');
    }
  });

  it('a publisher that reconnects continues the playlist with one discontinuity; ENDLIST and removal only after cleanup_after_s', async () => {
    const p1 = publishTestPattern(t.rtmpUrl('/live/re'), { size: '320x240', seconds: 30 });
    await waitFor(() => t.studio.registry.get('/live/re')?.ready, 'first publish', 15_000);
    await sleep(2500);
    expect((await fetch(t.httpUrl('/live/re/index.mpd'))).status).toBe(200); // DASH starts on its first request
    p1.child.kill('SIGKILL');
    await waitFor(() => !t.studio.registry.get('/live/re')?.publisher, 'first publisher gone');
    const away = await (await fetch(t.httpUrl('/live/re/index.m3u8'))).text();
    expect(away).not.toContain('#EXT-X-ENDLIST'); // a drop is not the end
    expect((await fetch(t.httpUrl('/live/re/index.mpd'))).status).toBe(200); // the MPD stays too
    const p2 = publishTestPattern(t.rtmpUrl('/live/re'), { size: '320x240', seconds: 30 });
    try {
      await waitFor(async () => (await (await fetch(t.httpUrl('/live/re/index.m3u8'))).text()).includes('#EXT-X-DISCONTINUITY\n'), 'discontinuity after reconnect', 15_000);
      const text = await (await fetch(t.httpUrl('/live/re/index.m3u8'))).text();
      expect(text).not.toContain('#EXT-X-ENDLIST');
      expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    } finally {
      p2.child.kill('SIGKILL');
    }
    await waitFor(() => !t.studio.registry.get('/live/re')?.publisher, 'second publisher gone');
    await waitFor(async () => (await (await fetch(t.httpUrl('/live/re/index.m3u8'))).text()).includes('#EXT-X-ENDLIST'), 'ENDLIST after the window', 8000, 200);
    await waitFor(async () => (await fetch(t.httpUrl('/live/re/index.m3u8'))).status === 404, 'playlist removed after cleanup', 8000, 200);
  });

  it('a publisher that changes resolution mid-stream gets a discontinuity, never a crash', async () => {
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    await c.start('publish', sid, 'switch');
    // real sequence headers and frames from two ffmpeg encodes at different sizes
    const grab = async (size: string): Promise<Array<{ type: 8 | 9; ts: number; body: Buffer }>> => {
      const r = await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'flv', '-'], 20_000).done;
      const { FlvDemuxer } = await import('../../core/format/flv/flv');
      return new FlvDemuxer().push(r.stdout).filter((x) => x.type === 9).map((x) => ({ type: 9 as const, ts: x.timestamp, body: x.body }));
    };
    const a = await grab('320x240');
    const b = await grab('640x360');
    t.studio.hls.get('/live/switch')!.ll(); // LL-HLS starts on its first request: start it before the switch
    let ts = 0;
    for (const list of [a, b]) {
      for (const tag of list) {
        c.sendMedia(sid, tag.type, ts + tag.ts, tag.body);
        await sleep(2);
      }
      ts += 2000;
    }
    await sleep(300);
    const text = await (await fetch(t.httpUrl('/live/switch/index.m3u8'))).text();
    expect(text).toContain('#EXT-X-DISCONTINUITY');
    const ll = await (await fetch(t.httpUrl('/live/switch/ll.m3u8'))).text();
    expect(ll.match(/#EXT-X-MAP/g)!.length).toBe(2);
    c.close();
  });
});

describe('DVR: the whole event as VOD HLS', () => {
  it('writes every segment to the media folder and ends the playlist with EXT-X-ENDLIST', async () => {
    // the event ends (ENDLIST) when no publisher came back within cleanup_after_s
    const t = await startStudio({ hls: { segment_seconds: 1, dvr: true, cleanup_after_s: 1 } });
    const pub = publishTestPattern(t.rtmpUrl('/live/dvr'), { size: '320x240', seconds: 5 });
    try {
      await waitFor(() => t.studio.hls.get('/live/dvr')?.dvr, 'dvr started', 15_000);
      const url = t.studio.hls.get('/live/dvr')!.dvr!.url;
      expect(url).toMatch(/^\/\d{4}\/\d{2}\/\d{2}\/live_dvr_\d{6}\/index\.m3u8$/);
      const live = await waitFor(async () => {
        const r = await fetch(t.httpUrl(url));
        return r.status === 200 ? r.text() : null;
      }, 'first DVR segment', 10_000);
      expect(live).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
      await pub.done;
      const vod = await waitFor(async () => {
        const text = await (await fetch(t.httpUrl(url))).text();
        return text.includes('#EXT-X-ENDLIST') ? text : null;
      }, 'ENDLIST', 15_000);
      expect(vod).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      const probe = await ffprobe(t.httpUrl(url));
      expect(Number(probe.format?.duration)).toBeGreaterThan(4);
      expect(Number(probe.format?.duration)).toBeLessThan(6.5);
      const d = await decodeFrames(t.httpUrl(url), 100);
      expect(d.stderr).toBe('');
      expect(d.frames).toBe(100);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });
});

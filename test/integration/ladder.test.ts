/**
 * The live bitrate ladder (issue 12) with the real bundled ffmpeg: a 1280x720@30 source with the 720/480/360
 * preset → three rungs as streams of their own, right sizes and fps, keyframes aligned across rungs and with
 * the source, a killed ffmpeg restarted while the source's players never notice, a destination fed the 720p
 * rung with no second ffmpeg. One studio, tests in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveToolPids } from '../../core/ffmpeg/run';
import type { MediaPacket } from '../../core/media/packet';
import type { StreamStart, Subscriber } from '../../core/media/subscriber';
import { FFMPEG, ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { avcFromProbe, parseMaster } from '../helpers/abr-fixture';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** An in-process reader of a stream: keyframe times, packet count, whether it was ended. */
class Tap implements Subscriber {
  readonly protocol = 'relay' as const;
  readonly ip = '127.0.0.1';
  readonly connectCreated = new Date();
  readonly bytes = 0;
  readonly dropped = 0;
  readonly internal = true;
  keys: number[] = [];
  packets = 0;
  ended: string | null = null;
  constructor(readonly id: string, readonly survivesDrop: boolean) {}
  start(init: StreamStart): void {
    for (const p of init.gop) this.send(p);
  }
  send(p: MediaPacket): void {
    this.packets++;
    if (p.kind === 'video' && p.keyframe && !p.seqHeader) this.keys.push(p.timestamp);
  }
  flush(): void {}
  end(reason: string): void {
    this.ended = reason;
  }
}

const SRC = '/live/cam';
const RUNGS = [[720, 1280], [480, 854], [360, 640]] as const;

describe('live ladder: 720p source → 720/480/360', () => {
  let t: TestStudio;
  let pub: Run;
  let liveAt = 0;

  beforeAll(async () => {
    t = await startStudio({ ffmpeg: FFMPEG, ladder: { encoder: 'libx264', x264_preset: 'ultrafast', apps: { live: { preset: '720-480-360' } } } });
    pub = publishTestPattern(t.rtmpUrl(SRC), { size: '1280x720', rate: 30, seconds: 90 });
    await waitFor(() => t.studio.registry.get(SRC)?.videoInfo, 'source live', 15_000);
    liveAt = Date.now();
  }, 30_000);

  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t?.stop();
    expect(liveToolPids()).toEqual([]);
  });

  it('the three rungs appear within 5 s as streams of their own, grouped under the source', async () => {
    await waitFor(() => RUNGS.every(([h]) => t.studio.registry.get(`${SRC}_${h}`)?.ready), 'rungs live', 15_000);
    expect(Date.now() - liveAt).toBeLessThan(5000);
    const st = t.studio.ladder.list().find((l) => l.source === SRC);
    expect(st?.from).toBe('app');
    expect(st?.encoder).toBe('libx264');
    expect(st?.rungs.map((r) => [r.name, r.width, r.height, r.live])).toEqual([['720p', 1280, 720, true], ['480p', 854, 480, true], ['360p', 640, 360, true]]);
    for (const [h] of RUNGS) expect(t.studio.registry.get(`${SRC}_${h}`)?.rungOf).toBe(SRC);
    expect(t.studio.registry.get(SRC)?.rungOf).toBeNull();
    const list = await t.studio.api.dispatch('streams.list', {});
    const infos = (list.ok ? list.result : []) as Array<{ path: string; rung_of: string | null }>;
    expect(infos.find((s) => s.path === `${SRC}_720`)?.rung_of).toBe(SRC);
    expect(infos.find((s) => s.path === SRC)?.rung_of).toBeNull();
  }, 30_000);

  it('ffprobe reads each rung over RTMP with the right size and fps', async () => {
    for (const [h, w] of RUNGS) {
      const p = await ffprobe(t.rtmpUrl(`${SRC}_${h}`));
      const v = p.streams.find((s) => s.codec_type === 'video') as { width: number; height: number; r_frame_rate?: string; avg_frame_rate?: string };
      expect([v.width, v.height]).toEqual([w, h]);
      expect(p.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
      expect(v.r_frame_rate).toBe('30/1');
    }
  }, 60_000);

  it('keyframes are aligned across rungs and with the source (± 1 frame) over 20 s', async () => {
    const taps = [SRC, ...RUNGS.map(([h]) => `${SRC}_${h}`)].map((p) => {
      const tap = new Tap(`kf-${p}`, true);
      t.studio.registry.get(p)!.addSubscriber(tap);
      return { p, tap };
    });
    await sleep(20_000);
    for (const { p, tap } of taps) t.studio.registry.get(p)?.removeSubscriber(tap);
    // the encoder speed is real-time speed (a live input cannot run ahead), not ffmpeg's since-start figure
    const speed = t.studio.ladder.list().find((l) => l.source === SRC)?.speed ?? null;
    expect(speed).not.toBeNull();
    expect(speed!).toBeGreaterThan(0.7);
    expect(speed!).toBeLessThan(1.3);
    const [src, ...rungs] = taps.map((x) => x.tap.keys);
    expect(src.length).toBeGreaterThanOrEqual(15);
    // every rung keyframe inside the window all taps covered has a source keyframe within one frame, and the counts match
    const lo = Math.max(...taps.map((x) => x.tap.keys[0])) + 100;
    const hi = Math.min(...taps.map((x) => x.tap.keys.at(-1)!)) - 100;
    const inWin = (k: number[]): number[] => k.filter((x) => x >= lo && x <= hi);
    const ref = inWin(src);
    expect(ref.length).toBeGreaterThanOrEqual(12);
    for (const k of rungs) {
      const mine = inWin(k);
      expect(mine.length).toBe(ref.length);
      for (const x of mine) expect(Math.min(...src.map((y) => Math.abs(x - y)))).toBeLessThanOrEqual(34);
      for (const x of mine) for (const other of rungs) expect(Math.min(...other.map((y) => Math.abs(x - y)))).toBeLessThanOrEqual(34);
    }
  }, 60_000);

  it('abr.m3u8 lists the source and every rung; each variant read over HLS matches its RESOLUTION, FRAME-RATE and CODECS; rung segments are cut at the same times', async () => {
    const master = await (await fetch(t.httpUrl(`${SRC}/abr.m3u8`))).text();
    const variants = parseMaster(master);
    expect(variants).toHaveLength(4);
    for (const { attrs, uri } of variants) {
      const hls = new URL(uri, t.httpUrl(`${SRC}/abr.m3u8`)).toString();
      const p = await ffprobe(hls);
      const v = p.streams.find((x) => x.codec_type === 'video') as unknown as { width: number; height: number; r_frame_rate: string; profile: string; level: number };
      expect(attrs.RESOLUTION, uri).toBe(`${v.width}x${v.height}`);
      const [num, den] = v.r_frame_rate.split('/').map(Number);
      expect(Number(attrs['FRAME-RATE'])).toBeCloseTo(num / den, 1);
      const { pp, ll } = avcFromProbe(v.profile, v.level);
      expect(attrs.CODECS, uri).toMatch(new RegExp(`^avc1\\.${pp}[0-9a-f]{2}${ll},mp4a\\.40\\.2$`, 'i'));
      expect(Number(attrs.BANDWIDTH)).toBeGreaterThan(0);
      expect(Number(attrs['AVERAGE-BANDWIDTH'])).toBeGreaterThan(0);
    }
    // the rungs' media playlists: the same sequence numbers carry the same durations
    const segs = await Promise.all(RUNGS.map(async ([h]) => {
      const body = await (await fetch(t.httpUrl(`${SRC}_${h}/index.m3u8`))).text();
      const seq0 = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)![1]);
      return new Map([...body.matchAll(/#EXTINF:([\d.]+),/g)].map((m, i) => [seq0 + i, Number(m[1])]));
    }));
    const common = [...segs[0].keys()].filter((k) => segs.every((m) => m.has(k)));
    expect(common.length).toBeGreaterThanOrEqual(3);
    for (const k of common) for (const m of segs) expect(Math.abs(m.get(k)! - segs[0].get(k)!)).toBeLessThan(0.05);
  }, 90_000);

  it('a killed ffmpeg restarts; players of the rungs get media again; the source\'s player never notices', async () => {
    const srcTap = new Tap('src-player', false);
    const rungTap = new Tap('rung-player', true);
    t.studio.registry.get(SRC)!.addSubscriber(srcTap);
    t.studio.registry.get(`${SRC}_480`)!.addSubscriber(rungTap);
    const pid = t.studio.ladder.pidOf(SRC);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await waitFor(() => (t.studio.ladder.list()[0]?.restarts ?? 0) >= 1, 'restart counted', 10_000);
    const before = rungTap.packets;
    await waitFor(() => t.studio.ladder.pidOf(SRC) !== pid && t.studio.ladder.list()[0]?.state === 'running', 'running again', 20_000);
    await waitFor(() => rungTap.packets > before + 30, 'rung media again', 20_000);
    const p = await ffprobe(t.rtmpUrl(`${SRC}_480`));
    expect(p.streams.find((s) => s.codec_type === 'video')?.height).toBe(480);
    expect(srcTap.ended).toBeNull();
    expect(rungTap.ended).toBeNull();
    const srcPackets = srcTap.packets;
    await sleep(1000);
    expect(srcTap.packets).toBeGreaterThan(srcPackets + 20);
    t.studio.registry.get(SRC)?.removeSubscriber(srcTap);
    t.studio.registry.get(`${SRC}_480`)?.removeSubscriber(rungTap);
  }, 60_000);

  describe('a destination on the 720p rung', () => {
    let nginx: NginxRtmp;
    beforeAll(async () => {
      nginx = await startNginxRtmp();
    });
    afterAll(async () => {
      await nginx?.stop();
    });

    it('receives 1280x720 from the ladder with no second ffmpeg', async () => {
      await t.studio.destinations.add({ name: 'rung720', platform: 'custom', url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, key: 'k720', source: { stream: `${SRC}_720` }, enabled: true });
      const got = await waitFor(async () => {
        try {
          return await ffprobe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/k720`);
        } catch {
          return null;
        }
      }, 'nginx has the rung', 30_000, 500);
      const v = got.streams.find((s) => s.codec_type === 'video');
      expect([v?.width, v?.height]).toEqual([1280, 720]);
      expect(liveToolPids()).toEqual([t.studio.ladder.pidOf(SRC)]);
    }, 60_000);
  });
});

describe('NMS fission config, unchanged', () => {
  it('fission.tasks (rule live/*) starts the same ladder', async () => {
    const fission = { ffmpeg: FFMPEG, tasks: [{ rule: 'live/*', model: [{ ab: '96k', vb: '800k', vs: '640x360', vf: '30' }, { ab: '64k', vb: '400k', vs: '426x240', vf: '15' }] }] };
    const t = await startStudio({ fission, ladder: { encoder: 'libx264', x264_preset: 'ultrafast' } });
    const pub = publishTestPattern(t.rtmpUrl('/live/nms'), { size: '640x360', rate: 30, seconds: 40 });
    try {
      await waitFor(() => t.studio.registry.get('/live/nms_360')?.ready && t.studio.registry.get('/live/nms_240')?.ready, 'fission rungs', 20_000);
      const st = t.studio.ladder.list()[0];
      expect(st.from).toBe('fission');
      expect(st.rungs.map((r) => [r.path, r.width, r.height, r.fps])).toEqual([['/live/nms_360', 640, 360, 30], ['/live/nms_240', 426, 240, 15]]);
      const p = await ffprobe(t.rtmpUrl('/live/nms_240'));
      const v = p.streams.find((s) => s.codec_type === 'video') as { width: number; height: number; r_frame_rate?: string };
      expect([v.width, v.height, v.r_frame_rate]).toEqual([426, 240, '15/1']);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  }, 60_000);
});

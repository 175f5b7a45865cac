/**
 * Disconnect protection (issue 14): a 320x180 publisher (2 s GOP) feeds /live/s with a destination to nginx-rtmp
 * (`record all`: one file). kill -9 the publisher → the slate goes on within ~2 s (an RTMP player keeps
 * receiving video), the destination keeps its one connection; restart → the source is back within one GOP +
 * 0.5 s, timestamps never go back (player and nginx's recording), ffprobe reads one continuous file. A second
 * drop reuses the cached clip (one ffmpeg encode).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../../core/rtmp/client';
import { FFMPEG, FFPROBE, run, type Run } from '../helpers/ffmpeg';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const PATH = '/live/s';
const GOP_MS = 2000;

function publisher(url: string): Run {
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '120', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-f', 'flv', url,
  ], 150_000);
}

async function kill9(r: Run): Promise<void> {
  r.child.kill('SIGKILL');
  await r.done;
}

interface Got { kind: 'video' | 'audio'; ts: number; at: number; key: boolean }

describe('the slate keeps a dropped stream and its destination live', () => {
  let src: TestStudio;
  let nginx: NginxRtmp;
  let pub: Run;
  let player: RtmpClient;
  let id = '';
  const got: Got[] = [];
  const slateEvents: { path: string; on: boolean; at: number }[] = [];
  beforeAll(async () => {
    [src, nginx] = await Promise.all([startStudio({ slate: { after_ms: 1500 } }), startNginxRtmp()]);
    src.studio.slate.on('slate', (e) => slateEvents.push({ ...e, at: Date.now() }));
    pub = publisher(src.rtmpUrl(PATH));
    id = (await src.studio.destinations.add({
      name: 'nginx stand-in', platform: 'custom', url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, key: 'slate-dest',
      source: { stream: PATH }, auto: true, enabled: true,
    })).id;
  }, 30_000);
  afterAll(async () => {
    player?.destroy();
    pub?.child.kill('SIGKILL');
    await Promise.all([src?.stop(), nginx?.stop()]);
  });

  it('drop → slate within ~2 s on the same connection; return → source within one GOP + 0.5 s; one continuous recording', async () => {
    const d = src.studio.destinations;
    await waitFor(() => d.get(id).status.state === 'live', 'destination live', 20_000);
    // the clip is prepared while the stream is live, before any drop
    await waitFor(() => src.studio.slate.clips.encodes === 1, 'slate clip prepared', 20_000);
    player = await RtmpClient.connect(src.rtmpUrl('/live'));
    player.on('media', (m) => {
      if (m.type !== MSG.VIDEO && m.type !== MSG.AUDIO) return;
      const video = m.type === MSG.VIDEO;
      if (video && m.payload[1] === 0) return; // AVC sequence header
      if (!video && m.payload[1] === 0) return; // AAC sequence header
      got.push({ kind: video ? 'video' : 'audio', ts: m.timestamp, at: Date.now(), key: video && m.payload[0] >> 4 === 1 });
    });
    await player.play('s');
    await waitFor(() => got.filter((g) => g.kind === 'video').length > 25, 'player receiving', 10_000);
    const liveSince = d.get(id).status.liveSince;

    // 1. kill -9 the publisher: the slate goes on; the player keeps receiving video; the destination holds on
    const killedAt = Date.now();
    await kill9(pub);
    await waitFor(() => src.studio.slate.active(PATH), 'slate on', 5000, 20);
    const onAfter = Date.now() - killedAt;
    const firstSlateVideo = await waitFor(() => got.find((g) => g.kind === 'video' && g.at > killedAt + 1000), 'slate video at the player', 5000, 20);
    console.log(`slate on ${onAfter} ms after the kill; first slate frame at the player after ${firstSlateVideo.at - killedAt} ms`);
    expect(firstSlateVideo.at - killedAt).toBeLessThanOrEqual(2500);
    expect(src.studio.registry.get(PATH)?.publisher?.protocol).toBe('slate');
    // the slate keeps playing: ~3 s of it arrive in real time, and go out to the destination
    const sentAtOn = d.get(id).status.bytesSent;
    await sleep(3000);
    expect(d.get(id).status.bytesSent).toBeGreaterThan(sentAtOn + 5000);
    const slateVideo = got.filter((g) => g.kind === 'video' && g.at > firstSlateVideo.at);
    expect(slateVideo.length).toBeGreaterThan(50);
    expect(d.get(id).status).toMatchObject({ state: 'live', reconnects: 0, liveSince });

    // 2. the publisher comes back: the slate yields, the source is on at its first keyframe
    const backAt = Date.now();
    pub = publisher(src.rtmpUrl(PATH));
    await waitFor(() => src.studio.registry.get(PATH)?.publisher?.protocol === 'rtmp', 'publisher back', 10_000, 20);
    const publishedAt = Date.now();
    expect(src.studio.slate.active(PATH)).toBe(false);
    const sourceKey = await waitFor(() => got.find((g) => g.key && g.at >= publishedAt), 'the source keyframe at the player', GOP_MS + 3000, 20);
    console.log(`publisher restarted: published after ${publishedAt - backAt} ms, source on the player ${sourceKey.at - publishedAt} ms after the publish`);
    expect(sourceKey.at - publishedAt).toBeLessThanOrEqual(GOP_MS + 500);
    await sleep(2000);
    expect(slateEvents.map((e) => e.on)).toEqual([true, false]);

    // 3. a second drop reuses the cached clip (no second encode)
    await kill9(pub);
    await waitFor(() => src.studio.slate.active(PATH), 'slate on again', 5000, 20);
    await sleep(2000);
    expect(src.studio.slate.clips.encodes).toBe(1);
    pub = publisher(src.rtmpUrl(PATH));
    await waitFor(() => !src.studio.slate.active(PATH) && src.studio.registry.get(PATH)?.publisher?.protocol === 'rtmp', 'back again', 10_000);
    await sleep(2500);
    expect(d.get(id).status).toMatchObject({ state: 'live', reconnects: 0, liveSince });

    // the player's timestamps never went back, per track, across slate on/off twice
    for (const kind of ['video', 'audio'] as const) {
      const ts = got.filter((g) => g.kind === kind).map((g) => g.ts);
      for (let i = 1; i < ts.length; i++) expect(ts[i], `${kind} #${i}`).toBeGreaterThanOrEqual(ts[i - 1]);
    }

    // 4. nginx: one publish (one recorded file), monotonic DTS per track, one continuous file
    await kill9(pub);
    d.stop(id);
    expect(readdirSync(nginx.recordDir).filter((f) => f.startsWith('slate-dest'))).toEqual(['slate-dest.flv']);
    const file = path.join(nginx.recordDir, 'slate-dest.flv');
    const r = await run(FFPROBE, ['-v', 'error', '-show_entries', 'packet=codec_type,dts', '-of', 'csv=p=0', file], 30_000).done;
    expect(r.code).toBe(0);
    const video: number[] = [];
    const audio: number[] = [];
    for (const line of r.stdout.toString().trim().split('\n')) {
      const [kind, t] = line.split(',');
      if (kind === 'video') video.push(Number(t));
      else if (kind === 'audio') audio.push(Number(t));
    }
    for (const ts of [video, audio]) for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    // continuous: the recording spans the whole test (source + slate + source + slate + source), no big hole
    const gaps = video.slice(1).map((t, i) => t - video[i]);
    console.log(`nginx recording: ${video.length} video / ${audio.length} audio packets over ${video.at(-1)! - video[0]} ms, largest video gap ${Math.max(...gaps)} ms`);
    expect(Math.max(...gaps)).toBeLessThan(500);
    expect(video.at(-1)! - video[0]).toBeGreaterThan(10_000);
    const probe = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], 30_000).done;
    expect(Number(probe.stdout.toString().trim())).toBeGreaterThan(10);
  }, 120_000);
});

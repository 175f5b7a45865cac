/**
 * Pre-flight while running (issue 11: "before and while a destination runs"): a source that starts with 2 s
 * keyframes is copied to a Twitch-preset destination; when its keyframes spread to 10 s mid-broadcast, the
 * destination switches to a re-encode on the fly — same connection to nginx-rtmp (one publish, one recorded
 * file), timestamps (DTS) that never go back, and keyframes ≤ 2 s apart again after the switch.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, FFPROBE, run, type Run } from '../helpers/ffmpeg';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

describe('pre-flight switches a copying destination to re-encode when the source stops passing', () => {
  let src: TestStudio;
  let nginx: NginxRtmp;
  let pub: Run;
  let id = '';
  beforeAll(async () => {
    [src, nginx] = await Promise.all([startStudio(), startNginxRtmp()]);
    // keyframes at 0, 2, 4, 6, 8 s, then every 10 s (18, 28, …): copy first, then Twitch's ≤ 4 s rule fails
    pub = run(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '1000', '-keyint_min', '1000', '-sc_threshold', '0',
      '-force_key_frames', 'expr:if(lt(t,9),gte(t,n_forced*2),gte(t,8+(n_forced-4)*10))', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-ar', '48000', '-f', 'flv', src.rtmpUrl('/live/sw'),
    ], 90_000);
    id = (await src.studio.destinations.add({
      name: 'twitch stand-in', platform: 'twitch', url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, key: 'sw1tch-KEY',
      source: { stream: '/live/sw' }, auto: true, enabled: true,
    })).id;
  }, 30_000);
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await Promise.all([src?.stop(), nginx?.stop()]);
  });

  it('copy → re-encode on the fly, one connection, monotonic timestamps, short GOPs after the switch', async () => {
    const d = src.studio.destinations;
    await waitFor(() => d.get(id).status.state === 'live', 'live (copy)', 20_000);
    expect(d.get(id).status.preflight?.mode).toBe('copy');
    const switchedAt = await waitFor(() => (d.get(id).status.preflight?.mode === 're-encode' ? Date.now() : 0), 'switch to re-encode', 30_000);
    console.log('switched:', d.get(id).status.preflight?.summary);
    expect(d.get(id).status.preflight?.summary).toMatch(/keyframes .*Twitch needs ≤ 4 s/);
    // let the re-encode run a while, then read nginx's one recording
    await waitFor(() => Date.now() - switchedAt > 12_000, 'some re-encoded seconds', 20_000, 250);
    expect(d.get(id).status).toMatchObject({ state: 'live', reconnects: 0 });
    pub.child.kill('SIGKILL');
    d.stop(id);
    expect(readdirSync(nginx.recordDir).filter((f) => f.startsWith('sw1tch-KEY'))).toEqual(['sw1tch-KEY.flv']);
    const r = await run(FFPROBE, ['-v', 'error', '-show_entries', 'packet=codec_type,dts,flags', '-of', 'csv=p=0', path.join(nginx.recordDir, 'sw1tch-KEY.flv')], 30_000).done;
    const video: { t: number; key: boolean }[] = [];
    const audio: number[] = [];
    for (const line of r.stdout.toString().trim().split('\n')) {
      const [kind, t, flags] = line.split(',');
      if (kind === 'video') video.push({ t: Number(t), key: flags.startsWith('K') });
      else if (kind === 'audio') audio.push(Number(t));
    }
    const bad = (ts: number[]): string => { const i = ts.findIndex((t, j) => j > 0 && t < ts[j - 1]); return i < 0 ? 'none' : ts.slice(Math.max(0, i - 5), i + 5).join(' '); };
    console.log('video back:', bad(video.map((v) => v.t)), 'audio back:', bad(audio));
    for (const ts of [video.map((v) => v.t), audio]) for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    const keys = video.filter((v) => v.key).map((v) => v.t);
    const gaps = keys.slice(1).map((t, i) => t - keys[i]);
    console.log('keyframe times on nginx (ms):', keys.join(' '));
    // the last few GOPs (all after the switch) are Twitch-sized
    expect(gaps.length).toBeGreaterThanOrEqual(6);
    for (const g of gaps.slice(-4)) expect(g).toBeLessThanOrEqual(2100);
    // and the source's 10 s GOP did reach nginx before the switch (the test can tell copy from re-encode)
    expect(Math.max(...gaps)).toBeGreaterThan(4000);
  }, 90_000);
});

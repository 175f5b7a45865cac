/**
 * Pre-flight re-encode (issue 11): a 10 s-GOP source feeds a Twitch destination and a Custom one, both pointed
 * at a second OnAir studio on 127.0.0.1 (the remote). Twitch needs keyframes ≤ 4 s: it is re-encoded by a
 * per-destination ffmpeg (source → /live/gop_enc_<id> inside the source studio → our RTMP client → remote),
 * and ffprobe on the remote's copy shows keyframes ≤ 2 s apart. Custom has no rule: copied, keyframes 10 s apart.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../../core/rtmp/client';
import { liveToolPids } from '../../core/ffmpeg/run';
import { FFMPEG, FFPROBE, run, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** keyframe times (s) of the video read from a live URL for `seconds` of media time */
async function keyframeTimes(url: string, seconds: number): Promise<number[]> {
  const r = await run(FFPROBE, ['-v', 'error', '-read_intervals', `%+${seconds}`, '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', url], (seconds + 25) * 1000).done;
  if (r.code !== 0) throw new Error(`ffprobe failed (${r.code}): ${r.stderr}`);
  return r.stdout.toString().split('\n').map((l) => Number.parseFloat(l)).filter((n) => Number.isFinite(n));
}

const gaps = (t: number[]): number[] => t.slice(1).map((x, i) => +(x - t[i]).toFixed(3));

describe('pre-flight: a 10 s-GOP source to Twitch (re-encoded) and to Custom (copied)', () => {
  let src: TestStudio;
  let remote: TestStudio;
  let pub: Run;
  let twitch = '';
  let custom = '';
  beforeAll(async () => {
    [src, remote] = await Promise.all([startStudio(), startStudio()]);
    pub = run(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '90', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '250', '-keyint_min', '250', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-ar', '48000', '-f', 'flv', src.rtmpUrl('/live/gop'),
    ], 120_000);
    const d = src.studio.destinations;
    const base = { source: { stream: '/live/gop' }, auto: true, enabled: true };
    twitch = (await d.add({ ...base, name: 'twitch stand-in', platform: 'twitch', url: remote.rtmpUrl('/app'), key: 'live_tw1tch_KEY9' })).id;
    custom = (await d.add({ ...base, name: 'custom stand-in', platform: 'custom', url: remote.rtmpUrl('/copy'), key: 'cust0m-KEY7' })).id;
  }, 30_000);
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await Promise.all([src?.stop(), remote?.stop()]);
  });

  it('the Twitch card says re-encode with the reason, the remote gets keyframes ≤ 2 s apart; Custom copies 10 s GOPs', async () => {
    const d = src.studio.destinations;
    await waitFor(() => d.get(twitch).status.state === 'live' && d.get(custom).status.state === 'live', 'both live', 30_000);
    const tw = d.get(twitch).status;
    console.log('twitch card:', tw.preflight?.summary, tw.preflight?.reencode);
    expect(tw.preflight).toMatchObject({ mode: 're-encode', reencode: { path: `/live/gop_enc_${twitch}`, encoder: expect.any(String) as unknown } });
    expect(tw.preflight?.summary).toMatch(/^re-encode: keyframes (every 10 s|more than 4 s apart), Twitch needs ≤ 4 s$/);
    expect(d.get(custom).status.preflight).toMatchObject({ mode: 'copy', summary: 'copy', reencode: null });
    // the re-encode's ffmpeg is one of ours (tracked pid, own process group), and the key never reached its argv
    const pids = liveToolPids();
    expect(pids.length).toBeGreaterThanOrEqual(1);
    const { readFileSync } = await import('node:fs');
    for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('KEY');
    const [encoded, copied] = await Promise.all([keyframeTimes(remote.rtmpUrl('/app/live_tw1tch_KEY9'), 9), keyframeTimes(remote.rtmpUrl('/copy/cust0m-KEY7'), 13)]);
    console.log('re-encoded keyframe gaps', gaps(encoded), 'copied keyframe gaps', gaps(copied));
    expect(encoded.length).toBeGreaterThanOrEqual(4);
    for (const g of gaps(encoded)) expect(g).toBeLessThanOrEqual(2.05);
    expect(copied.length).toBeGreaterThanOrEqual(2);
    for (const g of gaps(copied)) expect(g).toBeGreaterThan(9.5);
    // the internal output lives inside the source studio, hidden: not listed, no HLS, not in /api/streams
    const enc = `/live/gop_enc_${twitch}`;
    expect(src.studio.registry.get(enc)?.publisher).toBeTruthy();
    expect(src.studio.registry.get(enc)?.internal).toBe(true);
    const listed = (await src.studio.api.dispatch('streams.list', {})) as { ok: true; result: { path: string }[] };
    expect(listed.result.map((x) => x.path)).toEqual(['/live/gop']);
    const nms = (await (await fetch(src.httpUrl('/api/streams'))).json()) as { live: Record<string, unknown> };
    expect(Object.keys(nms.live)).toEqual(['gop']);
    expect((await fetch(src.httpUrl(`${enc}/index.m3u8`))).status).toBe(404);
  }, 60_000);

  it('stopping the Twitch destination kills its ffmpeg (no orphan) and leaves the Custom one live', async () => {
    const before = liveToolPids();
    expect(before.length).toBeGreaterThanOrEqual(1);
    src.studio.destinations.stop(twitch);
    await waitFor(() => before.every((p) => !liveToolPids().includes(p)), 'ffmpeg gone', 10_000);
    for (const p of before) expect(() => process.kill(p, 0)).toThrow();
    expect(src.studio.destinations.get(custom).status.state).toBe('live');
  }, 20_000);

  it('the Custom copy is byte for byte: every video payload the remote serves is one the source served', async () => {
    const seen = async (url: string, name: string, ms: number): Promise<Set<string>> => {
      const c = await RtmpClient.connect(url);
      const out = new Set<string>();
      c.on('media', (m) => {
        if (m.type === MSG.VIDEO && m.payload.length > 64) out.add(createHash('sha1').update(m.payload).digest('hex'));
      });
      await c.play(name);
      await new Promise((r) => setTimeout(r, ms));
      c.destroy();
      return out;
    };
    const [source, copy] = await Promise.all([seen(src.rtmpUrl('/live'), 'gop', 6000), seen(remote.rtmpUrl('/copy'), 'cust0m-KEY7', 5000)]);
    expect(copy.size).toBeGreaterThan(50);
    const matched = [...copy].filter((h) => source.has(h)).length;
    console.log(`copy: ${matched} of ${copy.size} video payloads identical to the source's`);
    expect(matched / copy.size).toBeGreaterThan(0.9);
  }, 30_000);
});

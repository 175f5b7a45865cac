import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent, StreamHealth } from '../../core/contract';
import { FFMPEG, run, type Run } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { freePort } from '../helpers/net';

/** A tiny live test pattern: `gop` frames between keyframes at 25 fps, with or without audio. */
function publish(url: string, gop: number, audio: boolean, seconds = 45): Run {
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25',
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    ...(audio ? ['-c:a', 'aac', '-ar', '48000'] : ['-an']),
    '-f', 'flv', url,
  ], (seconds + 30) * 1000);
}

describe('stream health (issue 14)', () => {
  let t: TestStudio;
  const pubs: Run[] = [];
  const changed: Array<{ at: number; stream: string; health: StreamHealth | null }> = [];
  let startedAt = 0;

  const health = async (stream: string): Promise<StreamHealth | undefined> => {
    const r = (await t.studio.api.dispatch('health.get', { stream })) as { ok: boolean; result: StreamHealth[] };
    expect(r.ok).toBe(true);
    return r.result[0];
  };

  beforeAll(async () => {
    t = await startStudio();
    t.studio.api.events.subscribe((e: AnyEvent) => {
      if (e.event === 'health.changed') changed.push({ at: Date.now(), ...e.data });
    });
    await t.studio.destinations.add({
      name: 'facebook (unreachable)', platform: 'facebook', url: `rtmps://127.0.0.1:${await freePort()}/rtmp`, key: 'FB-0000-health-test',
      source: { stream: '/live/mute' }, auto: true, enabled: false,
    });
    startedAt = Date.now();
    pubs.push(publish(t.rtmpUrl('/live/gop10'), 250, true), publish(t.rtmpUrl('/live/gop2'), 50, true), publish(t.rtmpUrl('/live/mute'), 50, false));
  }, 30_000);

  afterAll(async () => {
    for (const p of pubs) p.child.kill('SIGKILL');
    await t?.stop();
  });

  it('a 10 s GOP gets the keyframe advice within 25 s (bad); a 2 s GOP never does', async () => {
    const gop2Seen: string[] = [];
    const h = await waitFor(async () => {
      const g2 = await health('/live/gop2');
      for (const a of g2?.list ?? []) gop2Seen.push(a.check);
      const h10 = await health('/live/gop10');
      return h10?.list.find((a) => a.check === 'keyframes' && a.level === 'bad') ? h10 : null;
    }, 'keyframe advice (bad) on /live/gop10', 25_000, 250);
    console.log(`keyframe advice after ${((Date.now() - startedAt) / 1000).toFixed(1)} s:`, h.advice?.text);
    expect(h.verdict).toBe('bad');
    expect(h.advice?.check).toBe('keyframes');
    expect(h.advice?.params.seconds).toBeGreaterThan(4);
    expect(h.advice?.text).toMatch(/^Keyframes every \d+\.\d s: set OBS → Output → Keyframe Interval to 2$/);
    // the 2 s GOP, watched until it has been live ≥ 14 s (several GOPs)
    await waitFor(async () => {
      const g2 = await health('/live/gop2');
      for (const a of g2?.list ?? []) gop2Seen.push(a.check);
      return Date.now() - startedAt > 14_000;
    }, '14 s of /live/gop2', 30_000, 250);
    expect(await health('/live/gop2')).toBeDefined();
    expect(gop2Seen).not.toContain('keyframes');
    for (const c of changed.filter((e) => e.stream === '/live/gop2')) expect(c.health?.list.map((a) => a.check) ?? []).not.toContain('keyframes');
    // the measured interval settles at the real GOP
    const settled = await waitFor(async () => {
      const s = (await health('/live/gop10'))?.advice?.params.seconds ?? 0;
      return s >= 9.5 && s <= 10.5 ? s : 0;
    }, 'interval ≈ 10 s', 25_000, 250);
    expect(settled).toBeCloseTo(10, 0);
  }, 60_000);

  it('no audio with a Facebook destination: the audio advice, at the top', async () => {
    const h = await waitFor(async () => {
      const x = await health('/live/mute');
      return x?.list.find((a) => a.check === 'no_audio_facebook') ? x : null;
    }, 'audio advice on /live/mute', 20_000, 250);
    expect(h.verdict).toBe('bad');
    expect(h.advice?.check).toBe('no_audio_facebook');
    expect(h.advice?.text).toBe('No audio track: Facebook will end the stream');
    // the streams with audio never get it
    expect((await health('/live/gop2'))?.list.map((a) => a.check)).not.toContain('no_audio_facebook');
  }, 30_000);

  it('health.changed fires on a change, not every second', async () => {
    // a window of 10 s once the 10 s GOP's interval has been measured (after its second keyframe)
    await waitFor(() => Date.now() - startedAt > 22_000, 'two GOPs', 30_000, 100);
    const from = Date.now();
    await sleep(10_000);
    const inWindow = changed.filter((e) => e.at >= from && e.stream === '/live/gop10');
    console.log('health.changed for /live/gop10 in 10 s:', inWindow.length, 'total events so far:', changed.length);
    expect(inWindow.length).toBeLessThanOrEqual(2);
    // it did fire when the verdict changed
    expect(changed.some((e) => e.stream === '/live/gop10' && e.health?.verdict === 'bad' && e.health.advice?.check === 'keyframes')).toBe(true);
    expect(changed.some((e) => e.stream === '/live/mute' && e.health?.advice?.check === 'no_audio_facebook')).toBe(true);
    // every stream is sampled for the charts: 1 s apart
    const hist = (await t.studio.api.dispatch('health.history', { stream: '/live/gop10', minutes: 5 })) as { ok: boolean; result: { step_s: number; samples: Array<{ fps: number | null; keyframe_s: number | null }>; server: unknown[] } };
    expect(hist.ok).toBe(true);
    expect(hist.result.step_s).toBe(1);
    expect(hist.result.samples.length).toBeGreaterThan(15);
    expect(hist.result.server.length).toBeGreaterThan(15);
    expect(Math.max(...hist.result.samples.map((s) => s.keyframe_s ?? 0))).toBeGreaterThan(9);
  }, 60_000);
});

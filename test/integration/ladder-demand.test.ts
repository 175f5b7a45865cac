/**
 * The live ladder's control side with the real bundled ffmpeg and small sources: on_demand (touch() from the ABR
 * playlists, a rung's play, idle stop), ladder.set through the contract (applied at once, saved), ladder.state
 * events, and "ffmpeg not found" leaving the source untouched.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LadderState } from '../../core/contract/ladder';
import { LadderManager } from '../../core/ladder/manager';
import { FFMPEG, ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

const SMALL = { preset: 'custom', rungs: [{ height: 144, video_kbps: 200, audio_kbps: 48 }, { height: 90, video_kbps: 100, audio_kbps: 32 }] };

describe('ladder on demand, ladder.set, ffmpeg missing', () => {
  let t: TestStudio;
  let pub: Run;
  const states: LadderState[] = [];

  beforeAll(async () => {
    t = await startStudio({ ffmpeg: FFMPEG, ladder: { on_demand: true, idle_s: 5, encoder: 'libx264', x264_preset: 'ultrafast', apps: { live: SMALL } } });
    t.studio.api.events.subscribe((e) => {
      if (e.event === 'ladder.state') states.push(e.data);
    });
    pub = publishTestPattern(t.rtmpUrl('/live/od'), { size: '320x180', rate: 25, seconds: 80 });
    await waitFor(() => t.studio.registry.get('/live/od')?.videoInfo, 'source live', 15_000);
  }, 30_000);

  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t?.stop();
  });

  it('with on_demand nothing runs until touch(); then the rungs appear; idle_s later with no player it stops', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.studio.ladder.list()[0]).toMatchObject({ source: '/live/od', state: 'off', from: 'app' });
    expect(t.studio.ladder.pidOf('/live/od')).toBeNull();
    await t.studio.ladder.touchAndWait('/live/od', 15_000);
    expect(t.studio.registry.get('/live/od_144')?.ready && t.studio.registry.get('/live/od_90')?.ready).toBe(true);
    await waitFor(() => states.some((s) => s.source === '/live/od' && s.state === 'running' && s.rungs.every((r) => r.live)), 'ladder.state running', 10_000);
    await waitFor(() => t.studio.ladder.list()[0]?.state === 'off' && t.studio.ladder.pidOf('/live/od') === null, 'idle stop', 20_000, 200);
  }, 60_000);

  it('a play of a rung starts it (prePlay), and the player gets the rung', async () => {
    const p = await ffprobe(t.rtmpUrl('/live/od_144'));
    const v = p.streams.find((s) => s.codec_type === 'video');
    expect([v?.width, v?.height]).toEqual([256, 144]);
  }, 60_000);

  it('ladder.set applies at once (the live ladder restarts with the new rungs) and is saved', async () => {
    const setting = { preset: 'custom' as const, rungs: [{ height: 120, fps: 10, video_kbps: 150, audio_kbps: 32 }] };
    const r = await t.studio.api.dispatch('ladder.set', { scope: { stream: '/live/od' }, setting });
    expect(r.ok).toBe(true);
    const s = await t.studio.api.dispatch('ladder.settings', {});
    expect(s.ok && s.result).toMatchObject({ on_demand: true, streams: { '/live/od': { preset: 'custom' } }, apps: { live: { preset: 'custom' } } });
    const saved = JSON.parse(readFileSync(path.join(t.studio.config.data_dir, 'config.json'), 'utf8')) as { ladder: { streams: Record<string, unknown> } };
    expect(saved.ladder.streams['/live/od']).toBeTruthy();
    t.studio.ladder.touch('/live/od');
    await waitFor(() => t.studio.registry.get('/live/od_120')?.ready, 'new rung', 15_000);
    const l = await t.studio.api.dispatch('ladder.list', {});
    expect(l.ok && (l.result as LadderState[])[0]).toMatchObject({ from: 'stream', rungs: [{ path: '/live/od_120', width: 214, height: 120, fps: 10 }] });
    const bad = await t.studio.api.dispatch('ladder.set', { scope: { app: 'live' }, setting: { preset: 'custom', rungs: [{ height: 100000, video_kbps: 1, audio_kbps: 1 }] } });
    expect(bad.ok).toBe(false);
    const none = await t.studio.api.dispatch('ladder.set', { scope: { app: 'live' }, setting: null });
    expect(none.ok).toBe(true);
  }, 60_000);

  it('ffmpeg not found: the ladder says so and the source is untouched', async () => {
    const failed: LadderState[] = [];
    const m = new LadderManager({
      registry: t.studio.registry, hooks: t.studio.hooks, log: pino({ level: 'silent' }), ffmpeg: async () => null,
      config: () => ({ ...t.studio.config, ladder: { ...t.studio.config.ladder, on_demand: false, streams: {}, apps: { live: SMALL as never } } }),
      loopbackUrl: () => 'rtmp://127.0.0.1:1/live/x',
    });
    m.on('state', (s) => failed.push(s));
    m.start();
    try {
      await waitFor(() => failed.find((s) => s.state === 'failed'), 'failed state', 10_000);
      expect(m.list()[0]).toMatchObject({ source: '/live/od', state: 'failed', error: 'ffmpeg not found' });
      expect(t.studio.registry.get('/live/od')?.publisher).not.toBeNull();
      const p = await ffprobe(t.rtmpUrl('/live/od'));
      expect(p.streams.find((s) => s.codec_type === 'video')?.width).toBe(320);
    } finally {
      await m.stop();
    }
  }, 60_000);
});

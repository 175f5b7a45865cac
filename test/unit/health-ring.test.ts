import { describe, expect, it } from 'vitest';
import { runChecks, signature, verdictOf, type StreamFacts } from '../../core/health/checks';
import { RING_SAMPLES, SERVER_FIELDS, STREAM_FIELDS } from '../../core/health/monitor';
import { SampleRing } from '../../core/health/ring';

/** The stated budget (README): the in-memory health samples of 20 live streams, whatever their uptime. */
const BUDGET_20_STREAMS = 2 * 1024 * 1024;

describe('health sample rings', () => {
  it('24 h of 1-s samples for 20 streams stay under 2 MiB (the rings keep the last 30 min)', () => {
    const before = process.memoryUsage().arrayBuffers;
    const rings = Array.from({ length: 20 }, () => new SampleRing(STREAM_FIELDS, RING_SAMPLES));
    const server = new SampleRing(SERVER_FIELDS, RING_SAMPLES);
    const t0 = Date.now() - 86_400_000;
    for (let i = 0; i < 86_400; i++) {
      const at = t0 + i * 1000;
      for (const r of rings) r.push(at, { bitrate_in: 3e6 + i, fps: 30, keyframe_s: 2, lag_ms: 10, acked_bps: null, v_hls: i % 7 });
      server.push(at, { cpu: 12, mem_used: 1e9, disk_free: 5e11 });
    }
    const bytes = rings.reduce((a, r) => a + r.bytes, 0) + server.bytes;
    console.log(`health rings: ${bytes} bytes for 20 streams + server (${(bytes / 1024 / 1024).toFixed(2)} MiB)`);
    expect(bytes).toBeLessThan(BUDGET_20_STREAMS);
    for (const r of rings) expect(r.size).toBe(RING_SAMPLES);
    // nothing else grew: the arrays were allocated once (generous bound: 2 × the budget)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 * BUDGET_20_STREAMS);
    // the newest 30 min, in order, unknowns as null
    const last = rings[0].since(t0 + 86_399_000 - 30 * 60_000 + 1);
    expect(last.length).toBe(RING_SAMPLES);
    expect(last[last.length - 1]).toMatchObject({ at: t0 + 86_399_000, bitrate_in: 3e6 + 86_399, acked_bps: null });
    expect(rings[0].last('fps', 10)).toEqual(Array(10).fill(30));
  });
});

describe('health checks', () => {
  const ok: StreamFacts = { liveS: 60, hasAudio: true, hasVideo: true, facebookDestination: false, keyframeS: 2, lagMs: [0, 0, 0, 0, 0], bitrates: Array(10).fill(3e6), ladderSpeed: null, upload: null, diskMinutes: null };

  it('thresholds, priority and the verdict', () => {
    expect(runChecks(ok)).toEqual([]);
    expect(verdictOf(runChecks(ok))).toBe('good');
    expect(runChecks({ ...ok, keyframeS: 3 })[0]).toMatchObject({ check: 'keyframes', level: 'warning' });
    expect(runChecks({ ...ok, keyframeS: 8.3 })[0].text).toBe('Keyframes every 8.3 s: set OBS → Output → Keyframe Interval to 2');
    expect(runChecks({ ...ok, bitrates: [1e6, ...Array(9).fill(3e6)] })[0].text).toBe('Bitrate swings 3.0× in 10 s: use CBR');
    expect(runChecks({ ...ok, lagMs: [700, 650, 620, 610, 600.5] })[0].text).toBe('Frames arrive 601 ms late (publisher network)');
    expect(runChecks({ ...ok, lagMs: [700, 650, 620, 610, 100] })).toEqual([]);
    expect(runChecks({ ...ok, diskMinutes: 38.4 })[0]).toMatchObject({ level: 'warning', text: 'Disk has 38 minutes of recording left' });
    expect(runChecks({ ...ok, ladderSpeed: 0.82 })[0]).toMatchObject({ level: 'warning', check: 'ladder_speed' });
    expect(runChecks({ ...ok, upload: { need: 14e6, lo: 8e6, hi: 9e6 } })[0].text).toBe('Your destinations need 14.0 Mbit/s; your upload measured 8.0–9.0 Mbit/s');
    // a bad beats a warning of higher priority; among equals, HEALTH_CHECKS order
    const both = runChecks({ ...ok, keyframeS: 3, hasAudio: false, facebookDestination: true, ladderSpeed: 0.5 });
    expect(both.map((a) => a.check)).toEqual(['no_audio_facebook', 'ladder_speed', 'keyframes']);
    expect(verdictOf(both)).toBe('bad');
    // no audio without Facebook is not advice
    expect(runChecks({ ...ok, hasAudio: false })).toEqual([]);
  });

  it('the change signature ignores small moves of the numbers', () => {
    const a = runChecks({ ...ok, keyframeS: 8.3 });
    const b = runChecks({ ...ok, keyframeS: 8.4, bitrates: [1e6, ...Array(9).fill(3e6)] });
    expect(signature(verdictOf(a), a)).toBe(signature(verdictOf(b), b));
    const c = runChecks({ ...ok, keyframeS: 10 });
    expect(signature(verdictOf(a), a)).not.toBe(signature(verdictOf(c), c));
  });
});

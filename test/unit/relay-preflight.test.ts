import { describe, expect, it } from 'vitest';
import type { MediaPacket } from '../../core/media/packet';
import { canDecide, preflight, type IncomingStream } from '../../core/relay/preflight';
import { KeyframeTracker } from '../../core/media/keyframe-tracker';
import { PreflightWatch } from '../../core/relay/preflight-watch';
import { encodedName, isEncodedName, reencodeArgs } from '../../core/relay/reencode';

const good: IncomingStream = { hasVideo: true, hasAudio: true, videoCodec: 'H264', audioCodec: 'AAC', audioRate: 48_000, keyframeS: 2, keyframeAtLeast: false, videoBitrate: 3_000_000 };

const pkt = (kind: 'video' | 'audio', timestamp: number, keyframe = false): MediaPacket => ({ kind, timestamp, cts: 0, keyframe, seqHeader: false, body: Buffer.alloc(1) });

describe('pre-flight rules', () => {
  it('copies a stream that passes, on every platform', () => {
    for (const p of ['twitch', 'youtube', 'facebook', 'kick', 'custom'] as const) expect(preflight(p, good)).toMatchObject({ mode: 'copy', summary: 'copy', reasons: [] });
  });

  it('an 8.3 s GOP is re-encoded for Twitch with the reason in plain words; Custom copies it', () => {
    const v = preflight('twitch', { ...good, keyframeS: 8.3 });
    expect(v).toMatchObject({ mode: 're-encode', video: 'encode', audio: 'copy', gopS: 2 });
    expect(v.summary).toBe('re-encode: keyframes every 8.3 s, Twitch needs ≤ 4 s');
    expect(preflight('custom', { ...good, keyframeS: 8.3 }).mode).toBe('copy');
    expect(preflight('youtube', { ...good, keyframeS: 4 }).mode).toBe('copy');
    expect(preflight('facebook', { ...good, keyframeS: 5, keyframeAtLeast: true }).summary).toBe('re-encode: keyframes more than 4 s apart, Facebook needs ≤ 4 s');
  });

  it('Twitch: bitrate over 6 Mbit/s → encode under the cap; HEVC → H.264; YouTube takes HEVC and AV1', () => {
    const v = preflight('twitch', { ...good, videoBitrate: 8_000_000 });
    expect(v).toMatchObject({ mode: 're-encode', targetBitrate: 6_000_000 });
    expect(v.reasons[0]).toBe('video at 8 Mbit/s, Twitch takes at most 6 Mbit/s');
    expect(preflight('twitch', { ...good, videoCodec: 'HEVC' }).reasons).toEqual(['video is HEVC, Twitch needs H264']);
    expect(preflight('youtube', { ...good, videoCodec: 'HEVC' }).mode).toBe('copy');
    expect(preflight('youtube', { ...good, videoCodec: 'AV1' }).mode).toBe('copy');
    expect(preflight('youtube', { ...good, videoCodec: 'VP6' }).mode).toBe('re-encode');
  });

  it('Facebook without audio: silence is added, video copied; audio sample rate and codec', () => {
    const v = preflight('facebook', { ...good, hasAudio: false, audioCodec: null, audioRate: null });
    expect(v).toMatchObject({ mode: 're-encode', video: 'copy', audio: 'silence' });
    expect(v.summary).toContain('no audio, Facebook ends a stream without audio');
    expect(preflight('twitch', { ...good, hasAudio: false }).mode).toBe('copy');
    expect(preflight('twitch', { ...good, audioRate: 22_050 })).toMatchObject({ audio: 'encode', video: 'copy', reasons: ['audio at 22.05 kHz, Twitch needs 44.1 or 48 kHz'] });
    expect(preflight('youtube', { ...good, audioCodec: 'MP3' }).audio).toBe('encode');
  });

  it('decides only once the keyframe interval is known or already too long', () => {
    expect(canDecide('twitch', { ...good, keyframeS: null })).toBe(false);
    expect(canDecide('twitch', { ...good, keyframeS: 3, keyframeAtLeast: true })).toBe(false);
    expect(canDecide('twitch', { ...good, keyframeS: 4.2, keyframeAtLeast: true })).toBe(true);
    expect(canDecide('twitch', { ...good, keyframeS: 2, keyframeAtLeast: false })).toBe(true);
    expect(canDecide('custom', { ...good, keyframeS: null })).toBe(true);
    expect(canDecide('youtube', { ...good, hasVideo: false, keyframeS: null })).toBe(true);
  });
});

describe('KeyframeTracker', () => {
  it('a lower bound while the next keyframe is late, then the longest recent interval', () => {
    const k = new KeyframeTracker();
    expect(k.intervalS).toBeNull();
    k.add(pkt('video', 1000, true));
    for (let t = 1040; t <= 5200; t += 40) k.add(pkt('audio', t));
    expect(k.atLeast).toBe(true);
    expect(k.intervalS).toBeCloseTo(4.2, 5);
    k.add(pkt('video', 9300, true));
    expect(k.atLeast).toBe(false);
    expect(k.intervalS).toBeCloseTo(8.3, 5);
    k.add(pkt('video', 11300, true));
    k.add(pkt('video', 13300, true));
    expect(k.intervalS).toBeCloseTo(8.3, 5); // the longest of the last three
    k.add(pkt('video', 15300, true));
    expect(k.intervalS).toBeCloseTo(2, 5);
  });

  it('a timestamp jump backwards starts over', () => {
    const k = new KeyframeTracker();
    k.add(pkt('video', 50_000, true));
    k.add(pkt('video', 60_000, true));
    k.add(pkt('video', 100, true));
    expect(k.intervalS).toBe(0);
    expect(k.atLeast).toBe(true);
  });
});

describe('re-encode argv', () => {
  it('2 s GOP, CBR under the cap, AAC 48 kHz, our own loopback URLs only', () => {
    const v = preflight('twitch', { ...good, keyframeS: 10, videoBitrate: 9_000_000 });
    const a = reencodeArgs({ input: 'rtmp://127.0.0.1:1935/live/cam', output: 'rtmp://127.0.0.1:1935/live/cam_enc_d1', verdict: v, encoder: 'libx264', fps: 30, hasVideo: true });
    const after = (o: string): string => a[a.indexOf(o) + 1];
    expect(after('-c:v')).toBe('libx264');
    expect([after('-b:v'), after('-maxrate'), after('-bufsize')]).toEqual(['6000k', '6000k', '12000k']);
    expect([after('-g'), after('-keyint_min'), after('-sc_threshold'), after('-force_key_frames')]).toEqual(['60', '60', '0', 'expr:gte(t,n_forced*2)']);
    expect(after('-x264-params')).toBe('nal-hrd=cbr');
    expect(after('-c:a')).toBe('copy');
    expect(a.slice(-3)).toEqual(['-f', 'flv', 'rtmp://127.0.0.1:1935/live/cam_enc_d1']);
    const fb = reencodeArgs({ input: 'in', output: 'out', verdict: preflight('facebook', { ...good, hasAudio: false }), encoder: 'libx264', fps: null, hasVideo: true });
    expect(fb).toEqual(expect.arrayContaining(['anullsrc=channel_layout=stereo:sample_rate=48000', '-shortest']));
    expect(fb[fb.indexOf('-c:v') + 1]).toBe('copy');
    expect(fb.slice(fb.indexOf('-c:a'), fb.indexOf('-c:a') + 8)).toEqual(['-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2']);
  });

  it('the internal stream name is a valid stream name and is recognised as internal', () => {
    expect(encodedName('cam', 'Ab-9_x')).toBe('cam_enc_Ab-9_x');
    expect(encodedName('x'.repeat(128), 'id1')).toHaveLength(128);
    expect(isEncodedName('cam_enc_Ab-9_x')).toBe(true);
    expect(isEncodedName('cam')).toBe(false);
  });
});

describe('pre-flight while running (PreflightWatch)', () => {
  const spike: IncomingStream = { ...good, videoBitrate: 9_000_000 };
  it('switches only after the failure holds for 3 checks at least a second apart', () => {
    const w = new PreflightWatch();
    expect(w.check('twitch', spike, 1000)).toBeNull();
    expect(w.check('twitch', spike, 1500)).toBeNull(); // too soon: not counted
    expect(w.check('twitch', spike, 2000)).toBeNull();
    expect(w.check('twitch', spike, 3000)).toMatchObject({ mode: 're-encode', summary: expect.stringContaining('Twitch takes at most 6 Mbit/s') as unknown });
  });
  it('a passing check in between starts the count over; platforms without the rule never switch', () => {
    const w = new PreflightWatch();
    expect(w.check('twitch', spike, 1000)).toBeNull();
    expect(w.check('twitch', spike, 2000)).toBeNull();
    expect(w.check('twitch', good, 3000)).toBeNull();
    expect(w.check('twitch', spike, 4000)).toBeNull();
    expect(w.check('twitch', spike, 5000)).toBeNull();
    expect(w.check('twitch', spike, 6000)).not.toBeNull();
    const c = new PreflightWatch();
    for (let t = 1000; t < 10_000; t += 1000) expect(c.check('custom', spike, t)).toBeNull();
  });
});

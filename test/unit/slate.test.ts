import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { clipArgs, clipKey, loopPeriod, type ClipTag, type SlateParams } from '../../core/slate/clip';
import { dueCount, loopTimestamp } from '../../core/slate/feeder';

const base: SlateParams = { profile: 'high', level: 3.1, width: 1280, height: 720, fps: 30, audio: { rate: 48000, channels: 2 }, image: null };

describe('slate clip cache key', () => {
  it('is the same for the same parameters and differs for each one that changes the encode', () => {
    expect(clipKey({ ...base })).toBe(clipKey(base));
    const variants: SlateParams[] = [
      { ...base, profile: 'baseline' }, { ...base, level: 4 }, { ...base, width: 1920 }, { ...base, height: 1080 },
      { ...base, fps: 25 }, { ...base, audio: { rate: 44100, channels: 2 } }, { ...base, audio: { rate: 48000, channels: 1 } },
      { ...base, audio: null }, { ...base, image: '/nonexistent/card.png' },
    ];
    const keys = new Set([clipKey(base), ...variants.map(clipKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('encodes one keyframe for the whole clip, still-image tuned, at the source parameters', () => {
    const a = clipArgs(base);
    expect(a).toContain('stillimage');
    expect(a).not.toContain('-frames:v'); // one -t for the whole output: audio as long as video
    expect(a[a.indexOf('-t') + 1]).toBe('2');
    expect(a.indexOf('-t')).toBeGreaterThan(a.indexOf('-c:a'));
    expect(Number(a[a.indexOf('-g') + 1])).toBeGreaterThan(60);
    expect(a[a.indexOf('-bf') + 1]).toBe('0');
    expect(a[a.indexOf('-ar') + 1]).toBe('48000');
    expect(a.join(' ')).toContain('s=1280x720');
    expect(clipArgs({ ...base, audio: null })).not.toContain('anullsrc');
  });

  it('config: defaults and a relative image refused', () => {
    const c = parseConfig({});
    expect(c.slate).toMatchObject({ enabled: 'auto', after_ms: 1500, max_s: 600 });
    expect(() => parseConfig({ slate: { image: 'card.png' } })).toThrow(/slate.image/);
    expect(parseConfig({ slate: { enabled: true, image: '/x/card.png' } }).slate.enabled).toBe(true);
  });
});

describe('slate loop timestamps', () => {
  // 30 fps video (60 frames) + 48 kHz AAC (1024 samples: 21.33 ms) over 2 s
  const tags: ClipTag[] = [];
  for (let i = 0; i < 60; i++) tags.push({ kind: 'video', ts: Math.round((i * 1000) / 30), keyframe: i === 0, body: Buffer.alloc(1) });
  for (let i = 0; i < 94; i++) tags.push({ kind: 'audio', ts: Math.round((i * 1024 * 1000) / 48000), keyframe: false, body: Buffer.alloc(1) });
  tags.sort((a, b) => a.ts - b.ts || (a.kind === 'video' ? -1 : 1));
  const periodMs = loopPeriod(tags, 30);

  it('the period covers one frame past the last video frame and every audio frame', () => {
    expect(periodMs).toBe(2000);
    expect(Math.max(...tags.map((t) => t.ts))).toBeLessThan(periodMs);
  });

  it('timestamps increase across loops, per track, and each loop adds the period', () => {
    const last = { video: -1, audio: -1 };
    for (let loop = 0; loop < 4; loop++) {
      for (const t of tags) {
        const ts = loopTimestamp(loop, t.ts, periodMs);
        expect(ts).toBeGreaterThan(last[t.kind]);
        last[t.kind] = ts;
      }
    }
    expect(loopTimestamp(3, 0, periodMs)).toBe(6000);
    // a video frame step at the loop boundary is one frame
    expect(loopTimestamp(1, 0, periodMs) - loopTimestamp(0, tags.filter((t) => t.kind === 'video').at(-1)!.ts, periodMs)).toBe(33);
  });

  it('dueCount says how many tags are due after some real time, across loops', () => {
    const clip = { tags, periodMs };
    expect(dueCount(clip, -1)).toBe(0);
    expect(dueCount(clip, 0)).toBe(2); // the keyframe and the first audio frame
    expect(dueCount(clip, periodMs - 1)).toBe(tags.length);
    expect(dueCount(clip, periodMs)).toBe(tags.length + 2);
    expect(dueCount(clip, 3 * periodMs + 500)).toBe(3 * tags.length + tags.filter((t) => t.ts <= 500).length);
  });
});

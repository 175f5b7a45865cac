import { describe, expect, it } from 'vitest';
import { StreamClock } from '../../core/media/stream-clock';

describe('StreamClock across publisher sessions', () => {
  it('the first session passes its timestamps through', () => {
    const c = new StreamClock();
    c.newSession();
    expect([c.map(0, 'video'), c.map(21, 'audio'), c.map(40, 'video')]).toEqual([0, 21, 40]);
  });

  it('a session joining on a keyframe lands 2 ms after the last video frame; its audio starts after the old audio', () => {
    const c = new StreamClock();
    c.newSession();
    for (let i = 0; i <= 50; i++) c.map(i * 40, 'video'); // last video 2000
    for (let i = 0; i <= 96; i++) c.map(Math.round(i * 21.33), 'audio'); // last audio 2048: audio runs ahead of video
    expect(c.now('video')).toBe(2000);
    expect(c.now('audio')).toBe(2048);
    c.newSession();
    // the new encoder restarts at 500 (its own clock); the joining keyframe comes first
    expect(c.map(500, 'video')).toBe(2002);
    // audio of the new session that would fall at or before 2048 is the overlap: dropped, not sent backwards
    expect(c.map(510, 'audio')).toBeNull();
    expect(c.map(546, 'audio')).toBeNull();
    expect(c.map(547, 'audio')).toBe(2049);
    expect(c.map(540, 'video')).toBe(2042);
    // once a track has moved on, its floor is gone: later frames map plainly
    expect(c.map(568, 'audio')).toBe(2070);
  });

  it('an audio-only join lands one 30 fps frame after everything sent', () => {
    const c = new StreamClock();
    c.newSession();
    c.map(0, 'audio');
    c.map(1000, 'audio');
    c.newSession();
    expect(c.map(77, 'audio')).toBe(1033);
  });

  it('wraps at 32 bits and keeps rising across the wrap', () => {
    const c = new StreamClock();
    c.newSession();
    const near = 2 ** 32 - 10;
    expect(c.map(near, 'video')).toBe(near);
    c.newSession();
    expect(c.map(0, 'video')).toBe((near + 2) % 2 ** 32);
    expect(c.map(40, 'video')).toBe((near + 42) % 2 ** 32);
  });
});

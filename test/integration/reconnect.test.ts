import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlvDemuxer, type FlvTag } from '../../core/format/flv/flv';
import { FFMPEG, publishTestPattern, run } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 9: a publisher reconnect is the normal case. Players of a stream whose publisher drops wait for it
 * (the reconnect window, hls.cleanup_after_s) on the same connection, and continue with timestamps that keep
 * counting (one media clock per stream), a fresh sequence header only when the codec changed.
 */

interface FlvReader {
  tags: FlvTag[];
  closed: boolean;
  headerCount: number;
  stop(): void;
}

function readFlv(url: string): FlvReader {
  const demux = new FlvDemuxer();
  const r: FlvReader = { tags: [], closed: false, headerCount: 0, stop: () => req.destroy() };
  const req = http.get(url, (res) => {
    res.on('data', (d: Buffer) => {
      if (d.subarray(0, 3).toString('latin1') === 'FLV') r.headerCount++;
      for (const t of demux.push(d)) r.tags.push({ ...t, body: Buffer.from(t.body) });
    });
    res.on('close', () => (r.closed = true));
  });
  req.on('error', () => (r.closed = true));
  return r;
}

/** video/audio sequence headers among the tags (AVC packet type 0 / AAC packet type 0) */
function seqHeaders(tags: FlvTag[]): number {
  return tags.filter((t) => (t.type === 9 && t.body[1] === 0) || (t.type === 8 && t.body[1] === 0)).length;
}

describe('a publisher that drops and comes back', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ hls: { enabled: false, ll: false, dash: false, cleanup_after_s: 8 } });
  });
  afterAll(() => t.stop());

  it('FLV and RTMP players stay connected, timestamps keep counting, no second header for the same codec', async () => {
    let pub = publishTestPattern(t.rtmpUrl('/live/rc'), { size: '320x240', seconds: 30 });
    await waitFor(() => t.studio.registry.get('/live/rc')?.ready, 'first session live', 15_000);
    const flv = readFlv(t.httpUrl('/live/rc.flv'));
    const rtmp = await TestRtmpClient.connect(t.ports.rtmp);
    await rtmp.connectApp('live', t.ports.rtmp);
    await rtmp.start('play', await rtmp.createStream(), 'rc');
    await sleep(3000);
    pub.child.kill('SIGKILL');
    await waitFor(() => !t.studio.registry.get('/live/rc')?.publisher, 'publisher gone');
    const beforeDrop = flv.tags.length;
    const lastOld = Math.max(...flv.tags.filter((x) => x.type === 9).map((x) => x.timestamp));
    const lastOldAudio = Math.max(...flv.tags.filter((x) => x.type === 8).map((x) => x.timestamp));
    await sleep(1000);
    expect(flv.closed).toBe(false);
    expect(rtmp.closed).toBe(false);
    pub = publishTestPattern(t.rtmpUrl('/live/rc'), { size: '320x240', seconds: 30 });
    await waitFor(() => flv.tags.length > beforeDrop + 60, 'second session reaches the same FLV player', 15_000);
    await waitFor(() => rtmp.media.length > 150, 'second session reaches the RTMP player', 15_000);
    const newTags = flv.tags.slice(beforeDrop).filter((x) => x.type !== 18);
    // the new session continues the clock on each track: its keyframe 2 ms after the old last video frame
    // (media/stream-clock.ts), its audio after the old last audio frame
    const newVideo = newTags.filter((x) => x.type === 9 && x.body[1] === 1);
    expect(newVideo[0].timestamp).toBeGreaterThan(lastOld);
    expect(newVideo[0].timestamp - lastOld).toBeLessThan(200);
    expect(newTags.filter((x) => x.type === 8)[0].timestamp).toBeGreaterThan(lastOldAudio);
    const video = flv.tags.filter((x) => x.type === 9 && x.body[1] === 1);
    for (let i = 1; i < video.length; i++) expect(video[i].timestamp, `video tag ${i}`).toBeGreaterThan(video[i - 1].timestamp);
    const audio = flv.tags.filter((x) => x.type === 8 && x.body[1] === 1);
    for (let i = 1; i < audio.length; i++) expect(audio[i].timestamp, `audio tag ${i}`).toBeGreaterThan(audio[i - 1].timestamp);
    // the first video frame of the new session is a keyframe
    const firstNewVideo = newTags.find((x) => x.type === 9 && x.body[1] === 1)!;
    expect(firstNewVideo.body[0] >> 4).toBe(1);
    // one FLV header, and the same codec configuration is not sent again
    expect(flv.headerCount).toBe(1);
    expect(seqHeaders(flv.tags)).toBe(2);
    expect(rtmp.statuses.map((s) => s.code)).not.toContain('NetStream.Play.UnpublishNotify');
    pub.child.kill('SIGKILL');
    flv.stop();
    rtmp.socket.destroy();
  }, 60_000);

  it('a new codec configuration is sent as a fresh sequence header', async () => {
    let pub = publishTestPattern(t.rtmpUrl('/live/res'), { size: '320x240', seconds: 30 });
    await waitFor(() => t.studio.registry.get('/live/res')?.ready, 'live', 15_000);
    const flv = readFlv(t.httpUrl('/live/res.flv'));
    await sleep(1500);
    pub.child.kill('SIGKILL');
    await waitFor(() => !t.studio.registry.get('/live/res')?.publisher, 'publisher gone');
    pub = publishTestPattern(t.rtmpUrl('/live/res'), { size: '640x360', seconds: 30 });
    await waitFor(() => seqHeaders(flv.tags) >= 3, 'new video sequence header', 15_000);
    expect(flv.closed).toBe(false);
    pub.child.kill('SIGKILL');
    flv.stop();
  }, 40_000);

  it('players are ended when nobody comes back within the window', async () => {
    const t2 = await startStudio({ hls: { enabled: false, ll: false, dash: false, cleanup_after_s: 2 } });
    try {
      const pub = publishTestPattern(t2.rtmpUrl('/live/gone'), { size: '320x240', seconds: 30 });
      await waitFor(() => t2.studio.registry.get('/live/gone')?.ready, 'live', 15_000);
      const flv = readFlv(t2.httpUrl('/live/gone.flv'));
      await sleep(1000);
      pub.child.kill('SIGKILL');
      await waitFor(() => !t2.studio.registry.get('/live/gone')?.publisher, 'publisher gone');
      const dropAt = Date.now();
      await sleep(1000);
      expect(flv.closed).toBe(false);
      await waitFor(() => flv.closed, 'player ended after the window', 5000);
      expect(Date.now() - dropAt).toBeGreaterThanOrEqual(1900);
      expect(t2.studio.registry.get('/live/gone')).toBeUndefined();
    } finally {
      await t2.stop();
    }
  }, 40_000);
});

describe('audio-only streams', () => {
  it('a new FLV player gets less than 2 s of backlog', async () => {
    const t = await startStudio({ hls: { enabled: false, ll: false, dash: false } });
    const pub = run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '30', '-c:a', 'aac', '-f', 'flv', t.rtmpUrl('/live/radio')], 40_000);
    try {
      await waitFor(() => t.studio.registry.get('/live/radio')?.ready, 'audio live', 15_000);
      await sleep(6000);
      const flv = readFlv(t.httpUrl('/live/radio.flv'));
      const joined = Date.now();
      await waitFor(() => flv.tags.filter((x) => x.type === 8).length > 5, 'audio arrives');
      // what arrived at once is the backlog: its span in media time
      await sleep(100);
      const first = flv.tags.filter((x) => x.type === 8 && x.body[1] === 1);
      const early = first.filter((x) => x.timestamp <= first[0].timestamp + 5000);
      const burstSpan = early[early.length - 1].timestamp - early[0].timestamp - (Date.now() - joined);
      expect(burstSpan).toBeLessThan(2000);
      expect(t.studio.registry.get('/live/radio')!.gopSize.packets).toBeLessThan(60);
      flv.stop();
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  }, 40_000);
});

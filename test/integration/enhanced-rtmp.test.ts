import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlvDemuxer } from '../../core/format/flv/flv';
import { FFMPEG, ffprobe, run } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { mp4Packets } from '../unit/format/mp4-source';

/** HEVC over Enhanced RTMP (FourCC hvc1): passed through untouched, understood for stats and HLS. */
describe('Enhanced RTMP HEVC', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ hls: { segment_seconds: 1 } });
  });
  afterAll(() => t.stop());

  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'onair-hevc-')), 'hevc.mp4');

  it('relays hvc1 tags byte for byte to HTTP-FLV players, reports HEVC, and muxes it into HLS', async () => {
    const mp4 = await run(FFMPEG, [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=sample_rate=48000',
      '-t', '4', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=25:min-keyint=25', '-c:a', 'aac',
      '-y', file,
    ], 60_000).done;
    expect(mp4.stderr).toBe('');
    const packets = mp4Packets(readFileSync(file)).sort((a, b) => a.timestamp - b.timestamp || Number(b.seqHeader) - Number(a.seqHeader));
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    expect(await c.start('publish', sid, 'hevc')).toMatchObject({ code: 'NetStream.Publish.Start' });
    c.setChunkSize(60000);
    const res = await fetch(t.httpUrl('/live/hevc.flv'));
    const got = res.arrayBuffer();
    await waitFor(() => t.studio.registry.get('/live/hevc')?.allSubscribers().length, 'waiting player');
    const t0 = Date.now();
    for (const p of packets) {
      const due = t0 + p.timestamp - Date.now();
      if (due > 0) await sleep(due);
      c.sendMedia(sid, p.kind === 'video' ? 9 : 8, p.timestamp, p.body);
    }
    const s = t.studio.registry.get('/live/hevc')!;
    expect(s.videoInfo).toMatchObject({ codec: 'HEVC', width: 1280, height: 720 });
    const probe = await ffprobe(t.httpUrl('/live/hevc/index.m3u8'));
    expect(probe.streams.find((x) => x.codec_type === 'video')).toMatchObject({ codec_name: 'hevc', width: 1280, height: 720 });
    c.close();
    const tags = new FlvDemuxer().push(Buffer.from(await got)).filter((x) => x.type === 9);
    const sent = packets.filter((p) => p.kind === 'video');
    expect(tags.length).toBeGreaterThan(50);
    // every tag the player got is exactly one the publisher sent (the FourCC header included)
    const sentBodies = new Set(sent.map((p) => p.body.toString('base64')));
    for (const tag of tags) expect(sentBodies.has(tag.body.toString('base64'))).toBe(true);
    expect(tags[0].body.subarray(1, 5).toString('latin1')).toBe('hvc1');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, publishTestPattern, run, FFMPEG } from '../helpers/ffmpeg';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

describe('stream lifecycle', () => {
  let t: TestStudio;
  beforeAll(async () => {
    // players wait this long for a dropped publisher before they are ended (the reconnect window)
    t = await startStudio({ hls: { cleanup_after_s: 2 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('play before publish: RTMP and HTTP-FLV players wait and start when the publisher arrives', async () => {
    const rtmpPlayer = decodeFrames(t.rtmpUrl('/live/late'), 45, 40_000);
    const httpPlayer = decodeFrames(t.httpUrl('/live/late.flv'), 45, 40_000);
    await waitFor(() => (t.studio.registry.get('/live/late')?.allSubscribers().length ?? 0) >= 2, 'two waiting players');
    expect(t.studio.registry.get('/live/late')?.publisher).toBeNull();
    const pub = publishTestPattern(t.rtmpUrl('/live/late'), { size: '640x360', seconds: 20 });
    const [a, b] = await Promise.all([rtmpPlayer, httpPlayer]);
    pub.child.kill('SIGKILL');
    expect(a.frames).toBe(45);
    expect(b.frames).toBe(45);
    expect(a.stderr + b.stderr).toBe('');
  });

  it('a second publisher to the same path gets NetStream.Publish.BadName; the first keeps publishing', async () => {
    const pub = publishTestPattern(t.rtmpUrl('/live/dup'), { size: '640x360', seconds: 20 });
    await waitFor(() => t.studio.registry.get('/live/dup')?.ready, 'first publisher live');
    const first = t.studio.registry.get('/live/dup')!.publisher!.id;
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    const st = await c.start('publish', sid, 'dup');
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    c.close();
    // ffmpeg as the second publisher fails too
    const second = await run(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '3', '-c:v', 'libx264', '-f', 'flv', t.rtmpUrl('/live/dup')], 20_000).done;
    expect(second.code).not.toBe(0);
    expect(t.studio.registry.get('/live/dup')!.publisher!.id).toBe(first);
    pub.child.kill('SIGKILL');
  });

  it('a publisher drop ends every player cleanly', async () => {
    const pub = publishTestPattern(t.rtmpUrl('/live/drop'), { size: '640x360', seconds: 30 });
    await waitFor(() => t.studio.registry.get('/live/drop')?.ready, 'publisher live');
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    expect(await c.start('play', sid, 'drop')).toMatchObject({ code: 'NetStream.Play.Reset' });
    const res = await fetch(t.httpUrl('/live/drop.flv'));
    const reading = (async () => {
      let n = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
      return n;
    })();
    await c.until(() => c.media.length > 30, 'media on the rtmp player');
    pub.child.kill('SIGKILL');
    const bytes = await reading; // the HTTP body ends when the publisher goes
    expect(bytes).toBeGreaterThan(10_000);
    await c.until(() => c.statuses.some((s) => s.code === 'NetStream.Play.UnpublishNotify'), 'UnpublishNotify');
    expect(c.statuses.map((s) => s.code)).toContain('NetStream.Play.Stop');
    c.close();
    await waitFor(() => !t.studio.registry.get('/live/drop'), 'stream removed once idle');
  });

  it('kicks a publisher through DELETE /api/streams/:app/:stream', async () => {
    const pub = publishTestPattern(t.rtmpUrl('/live/kick'), { size: '320x240', seconds: 30 });
    await waitFor(() => t.studio.registry.get('/live/kick')?.ready, 'publisher live');
    expect((await fetch(t.httpUrl('/live/kick.flv'), { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(t.httpUrl('/live/nobody.flv'), { method: 'HEAD' })).status).toBe(404);
    const r = await fetch(t.httpUrl('/api/streams/live/kick'), { method: 'DELETE' });
    expect(r.status).toBe(200);
    await waitFor(() => !t.studio.registry.get('/live/kick')?.publisher, 'publisher gone');
    const done = await pub.done;
    expect(done.code).not.toBe(0);
    const again = await fetch(t.httpUrl('/api/streams/live/kick'), { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('carries several streams on one RTMP connection', async () => {
    const c = await TestRtmpClient.connect(t.ports.rtmp, { complex: true });
    await c.connectApp('live', t.ports.rtmp);
    const a = await c.createStream();
    const b = await c.createStream();
    expect(await c.start('publish', a, 'multi-a')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(await c.start('publish', b, 'multi-b')).toMatchObject({ code: 'NetStream.Publish.Start' });
    expect(t.studio.registry.live().map((s) => s.path)).toEqual(expect.arrayContaining(['/live/multi-a', '/live/multi-b']));
    c.close();
    await waitFor(() => !t.studio.registry.get('/live/multi-a') && !t.studio.registry.get('/live/multi-b'), 'both gone');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunks } from '../../core/format/rtmp/rtmp-chunk';
import { ClientHandshake } from '../../core/format/rtmp/rtmp-handshake';
import { commandMsg } from '../../core/format/rtmp/rtmp-messages';
import { fixtureNames, readFixture } from '../helpers/fixtures';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFrames, ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { prng } from '../helpers/prng';
import { rawSession, replyCommands } from '../helpers/raw-session';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** A healthy stream that every bad-input test checks is still flowing afterwards. */
async function watchHealthy(t: TestStudio): Promise<{ bytes: () => number; stop: () => void }> {
  const res = await fetch(t.httpUrl('/live/healthy.flv'));
  let n = 0;
  const reader = res.body!.getReader();
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (r.done) break;
      n += r.value!.length;
    }
  })();
  return { bytes: () => n, stop: () => void reader.cancel().catch(() => undefined) };
}

function connectBytes(app: string): Buffer {
  const hs = new ClientHandshake();
  return Buffer.concat([hs.c0c1(), Buffer.alloc(1536), encodeChunks(commandMsg(0, ['connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}` }]), 128)]);
}

describe('replay of recorded real client sessions, and bad input', () => {
  let t: TestStudio;
  let pub: Run;
  let healthy: { bytes: () => number; stop: () => void };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-replay-'));

  beforeAll(async () => {
    t = await startStudio();
    pub = publishTestPattern(t.rtmpUrl('/live/healthy'), { size: '320x240', seconds: 120, rate: 15 });
    await waitFor(() => t.studio.registry.get('/live/healthy')?.ready, 'healthy stream live', 15_000);
    healthy = await watchHealthy(t);
  });
  afterAll(async () => {
    healthy.stop();
    pub.child.kill('SIGKILL');
    await t.stop();
  });

  async function expectHealthyFlowing(): Promise<void> {
    const before = healthy.bytes();
    await waitFor(() => healthy.bytes() > before + 1000, 'healthy stream still flowing', 5000);
  }

  for (const name of fixtureNames().filter((n) => n.startsWith('publish-'))) {
    it(`replays ${name} in random slices: the stream goes live with the right codec info`, async () => {
      const streamPath = name.includes('gstreamer') ? '/live/capgst' : '/live/cap';
      // a player waits on the path first; everything the replayed publisher sends must reach it intact
      const res = await fetch(t.httpUrl(`${streamPath}.flv`));
      const body = res.arrayBuffer();
      await waitFor(() => t.studio.registry.get(streamPath)?.allSubscribers().length === 1, 'waiting player');
      const r = await rawSession(t.ports.rtmp, readFixture(name), { rand: prng(name.length), waitMs: 800 });
      const file = path.join(tmp, `${name}.flv`);
      writeFileSync(file, Buffer.from(await body));
      const probe = await ffprobe(file);
      expect(probe.streams.find((x) => x.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      expect(probe.streams.find((x) => x.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
      const d = await decodeFrames(file, 100);
      expect(d.stderr).toBe('');
      expect(d.frames).toBeGreaterThanOrEqual(100);
      expect(replyCommands(r.reply).map((c) => c.code ?? c.name)).toEqual(expect.arrayContaining(['_result', 'NetStream.Publish.Start']));
      await waitFor(() => !t.studio.registry.get(streamPath), 'replayed stream gone after the socket closed');
    });
  }

  for (const name of fixtureNames().filter((n) => n.startsWith('play-'))) {
    it(`replays ${name}: the server starts playback and sends media`, async () => {
      const stream = t.studio.registry.get('/live/healthy')!;
      // the fixtures play /live/src: publish a copy of the healthy stream there with our own client
      const c = await TestRtmpClient.connect(t.ports.rtmp);
      await c.connectApp('live', t.ports.rtmp);
      const sid = await c.createStream();
      await c.start('publish', sid, 'src');
      c.sendMedia(sid, 9, 0, stream.videoConfig!.body);
      const feed = setInterval(() => c.sendMedia(sid, 9, 40, Buffer.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65])), 40);
      const r = await rawSession(t.ports.rtmp, readFixture(name), { rand: prng(7), waitMs: 1000 });
      clearInterval(feed);
      c.close();
      const codes = replyCommands(r.reply).map((x) => x.code ?? x.name);
      expect(codes).toEqual(expect.arrayContaining(['NetStream.Play.Start']));
      expect(r.reply.length).toBeGreaterThan(3073 + 500);
    });
  }

  it('a garbage handshake closes only that connection', async () => {
    const r = await rawSession(t.ports.rtmp, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100)));
    expect(r.closedByServer).toBe(true);
    await expectHealthyFlowing();
  });

  it('a chunk declaring a 16 MB message is refused before any body arrives', async () => {
    const header = Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0]);
    const r = await rawSession(t.ports.rtmp, Buffer.concat([connectBytes('live'), header, Buffer.alloc(64)]));
    expect(r.closedByServer).toBe(true);
    await expectHealthyFlowing();
  });

  it('AMF with an unknown marker or a truncated string closes the connection', async () => {
    for (const payload of [Buffer.from([0x02, 0, 7, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x42]), Buffer.from([0x02, 0xff, 0xff, 0x61])]) {
      const hs = new ClientHandshake();
      const m = encodeChunks({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload }, 128);
      const r = await rawSession(t.ports.rtmp, Buffer.concat([hs.c0c1(), Buffer.alloc(1536), m]));
      expect(r.closedByServer).toBe(true);
    }
    await expectHealthyFlowing();
  });

  it('an unknown message type closes the connection', async () => {
    const m = encodeChunks({ csid: 3, type: 0x3f, streamId: 0, timestamp: 0, payload: Buffer.alloc(10) }, 128);
    const r = await rawSession(t.ports.rtmp, Buffer.concat([connectBytes('live'), m]));
    expect(r.closedByServer).toBe(true);
    await expectHealthyFlowing();
  });

  it('a malformed video tag from a publisher closes that publisher only', async () => {
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    await c.start('publish', sid, 'broken');
    c.sendMedia(sid, 9, 0, Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64])); // AVC sequence header cut short
    await c.until(() => c.closed, 'publisher closed');
    await expectHealthyFlowing();
  });

  it('a play for ../../etc/passwd is refused (RTMP closes, HTTP 400)', async () => {
    const c = await TestRtmpClient.connect(t.ports.rtmp);
    await c.connectApp('live', t.ports.rtmp);
    const sid = await c.createStream();
    const st = await c.start('play', sid, '../../etc/passwd');
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.Play.StreamNotFound' });
    await c.until(() => c.closed, 'closed');
    for (const p of ['/live/..%2F..%2Fetc%2Fpasswd.flv', '/..%2F..%2Fetc/passwd.flv', '/live/.hidden.flv']) {
      const r = await fetch(t.httpUrl(p));
      expect(r.status, p).toBe(400);
      expect(await r.json()).toMatchObject({ error: { code: 'BAD_STREAM_PATH' } });
    }
    await expectHealthyFlowing();
  });
});

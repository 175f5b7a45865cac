import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlvDemuxer } from '../../core/format/flv/flv';
import { decodeFrames, ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** ffmpeg publishes H.264 720p + AAC; ffmpeg/ffprobe play it over RTMP, HTTP-FLV and WS-FLV. */
describe('playback with real ffmpeg', () => {
  let t: TestStudio;
  let pub: Run;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-play-'));

  beforeAll(async () => {
    t = await startStudio();
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { seconds: 40, audioRate: 44100, channels: 2 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.ready, 'stream ready', 15_000);
  });

  afterAll(async () => {
    pub.child.kill('SIGKILL');
    await t.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const expectAv = (streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number }>): void => {
    const v = streams.find((s) => s.codec_type === 'video');
    const a = streams.find((s) => s.codec_type === 'audio');
    expect(v).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(a).toMatchObject({ codec_name: 'aac', sample_rate: '44100', channels: 2 });
  };

  it('plays over RTMP', async () => {
    expectAv((await ffprobe(t.rtmpUrl('/live/cam'))).streams);
    const d = await decodeFrames(t.rtmpUrl('/live/cam'), 60);
    expect(d.stderr).toBe('');
    expect(d.frames).toBe(60);
  });

  it('plays over HTTP-FLV, starting from the GOP cache with a correct FLV header', async () => {
    const res = await fetch(t.httpUrl('/live/cam.flv'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/x-flv');
    const reader = res.body!.getReader();
    const first = await reader.read();
    await reader.cancel();
    const head = Buffer.from(first.value!);
    expect(head.subarray(0, 3).toString()).toBe('FLV');
    expect(head[4]).toBe(0x05); // audio + video flags
    expectAv((await ffprobe(t.httpUrl('/live/cam.flv'))).streams);
    const d = await decodeFrames(t.httpUrl('/live/cam.flv'), 60);
    expect(d.stderr).toBe('');
    expect(d.frames).toBe(60);
  });

  it('plays over WS-FLV', async () => {
    const ws = new WebSocket(t.wsUrl('/live/cam.flv'));
    const chunks: Buffer[] = [];
    ws.on('message', (d: Buffer) => chunks.push(d));
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 3000));
    ws.close();
    const all = Buffer.concat(chunks);
    const tags = new FlvDemuxer().push(all);
    expect(tags.filter((x) => x.type === 9).length).toBeGreaterThan(60);
    // the first video tag after the sequence header is a keyframe (instant start from the GOP cache)
    const firstFrame = tags.find((x) => x.type === 9 && x.body[1] === 1)!;
    expect(firstFrame.body[0] >> 4).toBe(1);
    const file = path.join(tmp, 'ws.flv');
    writeFileSync(file, all);
    expectAv((await ffprobe(file)).streams);
    const d = await decodeFrames(file, 60);
    expect(d.stderr).toBe('');
    expect(d.frames).toBe(60);
  });

  it('reports codec info and each subscriber protocol in /api/streams', async () => {
    const http = await fetch(t.httpUrl('/live/cam.flv'));
    const ws = new WebSocket(t.wsUrl('/live/cam.flv'));
    await new Promise((r) => ws.once('open', r));
    const body = await waitFor(async () => {
      const j = (await (await fetch(t.httpUrl('/api/streams'))).json()) as Record<string, Record<string, { publisher: Record<string, unknown>; subscribers: Array<{ protocol: string }>; bitrateIn: number }>>;
      const s = j.live?.cam;
      return s && s.subscribers.length >= 2 && s.bitrateIn > 0 ? s : null;
    }, 'two subscribers in /api/streams');
    expect(body.publisher).toMatchObject({
      app: 'live', stream: 'cam', protocol: 'rtmp',
      video: { codec: 'H264', width: 1280, height: 720, profile: expect.any(String), level: expect.any(Number) },
      audio: { codec: 'AAC', profile: 'LC', samplerate: 44100, channels: 2 },
    });
    expect(body.subscribers.map((s) => s.protocol).sort()).toEqual(['http', 'ws']);
    ws.close();
    await http.body?.cancel();
    const one = await fetch(t.httpUrl('/api/streams/live/cam'));
    expect(one.status).toBe(200);
    const missing = await fetch(t.httpUrl('/api/streams/live/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'STREAM_NOT_FOUND' } });
  });

  it('serves /api/server in the Node-Media-Server shape and /metrics in Prometheus text', async () => {
    const s = (await (await fetch(t.httpUrl('/api/server'))).json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['os', 'cpu', 'mem', 'net', 'nodejs', 'clients']));
    expect(s.mem).toHaveProperty('totle');
    expect(s.clients.rtmp).toBeGreaterThanOrEqual(1);
    expect((s.net as { inbytes: number }).inbytes).toBeGreaterThan(100_000);
    const text = await (await fetch(t.httpUrl('/metrics'))).text();
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$/.exec(line);
      expect(m, `bad metrics line: ${line}`).not.toBeNull();
      samples.set(m![1] + (m![2] ?? ''), Number(m![3]));
    }
    expect(samples.get('onair_stream_live{stream="/live/cam"}')).toBe(1);
    expect(samples.get('onair_stream_bitrate_in_bps{stream="/live/cam"}')).toBeGreaterThan(0);
  });
});

describe('live snapshots', () => {
  it('serves a JPEG of the newest keyframe for a live stream, 404 otherwise', async () => {
    const { startStudio: start, waitFor: wait } = await import('../helpers/studio');
    const t = await start();
    const pub = publishTestPattern(t.rtmpUrl('/live/snap'), { size: '640x360', seconds: 20 });
    try {
      await wait(() => t.studio.registry.get('/live/snap')?.ready, 'live', 15_000);
      const r = await fetch(t.httpUrl('/api/streams/live/snap/snapshot.jpg?width=160'));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await r.arrayBuffer());
      expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
      const file = path.join(tmpdir2, 'snap.jpg');
      writeFileSync(file, jpeg);
      expect((await ffprobe(file)).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 160, height: 90 });
      expect((await fetch(t.httpUrl('/api/streams/live/none/snapshot.jpg'))).status).toBe(404);
      expect((await fetch(t.httpUrl('/api/streams/live/snap/snapshot.jpg?width=abc'))).status).toBe(400);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });
});
const tmpdir2 = mkdtempSync(path.join(os.tmpdir(), 'onair-snap-'));

/**
 * core/rtmp/client.ts against real servers: Node-Media-Server 2.7.4 (a foreign implementation) read back by
 * ffmpeg/ffprobe, our own studio with ffmpeg publishing (also behind a TLS front for rtmps), and a scripted peer built from the protocol codecs to
 * see the bytes a client owes a server (ping responses, acknowledgements, its window).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAmf0, type AmfObject } from '../../core/format/amf/amf';
import { FlvDemuxer, flvHeader, flvTag, type FlvTag } from '../../core/format/flv/flv';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import { ServerHandshake } from '../../core/format/rtmp/rtmp-handshake';
import {
  MSG, UC, commandMsg, decodeCommand, setPeerBandwidthMsg, userControlMsg, windowAckSizeMsg,
} from '../../core/format/rtmp/rtmp-messages';
import { OnAirError } from '../../core/errors';
import { RtmpClient, parseRtmpUrl, type RtmpStatus } from '../../core/rtmp/client';
import { decodeFrames, ffprobe, publishTestPattern } from '../helpers/ffmpeg';
import { useMediaDir } from '../helpers/format-media';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** node-media-server@2.7.4 in its own process (the benchmark's launcher); it prints its ports. */
async function startNms(): Promise<{ proc: ChildProcess; rtmp: number; http: number }> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench/lib/nms-server.cjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`NMS exited (${code})`)));
  });
  const ports = JSON.parse(line) as { rtmp?: number; http?: number; error?: string };
  if (!ports.rtmp || !ports.http) throw new Error(`NMS failed: ${ports.error}`);
  return { proc, rtmp: ports.rtmp, http: ports.http };
}

/** Send FLV tags through the client at their own pace (real time), metadata as "@setDataFrame". */
async function pace(c: RtmpClient, id: number, tags: FlvTag[]): Promise<void> {
  const t0 = Date.now();
  for (const tag of tags) {
    const due = t0 + tag.timestamp - Date.now();
    if (due > 0) await sleep(due);
    if (c.closed) throw new Error('client closed while publishing');
    if (tag.type === 9) c.sendVideo(id, tag.timestamp, tag.body);
    else if (tag.type === 8) c.sendAudio(id, tag.timestamp, tag.body);
    else if (tag.type === 18) {
      const [name, fields] = decodeAmf0(tag.body);
      if (name === 'onMetaData') c.sendMetadata(id, fields as AmfObject);
    }
  }
}

describe('RtmpClient publishing to node-media-server 2.7.4', () => {
  const media = useMediaDir();
  let nms: Awaited<ReturnType<typeof startNms>>;
  let tags: FlvTag[];
  beforeAll(async () => {
    nms = await startNms();
    const flv = media.make([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-f', 'flv',
    ], 'src.flv');
    tags = new FlvDemuxer().push(flv);
  });
  afterAll(() => {
    nms?.proc.stdin?.end();
    nms?.proc.kill('SIGTERM');
  });

  it('publishes an ffmpeg-made FLV that ffprobe and ffmpeg read back from NMS', async () => {
    const c = await RtmpClient.connect(`rtmp://127.0.0.1:${nms.rtmp}/live`);
    const statuses: RtmpStatus[] = [];
    c.on('status', (s) => statuses.push(s));
    const id = await c.publish('fromclient');
    expect(statuses.map((s) => s.code)).toContain('NetStream.Publish.Start');
    const sending = pace(c, id, tags);
    await sleep(1500);
    const url = `rtmp://127.0.0.1:${nms.rtmp}/live/fromclient`;
    const [probe, decoded] = await Promise.all([ffprobe(url), decodeFrames(url, 50, 20_000)]);
    await sending;
    const v = probe.streams.find((s) => s.codec_type === 'video');
    const a = probe.streams.find((s) => s.codec_type === 'audio');
    expect(v).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(a).toMatchObject({ codec_name: 'aac', sample_rate: '44100', channels: 2 });
    expect(decoded).toMatchObject({ code: 0, frames: 50 });
    const closed = new Promise<string>((r) => c.once('close', (reason) => r(reason)));
    c.close();
    expect(await closed).toBe('closed');
  });

  it('a second publisher of the same name is refused with an OnAirError, the first stays', async () => {
    const a = await RtmpClient.connect(`rtmp://127.0.0.1:${nms.rtmp}/live`);
    await a.publish('taken');
    const b = await RtmpClient.connect(`rtmp://127.0.0.1:${nms.rtmp}/live`);
    const err = await b.publish('taken').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OnAirError);
    // NMS 2.7.4 closes the connection before it writes its BadName status, so the client sees the close
    expect((err as OnAirError).code).toBe('IO');
    expect(b.closed).toBe(true);
    await sleep(200);
    expect(a.closed).toBe(false);
    a.close();
    b.close();
  });
});

describe('RtmpClient against our studio', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio();
  });
  afterAll(() => t.stop());

  it('plays what ffmpeg publishes; the received messages make an FLV that ffmpeg decodes', async () => {
    const pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '320x240', rate: 25, seconds: 20, audioRate: 44100 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.ready, 'publisher live', 15_000);
    const c = await RtmpClient.connect(t.rtmpUrl('/live'));
    const codes: string[] = [];
    const got: RtmpMessage[] = [];
    c.on('status', (s) => codes.push(s.code));
    c.on('media', (m) => got.push(m));
    const id = await c.play('cam');
    expect(codes).toEqual(['NetStream.Play.Reset', 'NetStream.Play.Start']);
    const keyframes = (): number => got.filter((m) => m.type === MSG.VIDEO && m.payload[0] >> 4 === 1 && m.payload[1] === 1).length;
    await waitFor(() => keyframes() >= 3, 'three keyframes', 15_000);
    c.close();
    pub.child.kill('SIGKILL');
    expect(got.every((m) => m.streamId === id)).toBe(true);
    const video = got.filter((m) => m.type === MSG.VIDEO);
    expect(video[0].payload.subarray(0, 2)).toEqual(Buffer.from([0x17, 0x00])); // AVC sequence header first
    expect(got.some((m) => m.type === MSG.AUDIO && m.payload[1] === 0)).toBe(true); // AAC config
    for (let i = 1; i < video.length; i++) expect(video[i].timestamp).toBeGreaterThanOrEqual(video[i - 1].timestamp);
    const file = path.join(t.studio.config.data_dir, 'played.flv');
    writeFileSync(file, Buffer.concat([flvHeader(true, true), ...got.map((m) => flvTag(m.type, m.timestamp, m.payload))]));
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect((await decodeFrames(file, 40)).frames).toBe(40);
  });

  it('refusals are OnAirErrors: a hook refusing connect, a name already published, an unknown port', async () => {
    const h = (sid: unknown, args: unknown): void => {
      if ((args as Record<string, unknown>).app === 'closed') t.studio.getSession(String(sid))?.reject();
    };
    t.studio.on('preConnect', h);
    const refused = await RtmpClient.connect(t.rtmpUrl('/closed')).then(() => null, (e: unknown) => e);
    t.studio.off('preConnect', h);
    expect(refused).toMatchObject({ name: 'OnAirError', code: 'REJECTED' });
    expect((refused as Error).message).toContain('NetConnection.Connect.Rejected');

    const a = await RtmpClient.connect(t.rtmpUrl('/live'));
    await a.publish('mine');
    expect(t.studio.registry.get('/live/mine')?.publisher).toBeTruthy();
    const b = await RtmpClient.connect(t.rtmpUrl('/live'));
    await expect(b.publish('mine')).rejects.toMatchObject({ code: 'REJECTED' });
    b.close();
    a.close();
    await waitFor(() => !t.studio.registry.get('/live/mine'), 'stream gone after a graceful close');

    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    await expect(RtmpClient.connect(`rtmp://127.0.0.1:${port}/live`)).rejects.toMatchObject({ code: 'IO' });
  });

  it('rtmps: plays through a TLS front; the default factory checks the certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-rtmps-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // a TLS terminator in front of the studio's RTMP port, as a platform's rtmps ingest is
    const front = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => {
      const back = net.connect(t.ports.rtmp, '127.0.0.1');
      s.pipe(back).pipe(s);
      s.on('error', () => back.destroy());
      back.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const url = `rtmps://127.0.0.1:${(front.address() as net.AddressInfo).port}/live`;
    const pub = publishTestPattern(t.rtmpUrl('/live/secure'), { size: '320x240', rate: 25, seconds: 15 });
    try {
      await expect(RtmpClient.connect(url)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/certificate/) }); // self-signed: not trusted
      await waitFor(() => t.studio.registry.get('/live/secure')?.ready, 'publisher live', 15_000);
      const c = await RtmpClient.connect(url, { tls: { ca: readFileSync(cert) } });
      let video = 0;
      c.on('media', (m) => (video += m.type === MSG.VIDEO ? 1 : 0));
      await c.play('secure');
      await waitFor(() => video > 25, 'video over rtmps', 10_000);
      c.close();
    } finally {
      pub.child.kill('SIGKILL');
      front.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a publish without a valid sign is refused with AUTH', async () => {
    const s = await startStudio({ auth: { publish: true, secret: 'client-test-secret' } });
    try {
      const c = await RtmpClient.connect(s.rtmpUrl('/live'));
      await expect(c.publish('nosign')).rejects.toMatchObject({ code: 'AUTH' });
      await waitFor(() => c.closed, 'server closed the refused publisher');
    } finally {
      await s.stop();
    }
  });
});

describe('RtmpClient duties toward a server (scripted peer)', () => {
  it('answers pings, announces the peer bandwidth as its window, and acknowledges every window of bytes', async () => {
    const fromClient: RtmpMessage[] = [];
    let sentByServer = 0;
    const server = net.createServer((sock) => {
      const hs = new ServerHandshake();
      const reader = new ChunkReader();
      let shook = false;
      const write = (b: Buffer): void => {
        sentByServer += b.length;
        sock.write(b);
      };
      const send = (m: RtmpMessage): void => write(encodeChunks(m, 128));
      sock.on('data', (d: Buffer) => {
        let rest: Buffer | null = d;
        if (!shook) {
          const r = hs.push(d);
          if (r.send) write(r.send);
          if (!r.done) return;
          shook = true;
          rest = r.rest;
        }
        if (!rest) return;
        for (const m of reader.push(rest)) {
          fromClient.push(m);
          if (m.type !== MSG.COMMAND_AMF0 || decodeCommand(m).name !== 'connect') continue;
          send(windowAckSizeMsg(1000));
          send(setPeerBandwidthMsg(1000, 2));
          send(userControlMsg(UC.PING_REQUEST, 12345));
          send(commandMsg(0, ['_result', decodeCommand(m).transactionId, { fmsVer: 'scripted' }, { level: 'status', code: 'NetConnection.Connect.Success' }]));
          // one message per read (paced): each read carries more than a window, so each earns an ack; the first
          // waits until the test has its media listener on (connect() resolves on the _result above)
          for (let i = 0; i < 10; i++) setTimeout(() => send({ csid: 4, type: MSG.AUDIO, streamId: 1, timestamp: i * 20, payload: Buffer.alloc(1200, 0xaf) }), 200 + 20 * i);
        }
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const c = await RtmpClient.connect(`rtmp://127.0.0.1:${port}/app`);
      let audio = 0;
      c.on('media', () => audio++);
      await waitFor(() => audio === 10 && fromClient.some((m) => m.type === MSG.ACK && m.payload.readUInt32BE(0) >= sentByServer - 1000), 'acks', 5000);
      const u32 = (type: number): number[] => fromClient.filter((m) => m.type === type).map((m) => m.payload.readUInt32BE(0));
      const pong = fromClient.find((m) => m.type === MSG.USER_CONTROL && m.payload.readUInt16BE(0) === UC.PING_RESPONSE);
      expect(pong?.payload.readUInt32BE(2)).toBe(12345);
      expect(u32(MSG.WINDOW_ACK_SIZE)).toEqual([1000]);
      expect(u32(MSG.SET_CHUNK_SIZE)).toEqual([4096]);
      const acks = u32(MSG.ACK);
      expect(acks.length).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < acks.length; i++) expect(acks[i] - acks[i - 1]).toBeGreaterThanOrEqual(1000);
      expect(acks[acks.length - 1]).toBeLessThanOrEqual(sentByServer);
      c.destroy();
    } finally {
      server.close();
    }
  });

  it('parses rtmp and rtmps URLs the way relays give them', () => {
    expect(parseRtmpUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh')).toMatchObject({ secure: false, port: 1935, app: 'live2', name: 'abcd-efgh', tcUrl: 'rtmp://a.rtmp.youtube.com:1935/live2' });
    expect(parseRtmpUrl('rtmps://live.example.com/app/key?x=1')).toMatchObject({ secure: true, port: 443, app: 'app', name: 'key?x=1' });
    expect(parseRtmpUrl('rtmp://127.0.0.1:1936/live?sign=1')).toMatchObject({ port: 1936, app: 'live?sign=1', name: '' });
    expect(() => parseRtmpUrl('http://x/live')).toThrow(OnAirError);
  });
});

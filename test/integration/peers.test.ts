/**
 * The real peer servers the restream tests use (test/helpers/nginx-rtmp.ts), proven with real tools: nginx with
 * the RTMP module takes an ffmpeg publish that ffprobe reads back and that it records; its TLS front (nginx
 * stream ssl) carries our RtmpClient's rtmps publish and refuses a wrong name or an untrusted certificate; an
 * on_publish hook answering 403 refuses a key; pause/resume/restart behave as a hung and a rebooted ingest; a second
 * nginx with `pull … live=1` serves the first one's stream as an edge (bench/cluster's peer).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAmf0, type AmfObject } from '../../core/format/amf/amf';
import { FlvDemuxer, type FlvTag } from '../../core/format/flv/flv';
import { OnAirError } from '../../core/errors';
import { RtmpClient } from '../../core/rtmp/client';
import { ffprobe, publishTestPattern } from '../helpers/ffmpeg';
import { useMediaDir } from '../helpers/format-media';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { waitFor } from '../helpers/studio';

const codecs = (p: { streams: { codec_type: string; codec_name: string }[] }): string[] =>
  p.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();

describe('nginx-rtmp as a restream peer', () => {
  const media = useMediaDir();
  let nginx: NginxRtmp;
  let hook: http.Server;
  const hookCalls: Record<string, string>[] = [];
  let tags: FlvTag[];

  beforeAll(async () => {
    // the on_publish hook: nginx POSTs a form (call=publish, app, name, …); 403 refuses names starting "denied"
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        hookCalls.push(form);
        res.statusCode = form.name?.startsWith('denied') ? 403 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    nginx = await startNginxRtmp({ tls: true, onPublish: `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/on_publish` });
    const flv = media.make([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-f', 'flv',
    ], 'src.flv');
    tags = new FlvDemuxer().push(flv);
  });
  afterAll(async () => {
    await nginx?.stop();
    hook?.close();
  });

  it('takes an ffmpeg publish that ffprobe reads back (H.264 + AAC) and records it', async () => {
    const pub = publishTestPattern(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/pattern`, { size: '320x240', rate: 25, seconds: 20, audioRate: 44100 });
    try {
      const rec = path.join(nginx.recordDir, 'pattern.flv');
      await waitFor(() => existsSync(rec) && statSync(rec).size > 0, 'recording file', 15_000);
      expect(hookCalls).toContainEqual(expect.objectContaining({ call: 'publish', app: 'live', name: 'pattern' }));
      const live = await ffprobe(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/pattern`);
      expect(codecs(live)).toEqual(['audio:aac', 'video:h264']);
      expect(live.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
      await waitFor(() => statSync(rec).size > 50_000, 'recording grows', 15_000);
      expect(codecs(await ffprobe(rec))).toEqual(['audio:aac', 'video:h264']);
    } finally {
      pub.child.kill('SIGKILL');
    }
  });

  it('as an edge (pull … live=1): a player of the edge app gets the origin\'s stream; pid() is the nginx process', async () => {
    const edge = await startNginxRtmp({ pull: { originPort: nginx.rtmpPort, originApp: 'live' } });
    const pub = publishTestPattern(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/pulled`, { size: '320x240', rate: 25, seconds: 20, audioRate: 44100 });
    try {
      expect(edge.edgeApp).toBe('edge');
      expect(nginx.edgeApp).toBe('');
      expect(readFileSync(`/proc/${edge.pid()}/stat`, 'utf8')).toMatch(/^\d+ \(nginx\)/);
      await waitFor(() => existsSync(path.join(nginx.recordDir, 'pulled.flv')), 'the origin takes the publish', 15_000);
      const pulled = await ffprobe(`rtmp://127.0.0.1:${edge.rtmpPort}/edge/pulled`);
      expect(codecs(pulled)).toEqual(['audio:aac', 'video:h264']);
      expect(pulled.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    } finally {
      pub.child.kill('SIGKILL');
      await edge.stop();
    }
    expect(edge.pid()).toBe(0);
  });

  it('rtmps through the TLS front: our RtmpClient publishes with the CA; nginx records what it sent', async () => {
    const c = await RtmpClient.connect(`rtmps://localhost:${nginx.tlsPort}/live`, { tls: { ca: nginx.caPem } });
    const id = await c.publish('secure');
    for (const tag of tags) {
      if (tag.type === 9) c.sendVideo(id, tag.timestamp, tag.body);
      else if (tag.type === 8) c.sendAudio(id, tag.timestamp, tag.body);
      else if (tag.type === 18) {
        const [name, fields] = decodeAmf0(tag.body);
        if (name === 'onMetaData') c.sendMetadata(id, fields as AmfObject);
      }
    }
    const sent = tags.reduce((n, t) => n + t.body.length, 0);
    const rec = path.join(nginx.recordDir, 'secure.flv');
    // nginx writes each message as it arrives: once (nearly) all bytes are on disk, the file holds both tracks
    await waitFor(() => existsSync(rec) && statSync(rec).size >= sent * 0.9, 'rtmps publish recorded', 15_000);
    const closed = new Promise<string>((r) => c.once('close', (reason) => r(reason)));
    c.close();
    expect(await closed).toBe('closed');
    expect(codecs(await ffprobe(rec))).toEqual(['audio:aac', 'video:h264']);
    expect(hookCalls).toContainEqual(expect.objectContaining({ name: 'secure' }));
  });

  it('the TLS front fails a wrong name and an untrusted certificate with a TLS error', async () => {
    // the certificate names "localhost" only: 127.0.0.1 does not match even with the right CA
    const wrongName = await RtmpClient.connect(`rtmps://127.0.0.1:${nginx.tlsPort}/live`, { tls: { ca: nginx.caPem } }).then(() => null, (e: unknown) => e);
    expect(wrongName).toBeInstanceOf(OnAirError);
    expect(wrongName).toMatchObject({ code: 'IO', message: expect.stringMatching(/Hostname\/IP does not match certificate's altnames/) });
    // the right name without the CA: the self-signed certificate is not trusted
    const untrusted = await RtmpClient.connect(`rtmps://localhost:${nginx.tlsPort}/live`).then(() => null, (e: unknown) => e);
    expect(untrusted).toBeInstanceOf(OnAirError);
    expect(untrusted).toMatchObject({ code: 'IO', message: expect.stringMatching(/self-signed certificate/) });
  });

  it('on_publish answering 403 refuses the publish; nothing is recorded', async () => {
    const c = await RtmpClient.connect(`rtmp://127.0.0.1:${nginx.rtmpPort}/live`, { timeoutMs: 5000 });
    const err = await c.publish('denied-key').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OnAirError);
    // nginx-rtmp sends no status for a refused hook: it just closes the connection
    expect(err).toMatchObject({ code: 'IO', message: expect.stringMatching(/closed by server/) });
    expect(hookCalls).toContainEqual(expect.objectContaining({ call: 'publish', name: 'denied-key' }));
    await waitFor(() => c.closed, 'nginx dropped the refused publisher', 5000);
    expect(existsSync(path.join(nginx.recordDir, 'denied-key.flv'))).toBe(false);
  });

  it('pause hangs the peer, resume revives it, restart keeps the port and drops connections', async () => {
    const url = `rtmp://127.0.0.1:${nginx.rtmpPort}/live`;
    const before = await RtmpClient.connect(url);
    nginx.pause();
    try {
      // the kernel still accepts the TCP connection; nginx never answers the handshake
      await expect(RtmpClient.connect(url, { timeoutMs: 1000 })).rejects.toBeInstanceOf(OnAirError);
    } finally {
      nginx.resume();
    }
    const after = await RtmpClient.connect(url);
    after.close();
    const dropped = new Promise<string>((r) => before.once('close', (reason) => r(reason)));
    await nginx.restart();
    await dropped;
    expect(before.closed).toBe(true);
    const again = await RtmpClient.connect(url);
    expect(await again.publish('after-restart')).toBeGreaterThan(0);
    again.close();
  });
});

/**
 * RTMPS ingest (`rtmps: { port, key, cert }`): a TLS listener in front of the same RTMP sessions. Our RtmpClient
 * publishes over rtmps://localhost with a self-signed CA, ffmpeg plays the stream back over plain RTMP; a plain
 * TCP peer on the TLS port is dropped without becoming a session; the per-address limit and the handshake
 * deadline apply to the TLS port as they do to the plain one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAmf0, type AmfObject } from '../../core/format/amf/amf';
import { FlvDemuxer, type FlvTag } from '../../core/format/flv/flv';
import { OnAirError } from '../../core/errors';
import { RtmpClient } from '../../core/rtmp/client';
import { decodeFrames } from '../helpers/ffmpeg';
import { makeCert } from '../helpers/nginx-rtmp';
import { useMediaDir } from '../helpers/format-media';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';


/** Send FLV tags through the client in real time, looping until `stop()` says so. */
async function pace(c: RtmpClient, id: number, tags: FlvTag[], stop: () => boolean): Promise<void> {
  const span = tags[tags.length - 1].timestamp + 40;
  for (let loop = 0; !stop(); loop++) {
    const t0 = Date.now();
    for (const tag of tags) {
      if (stop() || c.closed) return;
      const due = t0 + tag.timestamp - Date.now();
      if (due > 0) await sleep(due);
      const ts = loop * span + tag.timestamp;
      if (tag.type === 9) c.sendVideo(id, ts, tag.body);
      else if (tag.type === 8) c.sendAudio(id, ts, tag.body);
      else if (tag.type === 18 && loop === 0) {
        const [name, fields] = decodeAmf0(tag.body);
        if (name === 'onMetaData') c.sendMetadata(id, fields as AmfObject);
      }
    }
  }
}

/** Resolves when the socket closes; `ms` later it rejects. */
function closedWithin(s: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function rtmpSessions(t: TestStudio): number {
  return t.studio.ctx.sessions.list().filter((s) => s.kind === 'rtmp').length;
}

describe('RTMPS ingest', () => {
  const media = useMediaDir();
  let dir: string;
  let cert: { key: string; cert: string };
  let t: TestStudio;
  let tags: FlvTag[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onair-rtmps-in-'));
    cert = makeCert(dir);
    t = await startStudio({ rtmps: { port: 0, key: cert.key, cert: cert.cert } });
    tags = new FlvDemuxer().push(media.make([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-f', 'flv',
    ], 'src.flv'));
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the port; off by default', async () => {
    expect(t.ports.rtmps).toEqual(expect.any(Number));
    expect(t.ports.rtmps).not.toBe(t.ports.rtmp);
    const plain = await startStudio();
    try {
      expect(plain.ports.rtmps).toBeNull();
    } finally {
      await plain.stop();
    }
  });

  it('a publisher over rtmps://localhost is played back by ffmpeg over plain RTMP', async () => {
    const url = `rtmps://localhost:${t.ports.rtmps}/live`;
    // without the CA the self-signed certificate is refused by the client
    await expect(RtmpClient.connect(url)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/certificate/) });
    const c = await RtmpClient.connect(url, { tls: { ca: readFileSync(cert.cert) } });
    let stop = false;
    try {
      const id = await c.publish('secure');
      const sending = pace(c, id, tags, () => stop);
      await waitFor(() => t.studio.registry.get('/live/secure')?.ready, 'rtmps publisher live', 15_000);
      const decoded = await decodeFrames(t.rtmpUrl('/live/secure'), 50, 30_000);
      expect(decoded).toMatchObject({ code: 0, frames: 50 });
      stop = true;
      await sending;
      expect(c.closed).toBe(false);
    } finally {
      stop = true;
      c.close();
    }
  });

  it('a plain-TCP RTMP client on the TLS port is dropped and never becomes a session', async () => {
    await waitFor(() => rtmpSessions(t) === 0, 'earlier sessions gone');
    const err = await RtmpClient.connect(`rtmp://127.0.0.1:${t.ports.rtmps}/live`, { timeoutMs: 5000 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OnAirError);
    const raw = net.connect(t.ports.rtmps!, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.on('connect', () => raw.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7)])));
    await closedWithin(raw, 5000);
    expect(rtmpSessions(t)).toBe(0);
  });
});

describe('RTMPS ingest budgets', () => {
  let dir: string;
  let t: TestStudio;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onair-rtmps-lim-'));
    const c = makeCert(dir);
    t = await startStudio({ rtmps: { port: 0, key: c.key, cert: c.cert }, limits: { rtmp_max_conn_per_ip: 1, rtmp_handshake_timeout_ms: 800 } });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a silent TCP peer is dropped at the handshake deadline; over the per-address limit a TLS connection is refused', async () => {
    const silent = net.connect(t.ports.rtmps!, '127.0.0.1');
    silent.on('error', () => undefined);
    await new Promise((r) => silent.once('connect', r));
    // the silent one holds this address's only slot: a TLS client is cut before its handshake completes
    const second = tls.connect({ port: t.ports.rtmps!, host: '127.0.0.1', rejectUnauthorized: false });
    const outcome = await new Promise<string>((resolve) => {
      second.once('secureConnect', () => resolve('secure'));
      second.once('error', () => resolve('error'));
      second.once('close', () => resolve('closed'));
    });
    second.destroy();
    expect(outcome).not.toBe('secure');
    const t0 = Date.now();
    await closedWithin(silent, 5000);
    expect(Date.now() - t0).toBeLessThan(3000);
    // the slot is free again: a TLS client completes its handshake
    await waitFor(async () => {
      const s = tls.connect({ port: t.ports.rtmps!, host: '127.0.0.1', rejectUnauthorized: false });
      const ok = await new Promise<boolean>((r) => {
        s.once('secureConnect', () => r(true));
        s.once('error', () => r(false));
        s.once('close', () => r(false));
      });
      s.destroy();
      return ok;
    }, 'a TLS connection after the slot freed', 5000, 100);
  });
});

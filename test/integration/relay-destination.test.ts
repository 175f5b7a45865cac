/**
 * Restream destinations against real remote servers: node-media-server@2.7.4 in its own process (killed,
 * restarted on the same port, frozen with SIGSTOP) and a second OnAir studio (refusing a key in prePublish,
 * and counting publish sessions across a publisher drop). ffmpeg publishes to the source studio; ffprobe and
 * ffmpeg read the remote's copy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../../core/rtmp/client';
import { DestinationManager } from '../../core/relay/manager';
import type { DestinationSpec, DestinationStatus } from '../../core/relay/types';
import { decodeFrames, ffprobe, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { freePort } from '../helpers/net';

const ROOT = path.resolve(import.meta.dirname, '../..');


/** node-media-server@2.7.4 on a given RTMP port (so it can be restarted on the same one); resolves when listening. */
async function startNms(port: number): Promise<ChildProcess> {
  const script = `const N = require('node-media-server');
const nms = new N({ rtmp: { port: ${port}, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 }, logType: 0 });
nms.run();
const srv = nms.nrs.tcpServer;
if (srv.listening) console.log('up'); else { srv.once('listening', () => console.log('up')); srv.once('error', (e) => { console.log('error ' + e.message); process.exit(1); }); }`;
  const proc = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`NMS exited (${code})`)));
  });
  if (line !== 'up') throw new Error(`NMS failed: ${line}`);
  return proc;
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

/** A pino logger into memory: the lines are checked for the key. */
function memoryLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

function spec(over: Partial<DestinationSpec>): DestinationSpec {
  return { id: 'd1', name: 'test', platform: 'custom', url: '', key: '', source: { stream: '/live/cam' }, auto: true, enabled: true, ...over };
}

describe('a destination pushing to node-media-server 2.7.4', () => {
  let src: TestStudio;
  let nms: ChildProcess | null = null;
  let port: number;
  let pub: Run;
  let mgr: DestinationManager;
  const states: DestinationStatus[] = [];
  const mem = memoryLog();
  const KEY = 'nms-k3y-9f2c?s_bl=1';
  beforeAll(async () => {
    src = await startStudio();
    port = await freePort();
    nms = await startNms(port);
    mgr = new DestinationManager({ registry: src.studio.registry, log: mem.log, config: () => ({ ackTimeoutMs: 3000, ackWindow: 32 * 1024, connectTimeoutMs: 3000, backoff: { baseMs: 300, maxMs: 2000, jitter: 0.2, maxAttempts: 1000 } }) });
    mgr.on('state', (s) => states.push(s));
    mgr.add(spec({ url: `rtmp://127.0.0.1:${port}/live`, key: KEY }));
    pub = publishTestPattern(src.rtmpUrl('/live/cam'), { size: '640x360', rate: 25, seconds: 120 });
  }, 30_000);
  afterAll(async () => {
    mgr?.close();
    pub?.child.kill('SIGKILL');
    if (nms) {
      nms.kill('SIGCONT');
      nms.kill('SIGKILL');
    }
    await src?.stop();
  });

  it('auto-starts on publish, goes connecting → live, the copy is H.264+AAC 640x360, the acked bitrate matches the source', async () => {
    await waitFor(() => mgr.status('d1').state === 'live', 'live', 20_000);
    const seq = states.map((s) => s.state).filter((s, i, a) => s !== a[i - 1]);
    expect(seq.slice(0, 2)).toEqual(['connecting', 'live']);
    const url = `rtmp://127.0.0.1:${port}/live/nms-k3y-9f2c`; // NMS drops the query: the key's query went as data
    const [probe, decoded] = await Promise.all([ffprobe(url), decodeFrames(url, 50, 30_000)]);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(decoded.frames).toBe(50);
    // the remote's acknowledged bitrate against the source's, sampled once a second for 6 s after 5 s of warm-up
    await sleep(5000);
    const acked: number[] = [];
    const source: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = src.studio.registry.get('/live/cam')!;
      acked.push(mgr.status('d1').ackedBitrate);
      source.push(s.video.bitrate + s.audio.bitrate);
      await sleep(1000);
    }
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    console.log(`acked ${Math.round(mean(acked) / 1000)} kbit/s, source ${Math.round(mean(source) / 1000)} kbit/s`, acked, source);
    expect(mean(acked)).toBeGreaterThan(mean(source) * 0.5);
    expect(mean(acked)).toBeLessThan(mean(source) * 1.5);
    const st = mgr.status('d1');
    expect(st.bytesAcked).toBeGreaterThan(0);
    expect(st.bytesSent).toBeGreaterThanOrEqual(st.bytesAcked - 50_000);
  }, 90_000);

  it('the remote killed mid-stream → retrying within 10 s; restarted on the same port → live again, same publisher', async () => {
    const t0 = Date.now();
    nms!.kill('SIGKILL');
    await exited(nms!);
    await waitFor(() => mgr.status('d1').state === 'retrying', 'retrying', 10_000);
    console.log(`retrying after ${Date.now() - t0} ms: ${mgr.status('d1').lastError}`);
    expect(mgr.status('d1').lastError).toMatch(/the server closed the connection|connection refused/);
    await waitFor(() => mgr.status('d1').lastError === 'connection refused', 'a refused reconnect', 10_000);
    nms = await startNms(port);
    await waitFor(() => mgr.status('d1').state === 'live', 'live again', 20_000);
    expect(mgr.status('d1').reconnects).toBeGreaterThanOrEqual(1);
    expect(pub.child.exitCode).toBeNull(); // the publisher was never touched
    expect((await decodeFrames(`rtmp://127.0.0.1:${port}/live/nms-k3y-9f2c`, 25, 30_000)).frames).toBe(25);
  }, 90_000);

  it('a frozen remote (SIGSTOP) is found dead by its missing acknowledgements', async () => {
    await waitFor(() => mgr.status('d1').state === 'live', 'live', 20_000);
    const t0 = Date.now();
    nms!.kill('SIGSTOP');
    await waitFor(() => mgr.status('d1').state === 'retrying', 'retrying', 15_000);
    const took = Date.now() - t0;
    console.log(`frozen remote detected after ${took} ms`);
    expect(mgr.status('d1').lastError).toBe('no acknowledgement for 3 s');
    expect(took).toBeGreaterThanOrEqual(2500);
    expect(mem.lines.join('\n')).not.toContain('nms-k3y');
    expect(mem.lines.join('\n')).toContain('"key":"…bl=1"'); // at most the key's last 4 characters
  }, 60_000);
});

describe('a destination pushing to a second OnAir studio', () => {
  let src: TestStudio;
  let remote: TestStudio;
  let mgr: DestinationManager;
  const mem = memoryLog();
  const pubs: Run[] = [];
  beforeAll(async () => {
    [src, remote] = await Promise.all([startStudio(), startStudio()]);
    mgr = new DestinationManager({ registry: src.studio.registry, log: mem.log, config: () => ({ ackTimeoutMs: 3000, ackWindow: 32 * 1024, backoff: { baseMs: 300, maxMs: 5000, jitter: 0.2, maxAttempts: 1000 } }) });
  }, 30_000);
  afterEach(() => {
    for (const p of pubs.splice(0)) p.child.kill('SIGKILL');
  });
  afterAll(async () => {
    mgr?.close();
    await Promise.all([src?.stop(), remote?.stop()]);
  });

  it('a refused key → retrying with "the server refused the stream key", tries spaced by a growing backoff', async () => {
    const deny = (id: unknown, p: unknown): void => {
      if (String(p).startsWith('/live/refused')) remote.studio.getSession(String(id))?.reject();
    };
    remote.studio.on('prePublish', deny);
    const tries: number[] = [];
    const onState = (s: DestinationStatus): void => {
      if (s.id === 'bad' && s.state === 'connecting') tries.push(Date.now());
    };
    mgr.on('state', onState);
    mgr.add(spec({ id: 'bad', url: remote.rtmpUrl('/live'), key: 'refused-SECRET-7q1z', source: { stream: '/live/a' } }));
    pubs.push(publishTestPattern(src.rtmpUrl('/live/a'), { size: '320x240', rate: 25, seconds: 60 }));
    await waitFor(() => tries.length >= 4, 'four tries', 30_000);
    const st = mgr.status('bad');
    mgr.stop('bad');
    mgr.off('state', onState);
    remote.studio.off('prePublish', deny);
    expect(st).toMatchObject({ state: expect.stringMatching(/retrying|connecting/) as unknown, lastError: 'the server refused the stream key' });
    const gaps = tries.slice(1).map((t, i) => t - tries[i]);
    console.log('gaps between tries (ms)', gaps);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1]);
    expect(mgr.status('bad').state).toBe('stopped');
    expect(mem.lines.join('\n')).not.toContain('SECRET');
    expect(remote.studio.registry.get('/live/refused-SECRET-7q1z')?.publisher ?? null).toBeNull();
  }, 60_000);

  it('the publisher drops for 2 s and returns: one publish session on the remote, timestamps never go backwards', async () => {
    let published = 0;
    remote.studio.registry.on('published', (s) => {
      if (s.path === '/live/keep-k3y') published++;
    });
    const seen: DestinationStatus['state'][] = [];
    mgr.on('state', (s) => {
      if (s.id === 'keep') seen.push(s.state);
    });
    mgr.add(spec({ id: 'keep', url: remote.rtmpUrl('/live'), key: 'keep-k3y', source: { app: 'show' } }));
    pubs.push(publishTestPattern(src.rtmpUrl('/show/b'), { size: '320x240', rate: 25, seconds: 60 }));
    await waitFor(() => mgr.status('keep').state === 'live', 'live', 20_000);
    await waitFor(() => remote.studio.registry.get('/live/keep-k3y')?.ready, 'remote stream ready', 10_000);
    // a player on the remote records what the remote passes on
    const player = await RtmpClient.connect(remote.rtmpUrl('/live'));
    const video: number[] = [];
    const audio: number[] = [];
    player.on('media', (m) => (m.type === MSG.VIDEO ? video : m.type === MSG.AUDIO ? audio : []).push(m.timestamp));
    await player.play('keep-k3y');
    await waitFor(() => video.length > 50, 'frames before the drop', 15_000);
    pubs[0].child.kill('SIGKILL');
    await waitFor(() => src.studio.registry.get('/show/b')?.reconnecting, 'source waiting for its publisher', 10_000);
    await sleep(2000);
    const before = video.length;
    pubs.push(publishTestPattern(src.rtmpUrl('/show/b'), { size: '320x240', rate: 25, seconds: 60 }));
    await waitFor(() => video.length > before + 75, 'frames after the return', 20_000);
    player.close();
    expect(published).toBe(1);
    expect(seen).not.toContain('retrying');
    expect(mgr.status('keep')).toMatchObject({ state: 'live', reconnects: 0, stream: '/show/b' });
    for (const ts of [video, audio]) for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    console.log(`remote video timestamps ${video[0]} … ${video[before - 1]} | ${video[before]} … ${video[video.length - 1]}`);
  }, 90_000);
});

/**
 * Restream destinations against nginx with the RTMP module (our own nginx process, test/helpers/nginx-rtmp.ts),
 * plain RTMP and RTMPS through its TLS front, with an on_publish hook that refuses some keys. One publisher
 * (ffmpeg) feeds every destination; ffprobe reads nginx's copies (live pull and its recording). Tests run in
 * order: live checks, a publisher drop, nginx killed and restarted, nginx frozen.
 */
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationManager } from '../../core/relay/manager';
import type { DestinationSpec, DestinationStatus } from '../../core/relay/types';
import { FFPROBE, decodeFrames, ffprobe, publishTestPattern, run, type Run } from '../helpers/ffmpeg';
import { startNginxRtmp, type NginxRtmp } from '../helpers/nginx-rtmp';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const ACK_TIMEOUT_MS = 3000;

function spec(id: string, url: string, key: string): DestinationSpec {
  return { id, name: id, platform: 'custom', url, key, source: { stream: '/live/cam' }, auto: true, enabled: true };
}

describe('destinations pushing to nginx-rtmp (plain and RTMPS)', () => {
  let src: TestStudio;
  let nginx: NginxRtmp;
  let hook: http.Server;
  let pub: Run;
  let mgr: DestinationManager;
  const publishes: string[] = [];
  const events: DestinationStatus[] = [];
  /** the refused destination's state changes, timed */
  const tries0: Array<{ t: number; state: string }> = [];
  const lines: string[] = [];
  const seq = (id: string): string[] => events.filter((s) => s.id === id).map((s) => s.state).filter((s, i, a) => s !== a[i - 1]);

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const name = new URLSearchParams(body).get('name') ?? '';
        publishes.push(name);
        res.statusCode = name.startsWith('refused') ? 403 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    [src, nginx] = await Promise.all([
      startStudio(),
      startNginxRtmp({ tls: true, onPublish: `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/on_publish` }),
    ]);
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    mgr = new DestinationManager({
      registry: src.studio.registry, log,
      config: () => ({ ackTimeoutMs: ACK_TIMEOUT_MS, connectTimeoutMs: 3000, tls: { ca: nginx.caPem }, backoff: { baseMs: 300, maxMs: 2000, jitter: 0.1, maxAttempts: 1000 } }),
    });
    mgr.on('state', (s) => {
      events.push(s);
      if (s.id === 'refused' && tries0.at(-1)?.state !== s.state) tries0.push({ t: Date.now(), state: s.state });
    });
    mgr.add(spec('plain', `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, 'plain-k3y'));
    mgr.add(spec('tls', `rtmps://localhost:${nginx.tlsPort}/live`, 'tls-k3y'));
    mgr.add(spec('badname', `rtmps://127.0.0.1:${nginx.tlsPort}/live`, 'badname-k3y'));
    mgr.add(spec('refused', `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, 'refused-SECRET-k3y'));
    pub = publishTestPattern(src.rtmpUrl('/live/cam'), { size: '640x360', rate: 25, seconds: 120 });
  }, 30_000);

  afterAll(async () => {
    mgr?.close();
    pub?.child.kill('SIGKILL');
    await Promise.all([src?.stop(), nginx?.stop(), new Promise((r) => (hook ? hook.close(r) : r(null)))]);
  });

  it('plain and RTMPS copies are H.264+AAC 640x360, connecting → live, acked bitrate near the source', async () => {
    await waitFor(() => mgr.status('plain').state === 'live' && mgr.status('tls').state === 'live', 'both live', 20_000);
    for (const id of ['plain', 'tls']) expect(seq(id).slice(0, 2)).toEqual(['connecting', 'live']);
    for (const key of ['plain-k3y', 'tls-k3y']) {
      const url = `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${key}`;
      const [probe, decoded] = await Promise.all([ffprobe(url), decodeFrames(url, 25, 20_000)]);
      expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
      expect(decoded.frames).toBe(25);
    }
    const rec = await ffprobe(path.join(nginx.recordDir, 'plain-k3y.flv'), ['-count_frames']);
    const v = rec.streams.find((s) => s.codec_type === 'video') as { codec_name: string; width: number; nb_read_frames?: string };
    expect(v).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(v.nb_read_frames)).toBeGreaterThanOrEqual(50);
    expect(rec.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    // acknowledged bitrate against the source's, sampled once a second
    const acked: Record<string, number[]> = { plain: [], tls: [] };
    const source: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = src.studio.registry.get('/live/cam')!;
      source.push(s.video.bitrate + s.audio.bitrate);
      for (const id of ['plain', 'tls']) acked[id].push(mgr.status(id).ackedBitrate);
      await sleep(1000);
    }
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    console.log(`source ${Math.round(mean(source) / 1000)} kbit/s, acked plain ${Math.round(mean(acked.plain) / 1000)} kbit/s, rtmps ${Math.round(mean(acked.tls) / 1000)} kbit/s`);
    for (const id of ['plain', 'tls']) {
      expect(mean(acked[id])).toBeGreaterThan(mean(source) * 0.8);
      expect(mean(acked[id])).toBeLessThan(mean(source) * 1.2);
    }
  }, 45_000);

  it('a certificate for another name → retrying with a TLS reason; a refused key → "refused" with a growing backoff', async () => {
    await waitFor(() => mgr.status('badname').lastError, 'a TLS failure', 10_000);
    expect(mgr.status('badname')).toMatchObject({ state: expect.stringMatching(/retrying|connecting|failed/) as unknown, lastError: expect.stringMatching(/^TLS handshake failed/) as unknown });
    // each try begins with `connecting`: the times between tries grow (exponential backoff, jitter ±10 %)
    const tries = (): number[] => tries0.filter((e) => e.state === 'connecting').map((e) => e.t);
    await waitFor(() => tries().length >= 4, 'four tries of the refused key', 15_000);
    const st = mgr.status('refused');
    expect(st.lastError).toBe('the server refused the stream key');
    expect(st.state).not.toBe('live');
    const t = tries();
    const gaps = t.slice(1).map((x, i) => x - t[i]);
    console.log('refused key: gaps between tries (ms)', gaps.join(', '));
    // no hot loop: every try waits (base 300 ms), and the first waits double until the 2 s cap
    for (const g of gaps) expect(g).toBeGreaterThan(250);
    for (let i = 1; i < 3; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1] * 1.4);
    mgr.stop('refused');
    mgr.stop('badname');
    expect(lines.join('\n')).not.toContain('SECRET');
  }, 30_000);

  it('the publisher drops for 5 s and returns: one publish on nginx, its recording is one file, timestamps never go back', async () => {
    const before = publishes.filter((n) => n === 'plain-k3y').length;
    expect(before).toBe(1);
    pub.child.kill('SIGKILL');
    await waitFor(() => src.studio.registry.get('/live/cam')?.reconnecting, 'source waiting for its publisher', 10_000);
    await sleep(5000);
    pub = publishTestPattern(src.rtmpUrl('/live/cam'), { size: '640x360', rate: 25, seconds: 120 });
    await waitFor(() => src.studio.registry.get('/live/cam')?.publisher, 'publisher back', 10_000);
    await sleep(3000);
    expect(mgr.status('plain')).toMatchObject({ state: 'live', reconnects: 0 });
    expect(publishes.filter((n) => n === 'plain-k3y')).toHaveLength(1);
    expect(readdirSync(nginx.recordDir).filter((f) => f.startsWith('plain-k3y'))).toEqual(['plain-k3y.flv']);
    const r = await run(FFPROBE, ['-v', 'error', '-show_entries', 'packet=codec_type,pts', '-of', 'csv=p=0', path.join(nginx.recordDir, 'plain-k3y.flv')], 30_000).done;
    const pts: Record<string, number[]> = { video: [], audio: [] };
    for (const line of r.stdout.toString().trim().split('\n')) {
      const [kind, t] = line.split(',');
      pts[kind]?.push(Number(t));
    }
    const v = pts.video;
    console.log(`recording: ${v.length} video packets, pts ${v[0]} … ${v.at(-1)} ms, largest step ${Math.max(...v.slice(1).map((t, i) => t - v[i]))} ms`);
    expect(v.length).toBeGreaterThan(150);
    for (const ts of [pts.video, pts.audio]) for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
  }, 30_000);

  it('nginx killed → retrying within 10 s; back on the same port → live again, the publisher untouched', async () => {
    const mark = events.length;
    const t0 = Date.now();
    await nginx.restart(); // stop (connections drop) then start again on the same ports
    await waitFor(() => events.slice(mark).some((s) => s.id === 'plain' && s.state === 'retrying'), 'retrying', 10_000);
    console.log(`retrying after ${Date.now() - t0} ms (${events.slice(mark).find((s) => s.id === 'plain' && s.state === 'retrying')?.lastError})`);
    await waitFor(() => mgr.status('plain').state === 'live', 'live again', 15_000);
    expect(mgr.status('plain').reconnects).toBeGreaterThanOrEqual(1);
    expect(pub.child.exitCode).toBeNull();
    expect((await decodeFrames(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/plain-k3y`, 25, 20_000)).frames).toBe(25);
  }, 40_000);

  it('a frozen nginx (SIGSTOP) is found dead by its missing acknowledgements', async () => {
    await waitFor(() => mgr.status('plain').state === 'live', 'live', 15_000);
    const t0 = Date.now();
    nginx.pause();
    try {
      await waitFor(() => mgr.status('plain').state === 'retrying', 'retrying', 15_000);
      const took = Date.now() - t0;
      console.log(`frozen nginx detected after ${took} ms: ${mgr.status('plain').lastError}`);
      expect(mgr.status('plain').lastError).toBe(`no acknowledgement for ${ACK_TIMEOUT_MS / 1000} s`);
      expect(took).toBeGreaterThanOrEqual(ACK_TIMEOUT_MS - 500);
    } finally {
      nginx.resume();
    }
    expect(lines.join('\n')).not.toMatch(/plain-k3y|tls-k3y/);
  }, 30_000);
});

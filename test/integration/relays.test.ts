/**
 * Relays (issue 11, seed 001) and seed 003's publish query form, against real servers on 127.0.0.1:
 * - studio A carries a Node-Media-Server `relay` block unchanged: a static relay from a file (ffmpeg -re), a
 *   static relay from a real RTSP server (GStreamer's, test/helpers/rtsp-server.ts, fed by ffmpeg; over TCP, and
 *   over UDP through relays.add), a pull task from studio B and
 *   a push task to studio C; every relayed copy is read back with ffprobe where it lands.
 * - studio D has relay.allow_query on (the presets' base URLs pointed at C through relay.query_targets); A has it
 *   off: the same publish query pushes nothing and the log names the platforms, never the keys.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, ffprobe, publishTestPattern, run, type Run } from '../helpers/ffmpeg';
import { startRtspServer, type RtspServer } from '../helpers/rtsp-server';
import { freePort } from '../helpers/net';
import { startNginxRtmp } from '../helpers/nginx-rtmp';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

function memoryLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

const live = (s: TestStudio, p: string): boolean => !!s.studio.registry.get(p)?.publisher;
const players = (s: TestStudio, p: string): number => [...(s.studio.registry.get(p)?.subscribers ?? [])].filter((x) => !x.internal).length;

interface RelayRow { id: string; mode: string; app: string; edge: string; state: string; streams: { path: string; state: string }[] }

/** A contract command through the dispatcher (the same path as /api/ws): its result, or throws its error. */
async function call<T = RelayRow>(s: TestStudio, cmd: string, args?: unknown): Promise<T> {
  const r = (await s.studio.api.dispatch(cmd, args)) as { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
}

async function probeVideo(url: string): Promise<{ video: string | undefined; width: number | undefined; audio: string | undefined }> {
  const r = await ffprobe(url, ['-rw_timeout', '15000000']);
  const v = r.streams.find((s) => s.codec_type === 'video');
  return { video: v?.codec_name, width: v?.width, audio: r.streams.find((s) => s.codec_type === 'audio')?.codec_name };
}

describe('relays: static / pull / push from an NMS relay block, and the seed 003 query form', () => {
  let A: TestStudio;
  let B: TestStudio;
  let C: TestStudio;
  let D: TestStudio;
  let E: TestStudio | null = null;
  let rtsp: RtspServer;
  const pubs: Run[] = [];
  const memA = memoryLog();
  let file: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-relay-'));
    file = path.join(dir, 'clip.flv');
    const made = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000', '-f', 'flv', file], 30_000).done;
    expect(made.code).toBe(0);
    [rtsp, B, C] = await Promise.all([startRtspServer(file), startStudio(), startStudio()]);
    pubs.push(publishTestPattern(B.rtmpUrl('/live/bcam'), { size: '640x360', rate: 25, seconds: 60 }));
    // a Node-Media-Server 2.x relay section, as its README writes it (plus the test-speed knobs of ours)
    A = await startStudio({
      relay: {
        ffmpeg: FFMPEG,
        tasks: [
          { app: 'mv', mode: 'static', edge: file, name: 'dq' },
          { app: 'cctv', mode: 'static', edge: rtsp.url, name: 'cam1', rtsp_transport: 'tcp' },
          { app: 'remote', mode: 'pull', edge: `rtmp://127.0.0.1:${B.ports.rtmp}/live` },
          { app: 'out', mode: 'push', edge: `rtmp://127.0.0.1:${C.ports.rtmp}` },
        ],
        pull_idle_s: 1, retry_base_ms: 200, retry_max_ms: 2000,
      },
    }, { logger: memA.log });
    D = await startStudio({
      relay: { allow_query: true, query_targets: { youtube: `rtmp://127.0.0.1:${C.ports.rtmp}/yt`, facebook: `rtmp://127.0.0.1:${C.ports.rtmp}/fb` } },
    });
    await waitFor(() => live(B, '/live/bcam'), 'B live', 20_000);
  }, 60_000);

  afterAll(async () => {
    for (const p of pubs) p.child.kill('SIGKILL');
    await Promise.all([A, B, C, D, E].filter((x): x is TestStudio => !!x).map((s) => s.stop()));
    await rtsp?.close();
  });

  it('lists the NMS tasks with their state, edges without credentials', async () => {
    const list = await call<RelayRow[]>(A, 'relays.list');
    expect(list.map((r) => [r.id, r.mode, r.app])).toEqual([['cfg0', 'static', 'mv'], ['cfg1', 'static', 'cctv'], ['cfg2', 'pull', 'remote'], ['cfg3', 'push', 'out']]);
    const added = await call(A, 'relays.add', { app: 'cam2', mode: 'static', edge: 'rtsp://admin:secret99@127.0.0.1:9/x', name: 'c2' });
    expect(added.edge).toBe('rtsp://127.0.0.1:9/x');
    expect(JSON.stringify(await call<RelayRow[]>(A, 'relays.list'))).not.toContain('secret99');
    await call(A, 'relays.remove', { id: added.id });
    await expect(call(A, 'relays.add', { app: 'x', mode: 'static', edge: 'relative/file.mp4', name: 'y' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const res = await fetch(A.httpUrl('/api/relays'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(4);
  });

  it('static relay from a file: ffmpeg -re publishes /mv/dq into the studio', async () => {
    await waitFor(() => live(A, '/mv/dq'), 'static file relay live', 20_000);
    expect(await probeVideo(A.rtmpUrl('/mv/dq'))).toEqual({ video: 'h264', width: 320, audio: 'aac' });
    await waitFor(async () => (await call<RelayRow[]>(A, 'relays.list'))[0].state === 'live', 'state live');
  }, 40_000);

  it('static relay from an RTSP camera (rtsp_transport tcp) publishes /cctv/cam1', async () => {
    await waitFor(() => live(A, '/cctv/cam1'), 'static RTSP relay live', 20_000);
    expect(rtsp.plays).toBeGreaterThanOrEqual(1);
    // the camera served it as RTP interleaved in the RTSP connection, as asked
    expect(rtsp.setups.filter((t) => /^RTP\/AVP\/TCP;.*interleaved=/.test(t)).length).toBeGreaterThanOrEqual(2);
    expect(await probeVideo(A.rtmpUrl('/cctv/cam1'))).toEqual({ video: 'h264', width: 320, audio: 'aac' });
  }, 40_000);

  it('static relay from an RTSP camera over RTP/UDP (rtsp_transport udp, relays.add) publishes /cctv/cam3', async () => {
    const before = rtsp.plays;
    const added = await call(A, 'relays.add', { app: 'cctv', mode: 'static', edge: rtsp.url, name: 'cam3', rtsp_transport: 'udp' });
    try {
      await waitFor(() => live(A, '/cctv/cam3'), 'static RTSP/UDP relay live', 20_000);
      expect(rtsp.plays).toBeGreaterThan(before);
      expect(rtsp.setups.filter((t) => /^RTP\/AVP(\/UDP)?;unicast;client_port=\d+-\d+/.test(t)).length).toBeGreaterThanOrEqual(2);
      expect(await probeVideo(A.rtmpUrl('/cctv/cam3'))).toEqual({ video: 'h264', width: 320, audio: 'aac' });
    } finally {
      await call(A, 'relays.remove', { id: added.id });
    }
  }, 40_000);

  it('static relay from an RTMP URL (relays.add): retries with backoff while the edge is down, goes live when it comes up', async () => {
    const port = await freePort();
    const events: { id: string; state: string }[] = [];
    const unsubscribe = A.studio.api.events.subscribe((e) => {
      if (e.event === 'relay.state') events.push({ id: e.data.id, state: e.data.state });
    });
    const added = await call(A, 'relays.add', { app: 'iptv', mode: 'static', edge: `rtmp://127.0.0.1:${port}/live/late`, name: 'hks' });
    const seen: { attempt: number; at: number }[] = [];
    await waitFor(async () => {
      const r = (await call<(RelayRow & { attempt: number; lastError: string | null; nextTryAt: number | null })[]>(A, 'relays.list')).find((x) => x.id === added.id);
      if (r?.state === 'retrying' && !seen.some((x) => x.attempt === r.attempt)) seen.push({ attempt: r.attempt, at: Date.now() });
      if (r?.state === 'retrying') expect(r.lastError).toMatch(/refused|ECONNREFUSED/i);
      return seen.length >= 3;
    }, 'three failed attempts', 15_000, 20);
    // backoff: the gaps between failures grow (base 200 ms, doubling, ±20 % jitter)
    expect(seen[2].at - seen[1].at).toBeGreaterThan((seen[1].at - seen[0].at) * 1.1);
    E = await startStudio({ rtmp: { port } });
    pubs.push(publishTestPattern(E.rtmpUrl('/live/late'), { size: '256x144', rate: 25, seconds: 60 }));
    await waitFor(() => live(A, '/iptv/hks'), 'RTMP static relay live after the edge came up', 20_000);
    expect(await probeVideo(A.rtmpUrl('/iptv/hks'))).toEqual({ video: 'h264', width: 256, audio: 'aac' });
    await waitFor(() => events.some((e) => e.id === added.id && e.state === 'live'), 'relay.state event: live');
    unsubscribe();
    expect(events.filter((e) => e.id === added.id).map((e) => e.state)).toContain('retrying');
    await call(A, 'relays.remove', { id: added.id });
    await waitFor(() => !live(A, '/iptv/hks'), 'relay removed: stream gone');
  }, 50_000);

  it('with auth.publish on, a static relay publishes with its own sign (the authority still refuses unsigned publishers)', async () => {
    const F = await startStudio({ auth: { publish: true, secret: 'relay-test-secret' }, relay: { tasks: [{ app: 'mv', mode: 'static', edge: file, name: 'signed' }] } });
    try {
      await waitFor(() => live(F, '/mv/signed'), 'signed static relay live', 20_000);
      const unsigned = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-t', '2', '-c', 'copy', '-f', 'flv', F.rtmpUrl('/mv/other')], 20_000).done;
      expect(unsigned.code).not.toBe(0);
      expect(live(F, '/mv/other')).toBe(false);
    } finally {
      await F.stop();
    }
  }, 40_000);

  it('pull relay: a player on A gets a stream that lives only on B; the pull stops when the player leaves', async () => {
    expect(live(A, '/remote/bcam')).toBe(false);
    expect(await probeVideo(A.rtmpUrl('/remote/bcam'))).toEqual({ video: 'h264', width: 640, audio: 'aac' });
    // the player left: within pull_idle_s the pull ends, so B loses its only player (our client) and A the stream
    await waitFor(() => !live(A, '/remote/bcam') && players(B, '/live/bcam') === 0, 'pull stopped', 15_000);
    const pull = (await call<RelayRow[]>(A, 'relays.list')).find((r) => r.mode === 'pull');
    expect(pull?.streams).toEqual([]);
  }, 40_000);

  it('push relay: every publish on /out/* is pushed to C under the same name', async () => {
    pubs.push(publishTestPattern(A.rtmpUrl('/out/show'), { size: '480x270', rate: 25, seconds: 60 }));
    await waitFor(() => live(C, '/out/show'), 'pushed copy live on C', 20_000);
    expect(await probeVideo(C.rtmpUrl('/out/show'))).toEqual({ video: 'h264', width: 480, audio: 'aac' });
    await waitFor(async () => (await call<RelayRow[]>(A, 'relays.list')).find((r) => r.mode === 'push')?.streams[0]?.state === 'live', 'push card live', 15_000);
  }, 40_000);

  it('push relay to nginx-rtmp (a relay added through the API): ffprobe on nginx reads the pushed copy', async () => {
    const nginx = await startNginxRtmp();
    try {
      const added = await call(A, 'relays.add', { app: 'tonginx', mode: 'push', edge: `rtmp://127.0.0.1:${nginx.rtmpPort}/live` });
      pubs.push(publishTestPattern(A.rtmpUrl('/tonginx/show2'), { size: '320x180', rate: 25, seconds: 60 }));
      await waitFor(async () => (await call<RelayRow[]>(A, 'relays.list')).find((r) => r.id === added.id)?.streams[0]?.state === 'live', 'push to nginx live', 20_000);
      expect(await probeVideo(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/show2`)).toEqual({ video: 'h264', width: 320, audio: 'aac' });
      await call(A, 'relays.remove', { id: added.id });
    } finally {
      await nginx.stop();
    }
  }, 40_000);

  it('query form with relay.allow_query on: ?youtube=…&facebook=…&facebook_s_bl=… pushes to the (overridden) preset targets', async () => {
    pubs.push(publishTestPattern(D.rtmpUrl('/stream/k1?youtube=ytkey1234&facebook=fbkey5678&facebook_s_bl=1'), { size: '320x180', rate: 25, seconds: 60 }));
    await waitFor(() => live(C, '/yt/ytkey1234') && live(C, '/fb/fbkey5678'), 'query-form copies live on C', 20_000);
    expect(await probeVideo(C.rtmpUrl('/yt/ytkey1234'))).toEqual({ video: 'h264', width: 320, audio: 'aac' });
    expect(D.studio.relays.queryDestinations().map((d) => d.id).sort()).toEqual(['q-facebook-_stream_k1', 'q-youtube-_stream_k1']);
  }, 40_000);

  it('query form with relay.allow_query off (the default): nothing is pushed, the log names the platforms only', async () => {
    pubs.push(publishTestPattern(A.rtmpUrl('/stream/k2?youtube=offkey9876'), { size: '320x180', rate: 25, seconds: 60 }));
    await waitFor(() => live(A, '/stream/k2'), 'A live', 20_000);
    // the query is handled synchronously at postPublish: by now it was ignored; give a push a fair chance anyway
    await sleep(1500);
    expect(A.studio.relays.queryDestinations()).toEqual([]);
    expect(C.studio.registry.get('/yt/offkey9876')).toBeUndefined();
    const warned = memA.lines.filter((l) => l.includes('allow_query is off'));
    expect(warned.length).toBe(1);
    expect(warned[0]).toContain('youtube');
    expect(memA.lines.join('\n')).not.toContain('offkey9876');
  }, 40_000);
});

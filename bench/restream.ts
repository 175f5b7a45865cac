/**
 * Restream cost: one 720p30 publisher (ffmpeg test pattern) into OnAir, copied to 1 / 5 / 10 destinations on a
 * local nginx-rtmp (test/helpers/nginx-rtmp.ts), two ways in the same run:
 *   - OnAir: the relay's DestinationManager (our RTMP client, no ffmpeg) inside the studio child;
 *   - "the seed-003 / NMS way": one `ffmpeg -c copy` per destination reading the studio's RTMP output.
 * OnAir's cost is the studio's CPU/RSS over its publisher-only baseline; theirs is the sum of the ffmpeg
 * processes (from /proc) — conservatively without the studio's extra cost of serving them as players, which is
 * printed beside it. Then the latency a
 * destination adds (same video payloads seen by a direct player on the studio and by a player on nginx;
 * p95 of the arrival-time difference, which includes nginx's own hop) and the reconnect time after nginx
 * restarts (nginx listening again → destination state "live").
 * Env: RESTREAM_WINDOW_S (measurement window, default 15), RESTREAM_LEVELS (default "1,5,10").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { RtmpClient } from '../core/rtmp/client';
import { MSG } from '../core/format/rtmp/rtmp-messages';
import { startNginxRtmp } from '../test/helpers/nginx-rtmp';
import { runBench, serverPorts, stopChild, trackChild } from './lib/children';
import { ffmpegPath } from './lib/ffmpeg';
import { cpuSeconds, rssMb } from './lib/proc-stats';

const ROOT = path.resolve(import.meta.dirname, '..');
const WINDOW_S = Number(process.env.RESTREAM_WINDOW_S ?? 15);
const LEVELS = (process.env.RESTREAM_LEVELS ?? '1,5,10').split(',').map(Number);
const log = (s: string): void => void process.stdout.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** CPU % (of one core) and average RSS MB of a set of pids over `s` seconds. */
async function measure(pids: number[], s: number): Promise<{ cpu: number; rss: number }> {
  const c0 = pids.reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);
  const t0 = performance.now();
  let rssSum = 0;
  let n = 0;
  const end = Date.now() + s * 1000;
  while (Date.now() < end) {
    await sleep(500);
    rssSum += pids.reduce((a, p) => a + (rssMb(p) ?? 0), 0);
    n++;
  }
  const c1 = pids.reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);
  return { cpu: ((c1 - c0) / ((performance.now() - t0) / 1000)) * 100, rss: n ? rssSum / n : NaN };
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] : NaN;
}

/** A player recording when each video payload arrived (keyed by a hash of the payload). */
async function videoArrivals(url: string, name: string, into: Map<string, number>): Promise<RtmpClient> {
  const c = await RtmpClient.connect(url);
  c.on('media', (m) => {
    if (m.type !== MSG.VIDEO || m.payload.length < 64) return;
    const k = createHash('sha1').update(m.payload).digest('hex');
    if (!into.has(k)) into.set(k, performance.now());
  });
  await c.play(name);
  return c;
}

async function main(): Promise<void> {
  const others = `load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`;
  const nginx = await startNginxRtmp();
  const studio = trackChild(spawn(process.execPath, [path.join(ROOT, 'bin/run-ts.mjs'), path.join(ROOT, 'bench/lib/restream-server.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const states = new Map<string, { state: string; at: number }>();
  const liveAt = new Map<string, number[]>();
  createInterface({ input: studio.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { state?: { id: string; state: string; at: number } };
    if (!m.state) return;
    states.set(m.state.id, m.state);
    if (m.state.state === 'live') liveAt.set(m.state.id, [...(liveAt.get(m.state.id) ?? []), m.state.at]);
  });
  const ports = await serverPorts(studio, 'onair');
  const send = (o: unknown): void => void studio.stdin!.write(`${JSON.stringify(o)}\n`);
  const src = `rtmp://127.0.0.1:${ports.rtmp}/live/cam`;
  const dest = `rtmp://127.0.0.1:${nginx.rtmpPort}/live`;
  trackChild(spawn(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60', '-b:v', '3000k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '48000', '-f', 'flv', src,
  ], { stdio: 'ignore' }));
  const probe = new Map<string, number>();
  const p0 = await (async () => {
    for (let i = 0; ; i++) {
      try {
        return await videoArrivals(`rtmp://127.0.0.1:${ports.rtmp}/live`, 'cam', probe);
      } catch (e) {
        if (i > 40) throw e;
        await sleep(250);
      }
    }
  })();
  await until(() => probe.size > 30, 'publisher live');
  p0.destroy();
  await sleep(1000);
  const base = await measure([ports.pid], WINDOW_S);
  log(`baseline (publisher only): studio ${base.cpu.toFixed(1)} % CPU, ${base.rss.toFixed(0)} MB RSS`);
  const rows: string[] = [];
  let ok = true;
  for (const n of LEVELS) {
    const ids = Array.from({ length: n }, (_, i) => `o${n}_${i}`);
    for (const id of ids) send({ add: { id, url: dest, key: id } });
    await until(() => ids.every((id) => states.get(id)?.state === 'live'), `${n} OnAir destinations live`);
    await sleep(2000);
    const ours = await measure([ports.pid], WINDOW_S);
    for (const id of ids) send({ remove: id });
    await sleep(1500);
    const ffs: ChildProcess[] = ids.map((_, i) => trackChild(spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', src, '-c', 'copy', '-f', 'flv', `${dest}/f${n}_${i}`], { stdio: 'ignore' })));
    await sleep(4000);
    const studioTheirs = await measure([ports.pid, ...ffs.map((f) => f.pid!)], WINDOW_S);
    const ffOnly = await measure(ffs.map((f) => f.pid!), WINDOW_S);
    await Promise.all(ffs.map((f) => stopChild(f)));
    const ourCpu = Math.max(0, ours.cpu - base.cpu);
    const ourRss = Math.max(0, ours.rss - base.rss);
    // their cost, counted conservatively: the ffmpeg processes alone (the studio's extra cost of serving them as
    // players is shown too, but it is a small difference of two noisy totals, so it does not enter the ratio)
    const theirCpu = ffOnly.cpu;
    const theirRss = ffOnly.rss;
    const cpuX = ourCpu / theirCpu;
    const rssX = ourRss / theirRss;
    const pass = cpuX <= 0.2 && rssX <= 0.2;
    ok &&= pass;
    const serving = `${(studioTheirs.cpu - base.cpu - ffOnly.cpu).toFixed(1)} %`;
    rows.push(`| ${n} | ${ourCpu.toFixed(1)} % / ${ourRss.toFixed(0)} MB (studio total ${ours.cpu.toFixed(1)} % vs ${base.cpu.toFixed(1)} % publisher-only) | ${theirCpu.toFixed(1)} % / ${theirRss.toFixed(0)} MB (+ studio serving them ≈ ${serving}) | ${cpuX.toFixed(2)}× / ${rssX.toFixed(2)}× | ≤ 0.2× | ${pass ? 'PASS' : 'FAIL'} |`);
    await sleep(1500);
  }
  // added latency: the same video payloads at a direct player vs a player on nginx fed by one destination
  send({ add: { id: 'lat', url: dest, key: 'lat' } });
  await until(() => states.get('lat')?.state === 'live', 'latency destination live');
  await sleep(1500);
  const direct = new Map<string, number>();
  const remote = new Map<string, number>();
  const a = await videoArrivals(`rtmp://127.0.0.1:${ports.rtmp}/live`, 'cam', direct);
  const b = await videoArrivals(dest, 'lat', remote);
  await sleep(WINDOW_S * 1000);
  a.destroy();
  b.destroy();
  const diffs = [...remote].filter(([k]) => direct.has(k)).map(([k, t]) => t - direct.get(k)!);
  const lat = p95(diffs);
  // reconnect: nginx restarts (same port); time from nginx listening again to the destination "live" again
  const before = liveAt.get('lat')?.length ?? 0;
  await nginx.restart();
  const back = Date.now();
  await until(() => (liveAt.get('lat')?.length ?? 0) > before, 'destination live after nginx restart', 30_000);
  const reconnectMs = liveAt.get('lat')!.at(-1)! - back;
  send({ remove: 'lat' });
  ok &&= lat <= 50 && reconnectMs <= 3000;
  log('');
  log(`window ${WINDOW_S} s; ${others} at start; publisher 720p30 libx264 ultrafast 3 Mbit/s + AAC`);
  log('| destinations | OnAir added CPU / RSS (below 0 = within noise, shown as 0) | ffmpeg -c copy way CPU / RSS (the processes alone) | ratio CPU / RSS | target | result |');
  log('|---|---|---|---|---|---|');
  for (const r of rows) log(r);
  log(`| latency | p95 added at nginx ${lat.toFixed(1)} ms over ${diffs.length} matched frames (median ${[...diffs].sort((x, y) => x - y)[diffs.length >> 1]?.toFixed(1) ?? 'n/a'} ms) | | | ≤ 50 ms | ${lat <= 50 ? 'PASS' : 'FAIL'} |`);
  log(`| reconnect | ${reconnectMs} ms from nginx back to live | | | ≤ 3000 ms | ${reconnectMs <= 3000 ? 'PASS' : 'FAIL'} |`);
  log(ok ? 'ALL PASS' : 'SOME FAIL');
  await nginx.stop();
}

runBench('restream', main, log);

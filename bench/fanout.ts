/**
 * Fan-out benchmark: one publisher (pre-encoded 720p30 ~2.5 Mbit/s H.264+AAC, looped by ffmpeg -re -c copy),
 * N players on 127.0.0.1, RTMP and HTTP-FLV separately, OnAir Studio vs node-media-server@2.7.4.
 *
 * Each (server, protocol, N) cell gets a fresh server child process (CPU from /proc/<pid>/stat, RSS from
 * VmRSS), a fresh publisher and a fresh load-generator child (FANOUT_WORKERS, default 1) hosting all the
 * players as plain net sockets. One load process because the box has 2 cores: the server gets one, the
 * players the other; the load generator's own CPU is printed so a saturated client shows up in the table.
 *
 * Env: FANOUT_N=200,500  FANOUT_SECONDS=20  FANOUT_PROTOCOLS=rtmp,http  FANOUT_SERVERS=onair,nms
 *      FANOUT_BATCH=50  FANOUT_WORKERS=1  FANOUT_CACHE=<dir for the generated FLV and the OnAir bundle>
 *      FANOUT_ONAIR_RUNNER=bundle|tsx  FANOUT_ONAIR_HLS=0|1 (OnAir's in-process HLS/DASH muxers, off by default)
 *      FANOUT_FLUSH_MS=0,50,100,300 (the rtmp.flush_ms curve: OnAir RTMP once per value; HTTP-FLV at the first)
 *      FANOUT_CPU_PROF=<dir> (a V8 CPU profile of every server child, written when it exits)
 */
import os from 'node:os';
import { failedCell, runCell, type CellResult, type CellSpec } from './lib/cell';
import { runBench } from './lib/children';
import { readEnv } from './lib/env';
import { ensureFixture } from './lib/ffmpeg';
import { curveTable, resultTable, targetLines } from './lib/report';
import { fmt } from './lib/stats';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const env = readEnv();
  const fixture = await ensureFixture();
  log(`fixture ${fixture}`);
  log(`N=${env.counts.join(',')} window=${env.seconds}s protocols=${env.protocols.join(',')} servers=${env.servers.join(',')} batch=${env.batch} workers=${env.workers} onair-runner=${env.onairRunner} onair-hls=${env.onairHls ? 'on' : 'off'} flush_ms=${env.flushMs.join(',')}`);
  const rows: CellResult[] = [];
  for (const players of env.counts) {
    for (const protocol of env.protocols) {
      for (const server of env.servers) {
        const flushes = server === 'onair' ? (protocol === 'rtmp' ? env.flushMs : env.flushMs.slice(0, 1)) : [0];
        for (const flushMs of flushes) {
          log(`→ ${server} ${protocol} N=${players}${server === 'onair' ? ` flush_ms=${flushMs}` : ''} ...`);
          const spec: CellSpec = { server, protocol, players, seconds: env.seconds, batch: env.batch, workers: env.workers, fixture, onairRunner: env.onairRunner, flushMs };
          const r = await runCell(spec).catch((e: unknown) => failedCell(spec, e));
          rows.push(r);
          log(`  cpu ${fmt(r.cpuPct)}% writes/s/player ${fmt(r.writesPerPlayer)} rss ${fmt(r.rssPeakMb)}MB key p50 ${fmt(r.ttfkP50)}ms jitter p95 ${fmt(r.jitterP95)}ms frames ${fmt(r.framesAvg)} connect ${fmt(r.connectMs, 0)}ms loadgen ${fmt(r.loadCpuPct)}% host ${fmt(r.hostBusyPct)}%`);
          for (const n of r.notes) log(`  note: ${n}`);
        }
      }
    }
  }
  const out: string[] = [
    '',
    `## Fan-out: 1 publisher (720p30 H.264+AAC ~2.6 Mbit/s), ${env.seconds} s window, players on 127.0.0.1`,
    '',
    resultTable(rows),
    '',
    `### rtmp.flush_ms curve at N=${Math.max(...env.counts)}`,
    '',
    curveTable(rows, Math.max(...env.counts)),
    '',
    `CPU = % of one core over the window; RSS sampled every 250 ms (peak from first player connect, avg over the window);`,
    `1st key = connect start to first video keyframe, players joining ${env.batch} at a time; late join = 9 players joining one by one after the window, N still playing;`,
    `jitter = per-frame lateness vs the player's best (arrival − timestamp), window frames only;`,
    `writes/s/player = the server's write syscalls (write/writev, /proc/<pid>/io syscw) per second per player; NMS corks every player for 10 messages;`,
    `frames/player = video frames received in the window (publisher sends ~${30 * env.seconds}); loadgen = the players' process (1 core max per worker);`,
    `host busy = the whole machine over the window, % of all ${os.cpus().length} cores (includes anything else running on the box).`,
    `OnAir runs ${env.onairRunner === 'bundle' ? 'as an esbuild bundle on plain node' : 'through the tsx loader (+~30 MB RSS)'}, live HLS/LL-HLS/DASH muxing ${env.onairHls ? 'ON (product default)' : 'off (FANOUT_ONAIR_HLS=1 turns it on)'}; NMS as shipped (CommonJS, no trans).`,
    '',
    '### Targets (OnAir)',
    ...targetLines(rows),
    '',
  ];
  const notes = rows.flatMap((r) => r.notes.map((n) => `- ${r.server} ${r.protocol} N=${r.players}${r.server === 'onair' ? ` flush ${r.flushMs}` : ''}: ${n}`));
  if (notes.length > 0) out.push('### Notes', ...notes, '');
  process.stdout.write(out.join('\n'));
}

runBench('fanout', main, log);

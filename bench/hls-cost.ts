/**
 * HLS cost and latency: OnAir Studio (HLS, LL-HLS and DASH muxed in-process) versus node-media-server@2.7.4
 * with its ffmpeg `trans` HLS task (one ffmpeg per stream), same run, one after the other.
 *
 * 1. Cost: 10 live streams (the pre-encoded 720p30 ~2.5 Mbit/s clip, looped by ffmpeg -re -c copy; the
 *    publishers are separate processes and not counted), HLS on, a 60 s window: CPU (% of one core) and
 *    RSS / PSS of the server process plus all its descendants (NMS's ffmpeg children), sampled from /proc
 *    every second. Meanwhile one stream's playlist per second (round robin) is fetched from the server to
 *    check HLS is really produced.
 * 2. Latency: a clock-source publisher (frames carry their capture time), hls.js in Chromium on OnAir
 *    LL-HLS (ll.m3u8, lowLatencyMode), OnAir HLS (index.m3u8) and NMS's ffmpeg HLS; the page reads the
 *    time code off the <video> every 500 ms after playback starts.
 *
 * Env: HLS_COST_SECONDS=60  HLS_COST_STREAMS=10  HLS_LAT_SECONDS=30  HLS_COST_PARTS=cost,latency
 *      HLS_COST_SERVERS=onair,onair-ts,onair-off,nms (onair-off: HLS off, the RTMP-ingest baseline)  HLS_LAT_EXTRA=1 (0: skip the informational hls.js-tuned row)  CHROMIUM_PATH=/usr/bin/chromium  FANOUT_CACHE=<dir for the clip>
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Browser } from 'playwright-core';
import { runBench, stopChild } from './lib/children';
import { launchChromium, measureUrl, newPage, startPageServer, summarize, verifyInBrowser, type PageRun } from './lib/clock-page';
import { ClockPublisher, verifyClockRoundTrip } from './lib/clock-source';
import { ensureFixture, startPublisher } from './lib/ffmpeg';
import { startBenchServer, type BenchServer } from './lib/hls-servers';
import { HostMeter } from './lib/proc-stats';
import { TreeMeter, treeRssMb, type TreeUsage } from './lib/proc-tree';
import { fmt, markdownTable, mean } from './lib/stats';

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function int(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${raw}`);
  return v;
}

function list<T extends string>(name: string, def: string, allowed: readonly T[]): T[] {
  const items = (process.env[name] ?? def).split(',').map((s) => s.trim()).filter(Boolean);
  for (const it of items) if (!(allowed as readonly string[]).includes(it)) throw new Error(`${name}: "${it}" is not one of ${allowed.join(', ')}`);
  return items as T[];
}

const ENV = {
  seconds: int('HLS_COST_SECONDS', 60, 5, 600),
  streams: int('HLS_COST_STREAMS', 10, 1, 20),
  latSeconds: int('HLS_LAT_SECONDS', 30, 5, 300),
  parts: list('HLS_COST_PARTS', 'cost,latency', ['cost', 'latency'] as const),
  servers: list('HLS_COST_SERVERS', 'onair,onair-ts,onair-off,nms', ['onair', 'onair-ts', 'onair-off', 'nms'] as const),
  /** also play OnAir HLS with hls.js liveSyncDurationCount 2 (a player-side knob, for information) */
  extra: (process.env.HLS_LAT_EXTRA ?? '1') !== '0',
};

/** OnAir's HLS settings for both parts (segment 2 s like NMS's hls_time=2). */
const ONAIR_HLS = { enabled: true, ll: true, dash: true, segment_seconds: 2, part_ms: 200, list_size: 6 };
/** the same with only MPEG-TS HLS on: the output NMS produces */
const ONAIR_TS_ONLY = { ...ONAIR_HLS, ll: false, dash: false };
/** HLS off: what RTMP ingest of the same streams costs by itself (a baseline, not in the default run) */
const ONAIR_OFF = { ...ONAIR_HLS, enabled: false };

type CostKind = 'onair' | 'onair-ts' | 'onair-off' | 'nms';
const SEGMENT_S = 2;
/** hls_list_size in bench/lib/nms-hls-server.cjs */
const NMS_LIST_SIZE = 3;

// ---------------------------------------------------------------- playlists

interface Playlist {
  segments: number;
  /** number of the newest segment: media sequence + count - 1 */
  newest: number;
  lastUri: string | null;
}

async function fetchPlaylist(url: string): Promise<Playlist | string> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(4000) });
    if (r.status !== 200) return `HTTP ${r.status}`;
    const text = await r.text();
    const seq = /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text);
    const uris = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const segments = (text.match(/#EXTINF:/g) ?? []).length;
    if (!seq || segments === 0) return 'no segments';
    return { segments, newest: Number(seq[1]) + segments - 1, lastUri: uris[uris.length - 1] ?? null };
  } catch (e) {
    return (e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message;
  }
}

/** Poll until the playlist lists at least `minSegments` segments (bounded). */
async function waitPlaylist(url: string, timeoutMs: number, minSegments = 1): Promise<Playlist | string> {
  const deadline = Date.now() + timeoutMs;
  let last: Playlist | string = 'never fetched';
  while (Date.now() < deadline) {
    last = await fetchPlaylist(url);
    if (typeof last !== 'string' && last.segments >= minSegments) return last;
    await sleep(250);
  }
  return typeof last === 'string' ? last : `only ${last.segments} segments after ${timeoutMs} ms`;
}

/** The newest TS segment of a playlist: size and whether it starts with MPEG-TS sync bytes. */
async function checkSegment(playlistUrl: string, p: Playlist): Promise<string> {
  if (!p.lastUri) return 'no uri';
  try {
    const r = await fetch(new URL(p.lastUri, playlistUrl), { signal: AbortSignal.timeout(5000) });
    const b = Buffer.from(await r.arrayBuffer());
    const ts = b.length >= 376 && b[0] === 0x47 && b[188] === 0x47;
    return `${r.status} ${fmt(b.length / 1024, 0)} KiB${ts ? ' TS' : ' NOT-TS'}`;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------- cost

interface CostRow {
  server: CostKind;
  usage: TreeUsage;
  /** RSS before the first publish */
  idleRssMb: number;
  hostBusyPct: number;
  checks: number;
  checkFails: number;
  failReasons: string[];
  segmentsAvg: number;
  /** segments produced per stream during the window (min / avg), from the newest segment number */
  producedMin: number;
  producedAvg: number;
  firstPlaylistS: number;
  segmentCheck: string;
}

async function costPhase(kind: CostKind, fixture: string): Promise<CostRow> {
  log(`→ cost: ${kind}, ${ENV.streams} streams, ${ENV.seconds} s window`);
  const hls = kind === 'onair-ts' ? ONAIR_TS_ONLY : kind === 'onair-off' ? ONAIR_OFF : ONAIR_HLS;
  const hlsOn = kind !== 'onair-off';
  const server = await startBenchServer(kind === 'nms' ? 'nms' : 'onair', { hls });
  const pubs: ChildProcess[] = [];
  try {
    await sleep(1000);
    const idleRssMb = treeRssMb(server.pid);
    const t0 = Date.now();
    for (let i = 0; i < ENV.streams; i++) pubs.push(await startPublisher(fixture, server.rtmpUrl(`s${i}`)));
    if (!hlsOn) await sleep(8000); // as long as the HLS runs take to get their playlists up
    const ready = hlsOn ? await Promise.all(Array.from({ length: ENV.streams }, (_, i) => waitPlaylist(server.hlsUrl(`s${i}`), 30_000))) : [];
    const firstPlaylistS = (Date.now() - t0) / 1000;
    const bad = ready.map((r, i) => (typeof r === 'string' ? `s${i}: ${r}` : null)).filter((x): x is string => x !== null);
    if (bad.length) log(`  not ready after 30 s: ${bad.join('; ')}`);
    log(hlsOn ? `  all playlists up ${fmt(firstPlaylistS)} s after the first publish; settling 4 s` : '  HLS off: publishers up, waited 8 s; settling 4 s');
    await sleep(4000);
    const allPlaylists = (): Promise<Array<Playlist | string>> => (hlsOn ? Promise.all(Array.from({ length: ENV.streams }, (_, i) => fetchPlaylist(server.hlsUrl(`s${i}`)))) : Promise.resolve([]));
    const start = await allPlaylists();

    const meter = new TreeMeter(server.pid, 1000);
    const host = new HostMeter();
    host.start();
    meter.start();
    let checks = 0;
    let checkFails = 0;
    const failReasons: string[] = [];
    const segCounts: number[] = [];
    let inflight = false;
    const checker = setInterval(() => {
      if (inflight || !hlsOn) return;
      inflight = true;
      const i = checks % ENV.streams;
      checks++;
      void fetchPlaylist(server.hlsUrl(`s${i}`)).then((p) => {
        inflight = false;
        if (typeof p === 'string') {
          checkFails++;
          if (failReasons.length < 5) failReasons.push(`s${i}: ${p}`);
        } else segCounts.push(p.segments);
      });
    }, 1000);
    const publishersDied = (): number => pubs.filter((p) => p.exitCode !== null || p.signalCode !== null).length;
    for (let s = 0; s < ENV.seconds; s++) {
      await sleep(1000);
      if ((s + 1) % 15 === 0) log(`  ${s + 1}/${ENV.seconds} s, checks ${checks} (${checkFails} failed), publishers down ${publishersDied()}`);
    }
    clearInterval(checker);
    const usage = meter.stop();
    const hostBusyPct = host.stop();
    const end = await allPlaylists();
    const produced = end.map((e, i) => {
      const s0 = start[i];
      return typeof e === 'string' || typeof s0 === 'string' ? 0 : e.newest - s0.newest;
    });
    const e0 = end[0];
    const segmentCheck = !hlsOn ? 'HLS off' : typeof e0 === 'string' ? e0 : await checkSegment(server.hlsUrl('s0'), e0);
    if (publishersDied() > 0) failReasons.push(`${publishersDied()} publisher(s) exited during the window`);
    const row: CostRow = {
      server: kind, usage, idleRssMb, hostBusyPct, checks, checkFails, failReasons, segmentsAvg: mean(segCounts),
      producedMin: produced.length ? Math.min(...produced) : Number.NaN, producedAvg: mean(produced), firstPlaylistS, segmentCheck,
    };
    log(`  cpu ${fmt(usage.cpuPct)}% rss ${fmt(usage.rssAvgMb)} MB (peak ${fmt(usage.rssPeakMb)}) pss ${fmt(usage.pssAvgMb)} MB procs ${usage.procs} checks ${checks - checkFails}/${checks} produced ${row.producedMin}..${fmt(row.producedAvg)} seg ${segmentCheck}`);
    return row;
  } finally {
    await Promise.all(pubs.map((p) => stopChild(p, 2000)));
    await server.stop();
  }
}

function costTable(rows: CostRow[]): string {
  const name = { onair: 'OnAir', 'onair-ts': 'OnAir (TS only)', 'onair-off': 'OnAir (HLS off)', nms: 'NMS 2.7.4' } as const;
  const what = { onair: 'HLS+LL-HLS+DASH in-process', 'onair-ts': 'HLS (TS) in-process', 'onair-off': 'none (RTMP ingest only)', nms: 'HLS via ffmpeg -c copy per stream' } as const;
  const head = ['server', 'muxing', 'procs', 'CPU % (1 core)', 'RSS idle MB', 'RSS avg MB', 'RSS peak MB', 'PSS avg MB', 'playlist checks ok', 'segs/playlist', 'new segs/stream', 'newest seg s0', 'host busy %'];
  const body = rows.map((r) => [
    name[r.server], what[r.server], String(r.usage.procsMax), fmt(r.usage.cpuPct), fmt(r.idleRssMb), fmt(r.usage.rssAvgMb), fmt(r.usage.rssPeakMb), fmt(r.usage.pssAvgMb),
    `${r.checks - r.checkFails}/${r.checks}`, fmt(r.segmentsAvg), `${fmt(r.producedMin, 0)}..${fmt(r.producedAvg)}`, r.segmentCheck, fmt(r.hostBusyPct),
  ]);
  return markdownTable(head, body);
}

function ratioLines(rows: CostRow[]): string[] {
  const n = rows.find((r) => r.server === 'nms');
  const ours = rows.filter((r) => r.server === 'onair' || r.server === 'onair-ts');
  if (!n || !ours.length) return ['(the ratio needs OnAir and NMS rows)'];
  const v = (x: number): string => (x <= 0.2 ? 'PASS' : 'FAIL');
  const out: string[] = [];
  for (const o of ours) {
    const label = o.server === 'onair' ? 'OnAir' : 'OnAir (TS only)';
    const cpu = o.usage.cpuPct / n.usage.cpuPct;
    const rss = o.usage.rssAvgMb / n.usage.rssAvgMb;
    const pss = o.usage.pssAvgMb / n.usage.pssAvgMb;
    out.push(
      `- ${label} / NMS CPU: ${fmt(o.usage.cpuPct)} % / ${fmt(n.usage.cpuPct)} % = **${fmt(cpu, 2)}×** (target ≤ 0.2×) → ${v(cpu)}`,
      `- ${label} / NMS RSS (avg, sum over processes): ${fmt(o.usage.rssAvgMb)} MB / ${fmt(n.usage.rssAvgMb)} MB = **${fmt(rss, 2)}×** (target ≤ 0.2×) → ${v(rss)}`,
      `- ${label} / NMS PSS (shared pages split): ${fmt(o.usage.pssAvgMb)} MB / ${fmt(n.usage.pssAvgMb)} MB = ${fmt(pss, 2)}×`,
    );
  }
  const split = Object.entries(n.usage.byComm).map(([k, c]) => `${k} ${fmt(c)} %`).join(', ');
  out.push(`- NMS CPU by process name: ${split}`);
  for (const r of rows) if (r.failReasons.length) out.push(`- ${r.server} playlist check failures: ${r.failReasons.join('; ')}`);
  for (const r of rows) if (r.usage.exited) out.push(`- ${r.server}: ${r.usage.exited} process(es) left the tree during the window`);
  return out;
}

// ---------------------------------------------------------------- latency

interface LatRow {
  variant: string;
  playlist: string;
  config: string;
  run: PageRun;
  targetMs: number;
}

async function latencyPart(browser: Browser): Promise<LatRow[]> {
  const pages = await startPageServer();
  const rows: LatRow[] = [];
  const measure = async (variant: string, playlistUrl: string, cfg: Record<string, unknown>, targetMs: number): Promise<void> => {
    log(`→ latency: ${variant} (${ENV.latSeconds} s)`);
    const page = await newPage(browser);
    try {
      const run = await measureUrl(page, pages.url('hls', playlistUrl, cfg), '#v', ENV.latSeconds, log);
      const s = summarize(run.samples);
      log(`  startup ${fmt(run.startupMs / 1000, 2)} s, ${s.n} samples, median ${fmt(s.medianMs / 1000, 2)} s, p95 ${fmt(s.p95Ms / 1000, 2)} s, fails ${run.fails}${run.playerErrors.length ? `, player errors: ${[...new Set(run.playerErrors)].slice(0, 5).join(' | ')}` : ''}`);
      rows.push({ variant, playlist: new URL(playlistUrl).pathname, config: JSON.stringify(cfg), run, targetMs });
    } finally {
      await page.context().close();
    }
  };
  try {
    for (const kind of ENV.servers.filter((k): k is 'onair' | 'nms' => k === 'onair' || k === 'nms')) {
      const server: BenchServer = await startBenchServer(kind, { hls: ONAIR_HLS });
      const pub = new ClockPublisher(server.rtmpUrl('clock'));
      try {
        await pub.start();
        const base = `http://127.0.0.1:${server.http}/live/clock`;
        // a viewer who joins a running stream: wait until the playlists hold their full window, since a
        // player opened on a 1-segment playlist starts (and, without catch-up, stays) closer to live
        if (kind === 'onair') {
          for (const f of ['ll.m3u8', 'index.m3u8']) {
            const p = await waitPlaylist(`${base}/${f}`, 40_000, ONAIR_HLS.list_size);
            if (typeof p === 'string') throw new Error(`OnAir ${f} not ready: ${p}`);
          }
          await measure('OnAir LL-HLS', `${base}/ll.m3u8`, { lowLatencyMode: true }, 2000);
          await measure('OnAir HLS', `${base}/index.m3u8`, {}, 3 * SEGMENT_S * 1000);
          if (ENV.extra) await measure('OnAir HLS (info)', `${base}/index.m3u8`, { liveSyncDurationCount: 2 }, 3 * SEGMENT_S * 1000);
        } else {
          const p = await waitPlaylist(`${base}/index.m3u8`, 40_000, NMS_LIST_SIZE);
          if (typeof p === 'string') throw new Error(`NMS index.m3u8 not ready: ${p}`);
          await measure('NMS ffmpeg HLS', `${base}/index.m3u8`, {}, 3 * SEGMENT_S * 1000);
        }
        const ps = pub.stats();
        log(`  clock publisher: ${ps.frames} frames, handed to ffmpeg late by p95 ${fmt(ps.lateP95Ms, 0)} ms / max ${fmt(ps.lateMaxMs, 0)} ms`);
      } finally {
        await pub.stop();
        await server.stop();
      }
    }
  } finally {
    await pages.close();
  }
  return rows;
}

function latencyTable(rows: LatRow[]): string {
  const s = (ms: number): string => fmt(ms / 1000, 2);
  const head = ['variant', 'playlist', 'hls.js config', 'startup s', 'samples', 'undecoded', 'median s', 'p95 s', 'min s', 'max s', 'first 10 s', 'last 10 s', 'buffer ahead s (first→last 10 s)', 'target', 'verdict'];
  const body = rows.map((r) => {
    const m = summarize(r.run.samples);
    return [
      r.variant, r.playlist, r.config, s(r.run.startupMs), String(m.n), String(r.run.fails), s(m.medianMs), s(m.p95Ms), s(m.minMs), s(m.maxMs), s(m.firstMs), s(m.lastMs),
      `${fmt(m.aheadMedianS, 2)} (${fmt(m.aheadFirstS, 2)}→${fmt(m.aheadLastS, 2)})`, `median < ${s(r.targetMs)} s`, r.variant.startsWith('NMS') ? 'ref' : r.variant.includes('(info)') ? 'info' : m.n > 0 && m.medianMs < r.targetMs ? 'PASS' : 'FAIL',
    ];
  });
  return markdownTable(head, body);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const out: string[] = [];
  if (ENV.parts.includes('cost')) {
    const fixture = await ensureFixture();
    log(`clip ${fixture}`);
    const rows: CostRow[] = [];
    for (const kind of ENV.servers) rows.push(await costPhase(kind, fixture));
    out.push(
      '',
      `## HLS cost: ${ENV.streams} live streams (720p30 H.264+AAC ~2.6 Mbit/s, ffmpeg -re -stream_loop -c copy), ${ENV.seconds} s window`,
      '',
      costTable(rows),
      '',
      'CPU = utime+stime of the server and all its descendants over the window, % of one core; RSS/PSS = sum over those processes,',
      'sampled every 1 s (RSS counts the shared ffmpeg binary once per process; PSS splits shared pages). Publishers are not counted.',
      'RSS idle = the server alone before any publisher (NMS: no ffmpeg yet). NMS keeps segments on disk (kernel page cache, in no RSS); OnAir keeps them in its heap.',
      `OnAir: ${JSON.stringify(ONAIR_HLS)} (TS only: ll and dash false), bundled, plain node; segments in memory. NMS: trans task hls:true, hlsFlags [hls_time=2:hls_list_size=3:hls_flags=delete_segments].`,
      'playlist checks = one index.m3u8 fetch per second, round robin over the streams; new segs/stream = newest segment number at the end minus at the start',
      `(min..avg over streams, expect ~${ENV.seconds / SEGMENT_S}); newest seg s0 = the last segment of stream 0 fetched after the window.`,
      `host busy = the whole machine (${os.cpus().length} cores, includes the publishers and anything else running), load avg now ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`,
      '',
      ...ratioLines(rows),
    );
  }
  if (ENV.parts.includes('latency')) {
    const rt = await verifyClockRoundTrip();
    if (rt.exact !== rt.frames) throw new Error(`clock code round trip through x264: ${rt.exact}/${rt.frames} frames exact`);
    log(`clock code: ${rt.exact}/${rt.frames} frames decoded exactly after x264 encode/decode`);
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await page.goto('about:blank');
      await verifyInBrowser(page, rt);
      await page.context().close();
      log('clock code: a known frame decodes exactly in Chromium');
      const rows = await latencyPart(browser);
      out.push(
        '',
        `## Glass-to-glass latency, hls.js ${await hlsVersion()} in Chromium, ${ENV.latSeconds} s per variant after playback starts (1 sample / 500 ms)`,
        '',
        latencyTable(rows),
        '',
        'latency = Date.now() in the page − the capture time painted into the frame (640x360p30 x264 ultrafast/zerolatency, 1 s GOP, published over RTMP);',
        'startup = page open to the first decoded frame; undecoded = samples whose frame did not decode; buffer ahead = buffered end − currentTime (median).',
        `targets: LL-HLS median < 2 s; standard HLS median < 3 × segment duration (${3 * SEGMENT_S} s). NMS is the reference (no target).`,
        `Pages open once the playlists hold their full window (OnAir ${ONAIR_HLS.list_size} segments, NMS ${NMS_LIST_SIZE}), like a viewer joining a running stream.`,
        'The "(info)" row is the same OnAir HLS with a player-side setting (hls.js liveSyncDurationCount 2 instead of 3), not a target row.',
        `clock code verified: ${rt.exact}/${rt.frames} frames exact through x264 in Node, and a known frame through the page's canvas path.`,
      );
    } finally {
      await browser.close();
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function hlsVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../node_modules/hls.js/package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

runBench('hls-cost', main, log);

/**
 * Live bitrate ladder cost (issue 12): a 720p30 source (ffmpeg test pattern, libx264 ultrafast ~3 Mbit/s +
 * AAC) → 720p / 480p / 360p rungs, x264 `veryfast` everywhere, three subjects one after the other (2 cores):
 *   (a) OnAir: the studio child (bench/lib/ladder-server.ts, product-default HLS/LL-HLS/DASH) with
 *       `ladder.apps.live = 720-480-360` — CPU/RSS of the studio plus its ladder ffmpeg (one decode, split +
 *       scale, one encoder per rung, rungs published back and muxed like any stream); its publisher-only
 *       baseline (ladder off) is measured first;
 *   (b) node-media-server@2.7.4 `fission` with the same rungs (bench/lib/nms-fission-server.cjs): NMS plus
 *       the ffmpeg it spawns;
 *   (c) seed 003's ffmpeg ABR command (one ffmpeg, three scale + x264 + HLS outputs) reading the source from
 *       the OnAir studio (ladder off): the ffmpeg alone.
 * Then hls.js in Chromium on OnAir's /live/clock/abr.m3u8 and abr-ll.m3u8 (a clock-source publisher scaled to
 * 720p, re-encoded by the ladder; a third run caps hls.js to the 360p rung): glass-to-glass latency, and the
 * ladder's encoder speed (ladder.list) next to each rung's fps as the studio receives it.
 *
 * Env: LADDER_SECONDS=60 (cost window per subject)  LADDER_LAT_SECONDS=30 (per playlist)  CHROMIUM_PATH
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LadderState } from '../core/contract/ladder';
import { runBench, stopChild, trackChild } from './lib/children';
import { launchChromium, measureUrl, newPage, startPageServer, summarize, verifyInBrowser } from './lib/clock-page';
import { ClockPublisher, verifyClockRoundTrip } from './lib/clock-source';
import { ffmpegPath, stderrTail } from './lib/ffmpeg';
import { childCommands, measureTree, NMS_MODEL, nmsHasVersionHelper, probeVideo, seed003Args, SEED_PLAYLISTS, sleep, SOURCE_DESC, startNmsFission, startSource, StudioChild, waitFor } from './lib/ladder-parts';
import { TreeMeter, type TreeUsage } from './lib/proc-tree';
import { fmt, markdownTable, percentile } from './lib/stats';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

function int(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${raw}`);
  return v;
}

const SECONDS = int('LADDER_SECONDS', 60, 5, 600);
const LAT_SECONDS = int('LADDER_LAT_SECONDS', 30, 5, 300);
const BASE_SECONDS = Math.min(SECONDS, 20);
const X264_PRESET = 'veryfast';
const LADDER = { preset: '720-480-360' as const };
const CPU_RATIO_MAX = 0.8;
const LL_TARGET_MS = 2500;

interface CostRow {
  subject: string;
  measured: string;
  usage: TreeUsage & { hostBusyPct: number };
  rungs: string;
  speed: string;
}

interface LatRow {
  playlist: string;
  cfg: Record<string, unknown>;
  run: Awaited<ReturnType<typeof measureUrl>>;
  levels: string;
}

const tree = (u: TreeUsage): string => Object.entries(u.byComm).filter(([, c]) => c >= 0.5).map(([k, c]) => `${k} ${fmt(c)} %`).join(', ');

function speedSummary(xs: number[]): string {
  return xs.length ? `median ${fmt(percentile(xs, 50), 2)}× (min ${fmt(Math.min(...xs), 2)}×, ${xs.length} readings)` : 'no reading';
}

async function ladderOf(studio: StudioChild, source: string): Promise<LadderState | undefined> {
  return (await studio.call<LadderState[]>('ladder.list')).find((l) => l.source === source);
}

const ladderUp = async (studio: StudioChild, source: string): Promise<LadderState | false> => {
  const l = await ladderOf(studio, source);
  return l && l.state === 'running' && l.rungs.length === 3 && l.rungs.every((r) => r.live) ? l : false;
};

/** (c) seed 003's command reading /live/cam from the studio; the studio's own cost meanwhile is returned too. */
async function seedPhase(studio: StudioChild): Promise<{ row: CostRow; studioDuring: TreeUsage }> {
  log(`→ seed 003 ffmpeg, ${SECONDS} s`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-bench-seed003-'));
  const ff = trackChild(spawn(ffmpegPath(), seed003Args(studio.rtmpUrl('cam'), dir), { stdio: ['ignore', 'ignore', 'pipe'] }));
  const err = stderrTail(ff);
  try {
    await waitFor(() => ff.exitCode === null && SEED_PLAYLISTS.every((f) => existsSync(path.join(dir, f))), 'seed 003 playlists', 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; ffmpeg: ${err().slice(-400)}`);
    });
    await sleep(4000);
    // the newest segment number of each playlist: media sequence + segments listed - 1
    const seqs = (): number[] => SEED_PLAYLISTS.map((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      return Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN) + (text.match(/#EXTINF:/g) ?? []).length - 1;
    });
    const s0 = seqs();
    const studioMeter = new TreeMeter(studio.pid, 1000);
    studioMeter.start();
    const usage = await measureTree(ff.pid!, SECONDS);
    const studioDuring = studioMeter.stop();
    const produced = seqs().map((s, i) => s - s0[i]);
    // the newest segment of each rung (a live playlist file makes ffprobe wait for more)
    const newest = (f: string): string => {
      const uri = readFileSync(path.join(dir, f), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).pop() ?? '';
      const inDir = path.join(dir, uri);
      return existsSync(inDir) ? inDir : path.join(dir, f.replace('.m3u8', ''), path.basename(uri));
    };
    const sizes = await Promise.all(SEED_PLAYLISTS.map((f) => probeVideo(newest(f))));
    const alive = ff.exitCode === null;
    const rungs = `${sizes.join(' / ')}; new segments ${produced.join('/')} (hls_time 4, GOP 48)${alive ? '' : ' — ffmpeg EXITED'}`;
    return { row: { subject: 'seed 003 ffmpeg', measured: 'the ffmpeg alone (3× scale + x264 + HLS TS)', usage, rungs, speed: 'n/a (not reported)' }, studioDuring };
  } finally {
    await stopChild(ff, 3000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (a) the ladder on /live/cam in the studio: set it through the contract, wait for 3 live rungs, measure. */
async function onairPhase(studio: StudioChild): Promise<CostRow> {
  log(`→ OnAir ladder, ${SECONDS} s`);
  await studio.call('ladder.set', { scope: { app: 'live' }, setting: LADDER });
  const t0 = Date.now();
  await waitFor(() => ladderUp(studio, '/live/cam'), 'OnAir ladder on /live/cam running with 3 live rungs', 30_000);
  log(`  3 rungs live ${fmt((Date.now() - t0) / 1000)} s after ladder.set; settling 5 s`);
  await sleep(5000);
  const speeds: number[] = [];
  const fps = new Map<string, number[]>();
  let encoder = '';
  const usage = await measureTree(studio.pid, SECONDS, async (s) => {
    if (s % 2) return;
    const l = await ladderOf(studio, '/live/cam');
    if (l?.speed != null) speeds.push(l.speed);
    encoder = l?.encoder ?? encoder;
    // each rung's frame rate as the studio measures it on arrival: 30 = the encoder keeps up with real time
    for (const st of await studio.call<Array<{ path: string; fps: number }>>('streams.list')) if (st.path.startsWith('/live/cam_')) fps.set(st.path, [...(fps.get(st.path) ?? []), st.fps]);
  });
  const l = await ladderOf(studio, '/live/cam');
  const sizes = await Promise.all((l?.rungs ?? []).map((r) => probeVideo(`http://127.0.0.1:${studio.http}${r.path}/index.m3u8`)));
  const abr = await fetch(`http://127.0.0.1:${studio.http}/live/cam/abr.m3u8`).then((r) => r.text(), (e: Error) => e.message);
  const variants = (abr.match(/#EXT-X-STREAM-INF/g) ?? []).length;
  return {
    subject: 'OnAir ladder',
    measured: `studio + its ffmpeg (${encoder || '?'}; HLS/LL-HLS/DASH of source + rungs)`,
    usage,
    rungs: `${sizes.join(' / ')} (HLS); abr.m3u8 ${variants} variants; state ${l?.state ?? '?'}, restarts ${l?.restarts ?? '?'}`,
    speed: `ffmpeg progress speed ${speedSummary(speeds)}; rung fps at the studio (median) ${[...fps].map(([p, xs]) => `${p.slice(10)} ${fmt(percentile(xs, 50))}`).join(', ') || '—'}`,
  };
}

/** hls.js on the clock stream's abr.m3u8 and abr-ll.m3u8 (the ladder already applies to app "live"). */
async function latencyPhase(studio: StudioChild): Promise<{ rows: LatRow[]; speed: string; clock: string }> {
  const rt = await verifyClockRoundTrip();
  if (rt.exact !== rt.frames) throw new Error(`clock code round trip through x264: ${rt.exact}/${rt.frames} frames exact`);
  const browser = await launchChromium();
  const pages = await startPageServer();
  const pub = new ClockPublisher(studio.rtmpUrl('clock'), { size: { width: 1280, height: 720 }, kbps: 3000 });
  const rows: LatRow[] = [];
  const speeds: number[] = [];
  try {
    const check = await newPage(browser);
    await check.goto('about:blank');
    await verifyInBrowser(check, rt);
    await check.context().close();
    await pub.start();
    await waitFor(() => ladderUp(studio, '/live/clock'), 'OnAir ladder on /live/clock running with 3 live rungs', 30_000);
    const base = `http://127.0.0.1:${studio.http}/live/clock`;
    // a viewer joining a running stream: let every rung's playlists fill (default list_size 4 × 2 s)
    await sleep(10_000);
    // the third run caps hls.js to the 640x360 <video> (capLevelToPlayerSize): it must play the re-encoded 360p rung
    for (const [file, cfg] of [['abr.m3u8', {}], ['abr-ll.m3u8', { lowLatencyMode: true }], ['abr-ll.m3u8', { lowLatencyMode: true, capLevelToPlayerSize: true }]] as const) {
      log(`→ latency: ${file} (${LAT_SECONDS} s)`);
      const page = await newPage(browser);
      try {
        const poll = setInterval(() => void ladderOf(studio, '/live/clock').then((l) => l?.speed != null && speeds.push(l.speed), () => undefined), 2000);
        const run = await measureUrl(page, pages.url('hls', `${base}/${file}`, cfg), '#v', LAT_SECONDS, log).finally(() => clearInterval(poll));
        const levels = (await page.evaluate(
          `(function(){ var h = window.__hls; if (!h) return 'no hls.js'; var l = h.levels[h.currentLevel]; var u = l ? (l.uri || (l.url && l.url[0]) || '') : '';
            return h.levels.map(function (x) { return x.height; }).join('/') + ' listed, playing ' + (l ? l.height + 'p ' + (u ? new URL(u, location.href).pathname : '') : 'level ' + h.currentLevel); })()`,
        )) as string;
        const m = summarize(run.samples);
        log(`  ${m.n} samples, median ${fmt(m.medianMs / 1000, 2)} s, p95 ${fmt(m.p95Ms / 1000, 2)} s, ${levels}${run.playerErrors.length ? `, player errors: ${[...new Set(run.playerErrors)].slice(0, 4).join(' | ')}` : ''}`);
        rows.push({ playlist: `/live/clock/${file}`, cfg, run, levels });
      } finally {
        await page.context().close();
      }
    }
    const ps = pub.stats();
    return { rows, speed: speedSummary(speeds), clock: `${ps.frames} frames, handed to ffmpeg late by p95 ${fmt(ps.lateP95Ms, 0)} ms` };
  } finally {
    await pub.stop();
    await pages.close();
    await browser.close();
  }
}

/** (b) NMS 2.7.4 fission with the same rungs. */
async function nmsPhase(): Promise<{ row: CostRow; argv: string[]; shim: boolean }> {
  log(`→ NMS 2.7.4 fission, ${SECONDS} s`);
  const shim = !nmsHasVersionHelper();
  const nms = await startNmsFission();
  try {
    const src = await startSource(`rtmp://127.0.0.1:${nms.rtmp}/live/cam`);
    const want = NMS_MODEL.map((m) => `cam_${m.vs.split('x')[1]}`);
    await waitFor(async () => {
      const s = await nms.streams();
      return want.every((w) => s.includes(w));
    }, `NMS fission rungs ${want.join(', ')}`, 30_000);
    await sleep(5000);
    const argv = childCommands(nms.pid);
    const usage = await measureTree(nms.pid, SECONDS);
    const live = await nms.streams();
    const sizes = await Promise.all(want.map((w) => probeVideo(`rtmp://127.0.0.1:${nms.rtmp}/live/${w}`)));
    await stopChild(src, 2000);
    const rungs = `${sizes.join(' / ')} (RTMP); live at the end: ${want.filter((w) => live.includes(w)).length}/3`;
    return { row: { subject: 'NMS 2.7.4 fission', measured: 'NMS + its ffmpeg (RTMP rungs, no HLS)', usage, rungs, speed: 'n/a (NMS discards ffmpeg output)' }, argv, shim };
  } finally {
    await nms.stop();
  }
}

async function main(): Promise<void> {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows: CostRow[] = [];
  const studio = await StudioChild.start(X264_PRESET);
  let seedStudio: TreeUsage;
  let lat: Awaited<ReturnType<typeof latencyPhase>>;
  try {
    const src = await startSource(studio.rtmpUrl('cam'));
    await waitFor(async () => (await studio.live()).includes('/live/cam'), '/live/cam live in the studio', 15_000);
    await sleep(3000);
    log(`→ OnAir baseline (ladder off), ${BASE_SECONDS} s`);
    rows.push({ subject: 'OnAir publisher only', measured: 'studio, ladder off (HLS/LL-HLS/DASH of the source)', usage: await measureTree(studio.pid, BASE_SECONDS), rungs: '—', speed: '—' });
    const seed = await seedPhase(studio);
    seedStudio = seed.studioDuring;
    const seedRow = seed.row;
    rows.push(await onairPhase(studio));
    await stopChild(src, 2000);
    lat = await latencyPhase(studio);
    rows.push(seedRow);
  } finally {
    await studio.stop();
  }
  const nms = await nmsPhase();
  rows.splice(2, 0, nms.row);
  report(rows, seedStudio, lat, nms, load);
}

function report(rows: CostRow[], seedStudio: TreeUsage, lat: Awaited<ReturnType<typeof latencyPhase>>, nms: Awaited<ReturnType<typeof nmsPhase>>, load: string): void {
  const ours = rows.find((r) => r.subject === 'OnAir ladder')!;
  const base = rows.find((r) => r.subject === 'OnAir publisher only')!;
  const ratio = ours.usage.cpuPct / nms.row.usage.cpuPct;
  const head = ['subject', 'measured', 'procs', 'CPU % (1 core)', 'RSS avg MB', 'PSS avg MB', '× NMS CPU', 'host busy %', 'rungs (ffprobe) / checks', 'encoder speed'];
  const body = rows.map((r) => [r.subject, r.measured, String(r.usage.procsMax), fmt(r.usage.cpuPct), fmt(r.usage.rssAvgMb), fmt(r.usage.pssAvgMb), fmt(r.usage.cpuPct / nms.row.usage.cpuPct, 2), fmt(r.usage.hostBusyPct), r.rungs, r.speed]);
  // every LL-HLS run must meet the target (auto level, and capped to the 360p rung): the worst median counts
  const llRuns = lat.rows.filter((r) => r.playlist.endsWith('abr-ll.m3u8'));
  const llMedian = llRuns.length ? Math.max(...llRuns.map((r) => summarize(r.run.samples).medianMs)) : Number.NaN;
  const s = (ms: number): string => fmt(ms / 1000, 2);
  const latHead = ['playlist', 'hls.js config', 'levels', 'startup s', 'samples', 'undecoded', 'median s', 'p95 s', 'min s', 'max s', 'target', 'verdict'];
  const latBody = lat.rows.map((r) => {
    const m = summarize(r.run.samples);
    const isLl = r.playlist.endsWith('abr-ll.m3u8');
    return [r.playlist, JSON.stringify(r.cfg), r.levels, s(r.run.startupMs), String(m.n), String(r.run.fails), s(m.medianMs), s(m.p95Ms), s(m.minMs), s(m.maxMs), isLl ? `median < ${s(LL_TARGET_MS)} s` : '—', isLl ? (m.n > 0 && m.medianMs < LL_TARGET_MS ? 'PASS' : 'FAIL') : 'info'];
  });
  const cpuOk = ratio <= CPU_RATIO_MAX;
  const llOk = llMedian < LL_TARGET_MS;
  const out = [
    '',
    `## Live ladder cost: 720p30 → 720p / 480p / 360p, x264 ${X264_PRESET}, ${SECONDS} s window per subject (baseline ${BASE_SECONDS} s)`,
    '',
    markdownTable(head, body),
    '',
    `Source (all subjects): ${SOURCE_DESC}, published over RTMP by ffmpeg (not counted). CPU = utime+stime of the process tree over the window, % of one core; RSS/PSS = sum over the tree, sampled every 1 s. Run one after the other on ${os.cpus().length} cores; load avg at start ${load}; host busy % = the whole machine during that window (anything else running shows there).`,
    `- OnAir: config ladder { encoder: libx264, x264_preset: ${X264_PRESET}, apps: { live: ${JSON.stringify(LADDER)} } } set with ladder.set after the baseline; product-default HLS/LL-HLS/DASH (source and rungs muxed). By process: ${tree(ours.usage)}.`,
    `- OnAir ladder over its publisher-only baseline: +${fmt(ours.usage.cpuPct - base.usage.cpuPct)} % CPU, +${fmt(ours.usage.rssAvgMb - base.usage.rssAvgMb)} MB RSS.`,
    `- NMS 2.7.4 fission model ${JSON.stringify(NMS_MODEL)} (its x264 preset is hard-coded veryfast + zerolatency). By process: ${tree(nms.row.usage)}.`,
    nms.shim
      ? "- NMS 2.7.4's fission does NOT start as shipped: NodeFissionServer.run() awaits getFFmpegVersion(), which its node_core_utils.js does not export (TypeError before the postPublish handler is registered). The bench supplies that one helper (ffmpeg -version) before loading NMS; the rule matching, the argv and the spawn below are NMS's own NodeFissionSession code."
      : '- NMS fission started unmodified.',
    `- NMS's ffmpeg argv (from /proc): ${nms.argv.join(' || ') || '(none found)'}`,
    `- seed 003: lines 40-46 verbatim (input = the OnAir studio's /live/cam over RTMP, ladder off; HLS into a temp folder); the studio meanwhile (serving it one RTMP play): ${fmt(seedStudio.cpuPct)} % CPU, ${fmt(seedStudio.rssAvgMb)} MB RSS, not in its row.`,
    '',
    `## Glass-to-glass, hls.js in Chromium on the ladder's ABR playlists, ${LAT_SECONDS} s each`,
    '',
    markdownTable(latHead, latBody),
    '',
    `Clock publisher (every frame carries its capture time) painted at 640x360 and scaled ×2 (nearest neighbour) to 1280x720p30, x264 ultrafast/zerolatency 3 Mbit/s, 1 s GOP; ${lat.clock}. The ladder re-encodes it into the 3 rungs (the code is read off whichever level hls.js plays); ladder encoder speed meanwhile: ${lat.speed}.`,
    '',
    '## Targets',
    `- OnAir CPU ≤ ${CPU_RATIO_MAX}× NMS fission CPU (equal rungs): ${fmt(ours.usage.cpuPct)} % / ${fmt(nms.row.usage.cpuPct)} % = ${fmt(ratio, 2)}× → ${cpuOk ? 'PASS' : 'FAIL'}`,
    `- LL-HLS ABR (abr-ll.m3u8) median glass-to-glass < ${s(LL_TARGET_MS)} s (worst of the ${llRuns.length} LL runs): ${s(llMedian)} s → ${llOk ? 'PASS' : 'FAIL'}`,
    `- OnAir ladder encoder speed over the cost window: ${ours.speed}.`,
    '  Note: ffmpeg\'s progress speed is output time / wall time since ffmpeg started; the ladder runs with -copyts, so output time starts at the',
    '  source\'s timestamp and the value is inflated by how long the source had been live when the ladder started (it tends to 1.0× only slowly).',
    '  The rung fps the studio measures on arrival (30 = keeping up) is the reliable real-time check.',
    cpuOk && llOk ? 'ALL PASS' : 'SOME FAIL',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

runBench('ladder', main, log);

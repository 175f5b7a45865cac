/**
 * Disconnect protection (issue 14) on screen: a studio (in this process) with `slate: { enabled: true }`,
 * `hls.segment_seconds: 1` and a destination to a local nginx-rtmp; a 320x180 all-red publisher (1 s GOP); one
 * Chromium page with mpegts.js (HTTP-FLV), hls.js (HLS) and hls.js (LL-HLS). Every round: kill -9 the publisher
 * → time until each player's frame turns the slate's dark blue (pixel check every 100 ms,
 * test/helpers/frame-color.ts); restart it → time until each shows the red source again, from the restart, from
 * the studio accepting the publish and from the source's first keyframe leaving the studio (an RTMP probe).
 * CPU: this process's CPU % (the studio; the bench itself sleeps during the windows) over the same window
 * while the source runs and while the slate runs, plus every ffmpeg child spawned during the slate (expected 0:
 * the clip is encoded once, when the stream's parameters are first known).
 * Env: SLATE_ROUNDS (default 5), SLATE_AFTER_MS (default 1500, the config default), SLATE_CPU_WINDOW_S (default 4), SLATE_FRESH=1 (new players every round: without it
 * the same page rides every drop, and Chromium's buffer grows after each underflow — see the README).
 */
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { MSG } from '../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../core/rtmp/client';
import { SLATE_COLOR } from '../core/slate/clip';
import { CHROMIUM } from '../test/helpers/browser';
import { FFMPEG, run, type Run } from '../test/helpers/ffmpeg';
import { firstSwitch, frameMarks, watchFrameColors, type FrameMark } from '../test/helpers/frame-color';
import { startNginxRtmp, type NginxRtmp } from '../test/helpers/nginx-rtmp';
import { servePlayerPage, type PlayerPage } from '../test/helpers/player-page';
import { sleep, startStudio, waitFor, type TestStudio } from '../test/helpers/studio';
import { runBench, trackChild } from './lib/children';
import { commOf } from './lib/proc-tree';
import { fmt, markdownTable } from './lib/stats';

const ROUNDS = Math.max(1, Math.min(50, Number(process.env.SLATE_ROUNDS ?? 5)));
const CPU_WINDOW_S = Math.max(1, Math.min(30, Number(process.env.SLATE_CPU_WINDOW_S ?? 4)));
const FRESH = process.env.SLATE_FRESH === '1';
const AFTER_MS = Math.max(0, Math.min(60_000, Number(process.env.SLATE_AFTER_MS ?? 1500)));
const PATH = '/live/slate';
const GOP_MS = 1000;
const PLAYERS = ['flv', 'hls', 'll'] as const;
const LABEL: Record<(typeof PLAYERS)[number], string> = { flv: 'HTTP-FLV (mpegts.js)', hls: 'HLS 1 s segments (hls.js)', ll: 'LL-HLS (hls.js)' };
const log = (s: string): void => void process.stdout.write(`${s}\n`);

function redPublisher(url: string): Run {
  const r = run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'color=c=red:s=320x180:r=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '600', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-f', 'flv', url,
  ], 700_000);
  trackChild(r.child);
  return r;
}

/** ffmpeg children of this process right now (the studio runs here: its clip encodes are our children). */
function ffmpegChildren(exclude: ReadonlySet<number>): number[] {
  let list: string;
  try {
    list = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return list.trim().split(/\s+/).filter(Boolean).map(Number).filter((p) => !exclude.has(p) && commOf(p) === 'ffmpeg');
}

/** This process's CPU % of one core over `s` seconds, sampling ffmpeg children every 100 ms meanwhile. */
async function cpuWindow(s: number, spawned: Set<number>, exclude: ReadonlySet<number>): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = Date.now() + s * 1000;
  while (Date.now() < end) {
    for (const p of ffmpegChildren(exclude)) spawned.add(p);
    await sleep(100);
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

/**
 * When each player switched to `state` (since `since`). Strict: throw after 30 s. Otherwise a player that does not
 * get there within 15 s (a stalled <video>) is NaN, with the page's state printed.
 */
async function allOn(page: import('playwright-core').Page, state: 'slate' | 'source', since: number, what: string, strict = true): Promise<number[]> {
  let m: Record<string, FrameMark[]> = {};
  try {
    return await waitFor(async () => {
      m = await frameMarks(page);
      const at = PLAYERS.map((p) => firstSwitch(m, p, state, since));
      return at.every((x) => x !== null) ? (at as number[]) : null;
    }, what, strict ? 30_000 : 15_000, 100);
  } catch (e) {
    if (!strict) {
      const stuck = await page.evaluate(`[...document.querySelectorAll('video')].filter((v) => v.readyState > 0).map((v) => v.id + ' t=' + v.currentTime.toFixed(2) + ' readyState=' + v.readyState).join(', ')`);
      log(`${what}: not within 15 s — ${PLAYERS.filter((p) => firstSwitch(m, p, state, since) === null).join(', ')} stalled (videos: ${String(stuck)}); the page is reloaded for the next round`);
      return PLAYERS.map((p) => firstSwitch(m, p, state, since) ?? Number.NaN);
    }
    const seen = PLAYERS.map((p) => `${p}: ${JSON.stringify((m[p] ?? []).slice(-4).map((x) => ({ ...x, at: x.at - since })))}`).join('\n  ');
    const times = await page.evaluate(`[...document.querySelectorAll('video')].map((v) => v.id + ' t=' + v.currentTime.toFixed(2) + ' rs=' + v.readyState + ' paused=' + v.paused).join(', ')`);
    throw new Error(`${(e as Error).message}; last marks (ms since):\n  ${seen}\n  videos: ${String(times)}; player events: ${JSON.stringify(await page.evaluate('window.__events'))}`, { cause: e });
  }
}

interface Round { ahead: number[]; slateOn: number; loss: number[]; back: number[]; backFromRestart: number[]; backFromKey: number[]; cpuSource: number; cpuSlate: number; spawned: number }

/** How far each player's buffer reaches beyond what it shows (ms): its own latency on top of the studio's. */
async function bufferAhead(page: import('playwright-core').Page): Promise<number[]> {
  const expr = `${JSON.stringify(PLAYERS)}.map((id) => { const v = document.getElementById(id); const b = v.buffered; return b.length ? Math.round((b.end(b.length - 1) - v.currentTime) * 1000) : -1; })`;
  return (await page.evaluate(expr)) as number[];
}

const ok = (xs: number[]): number[] => xs.filter((x) => Number.isFinite(x));
const med = (xs: number[]): number => [...ok(xs)].sort((a, b) => a - b)[Math.floor((ok(xs).length - 1) / 2)] ?? Number.NaN;
const max = (xs: number[]): number => (ok(xs).length ? Math.max(...ok(xs)) : Number.NaN);
/** p50 / max over the rounds a player got there, and how many rounds it stalled */
const cell = (xs: number[]): string => `${med(xs)} / ${max(xs)}${xs.length > ok(xs).length ? ` (stalled ${xs.length - ok(xs).length}×)` : ''}`;

async function main(): Promise<void> {
  log(`bench/slate: ${ROUNDS} rounds, CPU windows ${CPU_WINDOW_S} s, publisher 320x180 red, GOP ${GOP_MS} ms, slate.after_ms ${AFTER_MS}, ${FRESH ? 'fresh players every round' : 'the same players every round'}`);
  let t: TestStudio | null = null;
  let nginx: NginxRtmp | null = null;
  let pages: PlayerPage | null = null;
  let pub: Run | null = null;
  let probe: RtmpClient | null = null;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    [t, nginx, pages] = await Promise.all([startStudio({ slate: { enabled: true, after_ms: AFTER_MS }, hls: { segment_seconds: 1 } }), startNginxRtmp(), servePlayerPage()]);
    const studio = t.studio;
    const pubPids = new Set<number>();
    pub = redPublisher(t.rtmpUrl(PATH));
    pubPids.add(pub.child.pid ?? -1);
    const d = studio.destinations;
    const id = (await d.add({
      name: 'nginx stand-in', platform: 'custom', url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live`, key: 'slate-bench',
      source: { stream: PATH }, auto: true, enabled: true,
    })).id;
    await waitFor(() => d.get(id).status.state === 'live', 'destination live', 20_000);
    await waitFor(() => studio.slate.clips.encodes === 1, 'slate clip prepared', 20_000);
    // the spawn counter must be able to see an ffmpeg child at all (here: the publisher), or its 0 means nothing
    if (!ffmpegChildren(new Set()).includes(pub.child.pid ?? -1)) throw new Error('cannot see ffmpeg children in /proc: the spawn count would be blind');
    const liveSince = d.get(id).status.liveSince;
    const slateOnAt: number[] = [];
    studio.slate.on('slate', (e) => void (e.on && slateOnAt.push(Date.now())));
    const keyframes: number[] = [];
    probe = await RtmpClient.connect(t.rtmpUrl('/live'));
    probe.on('media', (m) => {
      if (m.type === MSG.VIDEO && m.payload[0] >> 4 === 1 && m.payload[1] === 1) keyframes.push(Date.now());
      if (keyframes.length > 2000) keyframes.splice(0, 1000);
    });
    await probe.play('slate');
    const page = await browser.newPage();
    const open = async (): Promise<void> => {
      await page.goto(pages!.url(`http://127.0.0.1:${t!.ports.http}`, PATH, [...PLAYERS]));
      await watchFrameColors(page, [...PLAYERS], { slate: SLATE_COLOR });
      await allOn(page, 'source', Date.now(), 'every player shows the source');
    };
    await open();

    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // SLATE_FRESH=1: a fresh page (fresh players) every round. Chromium doubles its playback threshold after every
      // underflow (each drop is one: no data for after_ms), so one page across rounds measures that growth too
      if (FRESH && r > 0) await open();
      await sleep(1000);
      const spawned = new Set<number>();
      const cpuSource = await cpuWindow(CPU_WINDOW_S, new Set(), pubPids);
      const ahead = await bufferAhead(page);
      const killedAt = Date.now();
      pub.child.kill('SIGKILL');
      await pub.done;
      const slateAt = await allOn(page, 'slate', killedAt, `round ${r + 1}: the slate on every player`, false);
      if (!studio.slate.active(PATH)) throw new Error(`round ${r + 1}: the slate is not on air`);
      const cpuSlate = await cpuWindow(CPU_WINDOW_S, spawned, pubPids);
      const restartAt = Date.now();
      pub = redPublisher(t.rtmpUrl(PATH));
      pubPids.add(pub.child.pid ?? -1);
      await waitFor(() => studio.registry.get(PATH)?.publisher?.protocol === 'rtmp', 'publisher back', 15_000, 20);
      const publishedAt = Date.now();
      const key = await waitFor(() => keyframes.find((k) => k >= publishedAt - 50), 'the source keyframe leaves the studio', 10_000, 20);
      const sourceAt = await allOn(page, 'source', restartAt, `round ${r + 1}: the source on every player`, false);
      const round: Round = {
        ahead,
        slateOn: (slateOnAt.find((x) => x >= killedAt) ?? Number.NaN) - killedAt,
        loss: slateAt.map((x) => x - killedAt), back: sourceAt.map((x) => x - publishedAt), backFromRestart: sourceAt.map((x) => x - restartAt),
        backFromKey: sourceAt.map((x) => x - key), cpuSource, cpuSlate, spawned: spawned.size,
      };
      rounds.push(round);
      log(`round ${r + 1}: slate.on in the studio ${round.slateOn} ms after the kill; buffered ahead before it ${PLAYERS.map((p, i) => `${p} ${round.ahead[i]}`).join(' / ')} ms; loss→slate ${PLAYERS.map((p, i) => `${p} ${round.loss[i]}`).join(' / ')} ms; publish→source ${PLAYERS.map((p, i) => `${p} ${round.back[i]}`).join(' / ')} ms; CPU source ${fmt(cpuSource)} % slate ${fmt(cpuSlate)} %; ffmpeg during slate ${spawned.size}`);
      if ([...slateAt, ...sourceAt].some((x) => !Number.isFinite(x))) await open();
    }
    const st = d.get(id).status;
    const events = (await page.evaluate('window.__events')) as unknown[];
    report(rounds, { reconnects: st.reconnects, sameConnection: st.state === 'live' && st.liveSince === liveSince, encodes: studio.slate.clips.encodes, playerErrors: events.length });
    await page.close();
  } finally {
    probe?.destroy();
    pub?.child.kill('SIGKILL');
    await browser.close();
    pages?.close();
    await Promise.all([t?.stop(), nginx?.stop()]);
  }
}

function report(rounds: Round[], dest: { reconnects: number; sameConnection: boolean; encodes: number; playerErrors: number }): void {
  const col = (f: (r: Round) => number[], i: number): number[] => rounds.map((r) => f(r)[i]);
  const head = ['player', 'buffered ahead before the loss p50 / max ms', 'loss → slate on screen p50 / max ms', 'publish → source on screen p50 / max ms', 'restart → source p50 / max ms', 'source keyframe out → on screen p50 / max ms'];
  const body = PLAYERS.map((p, i) => [
    LABEL[p],
    ...[(r: Round) => r.ahead, (r: Round) => r.loss, (r: Round) => r.back, (r: Round) => r.backFromRestart, (r: Round) => r.backFromKey].map((f) => cell(col(f, i))),
  ]);
  const on = rounds.map((r) => r.slateOn);
  log(`\n### Slate on screen (Chromium pixel check), ${rounds.length} rounds; slate.on in the studio ${med(on)} / ${max(on)} ms (p50 / max) after the kill (after_ms ${AFTER_MS})\n`);
  log(markdownTable(head, body));
  const cpuSrc = rounds.map((r) => r.cpuSource);
  const cpuSl = rounds.map((r) => r.cpuSlate);
  const spawned = rounds.reduce((a, r) => a + r.spawned, 0);
  log(`\n### Cost of the slate (studio process, % of one core, ${CPU_WINDOW_S} s windows)\n`);
  log(markdownTable(['while', 'CPU % p50', 'CPU % max'], [['source on air', fmt(med(cpuSrc)), fmt(max(cpuSrc))], ['slate on air', fmt(med(cpuSl)), fmt(max(cpuSl))]]));
  log(`\nffmpeg processes spawned while the slate ran: ${spawned} (clip encodes in the whole run: ${dest.encodes}); destination reconnects: ${dest.reconnects}; player errors: ${dest.playerErrors}`);
  // a stalled round is the worst case: it counts as never
  const worst = (xs: number[]): number => (xs.some((x) => !Number.isFinite(x)) ? Number.POSITIVE_INFINITY : max(xs));
  const flvLoss = worst(col((r) => r.loss, 0));
  const flvBack = worst(col((r) => r.back, 0));
  const pf = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  log(`\n### Targets\n`);
  log(markdownTable(['target', 'measured (worst round)', 'result'], [
    ['slate on screen ≤ 2500 ms after loss (FLV)', flvLoss === Number.POSITIVE_INFINITY ? 'stalled (never)' : `${flvLoss} ms`, pf(flvLoss <= 2500)],
    [`back to source ≤ 1 GOP + 0.5 s = ${GOP_MS + 500} ms (FLV, from the publish)`, flvBack === Number.POSITIVE_INFINITY ? 'stalled (never)' : `${flvBack} ms`, pf(flvBack <= GOP_MS + 500)],
    ['cached slate: no ffmpeg while the slate runs, one clip encode', `${spawned} spawned, ${dest.encodes} encode(s)`, pf(spawned === 0 && dest.encodes === 1)],
    ['destination keeps one connection', `reconnects ${dest.reconnects}${dest.sameConnection ? ', same liveSince' : ', liveSince changed'}`, pf(dest.reconnects === 0 && dest.sameConnection)],
  ]));
}

runBench('bench/slate', main, log);

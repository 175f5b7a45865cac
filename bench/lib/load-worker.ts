/**
 * Load-generator child: hosts a share of the players, driven over IPC by bench/fanout.ts
 * (start -> 'connected', window-start, window-stop -> 'result', close). Exits when the parent goes away.
 */
import type { FromWorker, LoadResult, ProbeJoins, StartLoad, ToWorker } from './protocol';
import { HttpFlvClient } from './http-flv-client';
import type { PlayerStats, WindowClock } from './player-stats';
import { RtmpPlayClient } from './rtmp-play-client';

const clock: WindowClock = { recording: false };
const players: PlayerStats[] = [];
let current: StartLoad | null = null;

function reply(m: FromWorker): void {
  process.send?.(m);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function makePlayer(s: StartLoad): PlayerStats {
  return s.protocol === 'rtmp'
    ? new RtmpPlayClient(clock, s.host, s.port, s.app, s.name)
    : new HttpFlvClient(clock, s.host, s.port, `/${s.app}/${s.name}.flv`);
}

/** Connect in batches; each batch waits (bounded) until its players have a keyframe or ended. */
async function connectAll(s: StartLoad): Promise<void> {
  current = s;
  const t0 = performance.now();
  for (let done = 0; done < s.count; ) {
    const n = Math.min(s.batch, s.count - done);
    const batch: PlayerStats[] = [];
    for (let i = 0; i < n; i++) {
      const p = makePlayer(s);
      batch.push(p);
      players.push(p);
      p.start();
    }
    done += n;
    const deadline = performance.now() + s.batchTimeoutMs;
    while (performance.now() < deadline && batch.some((p) => p.firstKeyframeMs === null && !p.ended)) await sleep(5);
  }
  const withKeyframe = players.filter((p) => p.firstKeyframeMs !== null).length;
  reply({ type: 'connected', players: players.length, withKeyframe, elapsedMs: performance.now() - t0 });
}

/** Late joiners while the others play: one at a time, each closed once it has its keyframe. */
async function probe(m: ProbeJoins): Promise<void> {
  const ttfk: number[] = [];
  let failed = 0;
  for (let i = 0; i < m.count && current !== null; i++) {
    const p = makePlayer(current);
    p.start();
    const deadline = performance.now() + m.timeoutMs;
    while (performance.now() < deadline && p.firstKeyframeMs === null && !p.ended) await sleep(1);
    if (p.firstKeyframeMs !== null) ttfk.push(p.firstKeyframeMs);
    else failed++;
    p.close();
    await sleep(200);
  }
  reply({ type: 'probed', ttfkMs: Float64Array.from(ttfk), failed });
}

function results(): LoadResult {
  const ttfk: number[] = [];
  const frames: number[] = [];
  const reasons = new Set<string>();
  let total = 0;
  for (const p of players) total += p.deltas.length;
  const lateness = new Float64Array(total);
  let k = 0;
  let closedEarly = 0;
  for (const p of players) {
    if (p.firstKeyframeMs !== null) ttfk.push(p.firstKeyframeMs);
    if (p.ended) {
      closedEarly++;
      if (reasons.size < 5) reasons.add(p.endReason);
    }
    frames.push(p.deltas.length);
    let min = Infinity;
    for (const d of p.deltas) if (d < min) min = d;
    for (const d of p.deltas) lateness[k++] = d - min;
  }
  return {
    ttfkMs: Float64Array.from(ttfk),
    noKeyframe: players.length - ttfk.length,
    closedEarly,
    reasons: [...reasons],
    framesPerPlayer: Float64Array.from(frames),
    lateness,
  };
}

function closeAll(): void {
  for (const p of players) p.close();
}

process.on('message', (raw) => {
  const m = raw as ToWorker;
  try {
    if (m.type === 'start') {
      connectAll(m).catch((e: unknown) => reply({ type: 'error', message: (e as Error).message }));
    } else if (m.type === 'probe') {
      probe(m).catch((e: unknown) => reply({ type: 'error', message: (e as Error).message }));
    } else if (m.type === 'window-start') {
      clock.recording = true;
    } else if (m.type === 'window-stop') {
      clock.recording = false;
      reply({ type: 'result', ...results() });
    } else if (m.type === 'close') {
      closeAll();
      setTimeout(() => process.exit(0), 100);
    }
  } catch (e) {
    reply({ type: 'error', message: (e as Error).message });
  }
});
process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});

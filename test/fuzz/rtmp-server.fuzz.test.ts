import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureNames, readFixture } from '../helpers/fixtures';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { prng, randInt, type Rand } from '../helpers/prng';
import { rawSession } from '../helpers/raw-session';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/** Mutate a recorded session: the handshake is kept most of the time so the mutations reach the chunk parser. */
function mutate(rand: Rand, src: Buffer, other: Buffer): Buffer {
  const keep = rand() < 0.9 ? 3073 : 0;
  const end = Math.min(src.length, keep + randInt(rand, 200, 60_000));
  const b = Buffer.from(src.subarray(0, end));
  const ops = randInt(rand, 1, 8);
  for (let i = 0; i < ops; i++) {
    const at = randInt(rand, keep, Math.max(keep, b.length - 1));
    switch (randInt(rand, 0, 4)) {
      case 0: b[at] ^= 1 << randInt(rand, 0, 7); break;
      case 1: b[at] = randInt(rand, 0, 255); break;
      case 2: b.fill(0xff, at, Math.min(b.length, at + randInt(rand, 1, 4))); break;
      case 3: other.copy(b, at, randInt(rand, 0, Math.max(0, other.length - 64)), randInt(rand, 0, other.length)); break;
      default: b.writeUInt32BE(randInt(rand, 0, 0xffffffff), Math.min(at, b.length - 4));
    }
  }
  return b;
}

describe('fuzz: mutated real sessions against a live server', () => {
  let t: TestStudio;
  let pub: Run;
  let flowing = 0;
  let stopReading = (): void => undefined;

  beforeAll(async () => {
    t = await startStudio();
    pub = publishTestPattern(t.rtmpUrl('/live/keep'), { size: '320x240', rate: 15, seconds: 600 });
    await waitFor(() => t.studio.registry.get('/live/keep')?.ready, 'healthy stream', 15_000);
    const res = await fetch(t.httpUrl('/live/keep.flv'));
    const reader = res.body!.getReader();
    stopReading = () => void reader.cancel().catch(() => undefined);
    void (async () => {
      for (;;) {
        const r = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (r.done) break;
        flowing += r.value!.length;
      }
    })();
  });
  afterAll(async () => {
    stopReading();
    pub.child.kill('SIGKILL');
    await t.stop();
  });

  it('survives every case; the healthy stream never stops; memory stays bounded', async () => {
    const cases = Math.max(40, Math.floor(Number(process.env.ONAIR_FUZZ_CASES ?? 0) / 200) || 120);
    const names = fixtureNames();
    const files = names.map(readFixture);
    const rand = prng(20261121);
    const rss0 = process.memoryUsage().rss;
    let serverRss = 0;
    const concurrency = 8;
    let next = 0;
    const deadline = Date.now() + 240_000;
    const worker = async (): Promise<void> => {
      while (next < cases && Date.now() < deadline) {
        next++;
        const i = randInt(rand, 0, files.length - 1);
        const data = mutate(rand, files[i], files[(i + 1) % files.length]);
        await rawSession(t.ports.rtmp, data, { rand, waitMs: 300 });
      }
    };
    let lastFlow = flowing;
    const watchdog = setInterval(() => {
      serverRss = Math.max(serverRss, process.memoryUsage().rss);
      expect(flowing, 'healthy stream stalled during fuzzing').toBeGreaterThan(lastFlow);
      lastFlow = flowing;
    }, 2000);
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      clearInterval(watchdog);
    }
    expect(next).toBeGreaterThanOrEqual(Math.min(cases, 40));
    const before = flowing;
    await waitFor(() => flowing > before + 1000, 'healthy stream still flowing after fuzzing', 5000);
    // every fuzz session is gone; only the healthy publisher and its player remain
    await waitFor(() => t.studio.ctx.sessions.list().length === 2, 'fuzz sessions cleaned up', 5000);
    expect(serverRss - rss0).toBeLessThan(200 * 1024 * 1024);
  });
});

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { servePlayerPage, type PlayerPage } from '../helpers/player-page';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 9's acceptance in real Chromium with players nobody here wrote: ffmpeg publishes 20 s, drops for 1 s,
 * publishes 30 s under the same key — three times in a row. hls.js (HLS and LL-HLS), dash.js and shaka-player
 * keep `currentTime` advancing across all three reconnects with no `ended`; the FLV player (mpegts.js) resumes
 * on the same connection. Then a republish at another resolution after cleanup plays the new bytes in a
 * browser profile that played the old ones (unique segment names, nothing stale from the cache).
 */

const FIRST_S = 20;
const DROP_S = 1;
const AGAIN_S = 30;
const PLAYERS = ['hls', 'll', 'dash', 'shaka', 'flv'] as const;

let b: PanelBrowser;
let pages: PlayerPage;

beforeAll(async () => {
  b = await openPanelBrowser();
  pages = await servePlayerPage();
}, 120_000);

afterAll(async () => {
  await b?.close();
  pages?.close();
});

type Sample = Record<(typeof PLAYERS)[number], number>;

async function sample(page: Page): Promise<Sample> {
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, (document.getElementById(id) as HTMLVideoElement).currentTime])), [...PLAYERS]) as Promise<Sample>;
}

describe('three publisher reconnects in a row', () => {
  let t: TestStudio;
  let pub: Run | null = null;
  beforeAll(async () => {
    t = await startStudio({ hls: { cleanup_after_s: 30 } });
  });
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t.stop();
  });

  it('every player keeps playing through them, none ends, FLV stays on one connection', async () => {
    const publish = (seconds: number): Run => publishTestPattern(t.rtmpUrl('/live/rc'), { size: '320x240', seconds: seconds + 5 });
    pub = publish(FIRST_S);
    await waitFor(() => t.studio.registry.get('/live/rc')?.ready, 'first session live', 15_000);
    const page = await b.browser.newPage();
    await page.goto(pages.url(`http://127.0.0.1:${t.ports.http}`, '/live/rc'));
    const flvSessions = new Set<string>();
    const watchFlv = (): void => {
      for (const s of t.studio.ctx.sessions.list()) if (s.kind === 'http') flvSessions.add(s.id);
    };
    const timeline: Array<{ at: number; s: Sample }> = [];
    const record = async (ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        timeline.push({ at: Date.now(), s: await sample(page) });
        watchFlv();
        await sleep(1000);
      }
    };
    await record((FIRST_S - 2) * 1000);
    const marks: number[] = [];
    for (let round = 0; round < 3; round++) {
      pub.child.kill('SIGKILL');
      await waitFor(() => !t.studio.registry.get('/live/rc')?.publisher, 'publisher gone');
      marks.push(timeline.length);
      await record(DROP_S * 1000);
      pub = publish(AGAIN_S);
      await record((AGAIN_S - 2) * 1000);
    }
    marks.push(timeline.length);
    const events = (await page.evaluate('window.__events')) as Array<{ who: string; what: string }>;
    const last = timeline[timeline.length - 1].s;
    console.log(`currentTime at the end: ${PLAYERS.map((p) => `${p} ${last[p].toFixed(1)} s`).join(', ')}; player events: ${JSON.stringify(events)}`);
    expect(events.filter((e) => e.what === 'ended')).toEqual([]);
    for (const p of PLAYERS) {
      // across each reconnect (from the drop to the end of the next session) the player advances by most of it
      for (let r = 0; r < 3; r++) {
        const from = timeline[marks[r]].s[p];
        const to = timeline[marks[r + 1] - 1].s[p];
        expect(to - from, `${p} across reconnect ${r + 1}`).toBeGreaterThan(AGAIN_S * 0.6);
      }
    }
    expect(flvSessions.size).toBe(1);
    await page.close();
  }, 240_000);
});

describe('a republish at another resolution after cleanup', () => {
  it('plays the new bytes in a browser that played the old ones', async () => {
    const t = await startStudio({ hls: { cleanup_after_s: 1 } });
    const ctx = await b.browser.newContext();
    const page = await ctx.newPage();
    const width = async (id: string): Promise<number> => page.evaluate((i) => (document.getElementById(i) as HTMLVideoElement).videoWidth, id);
    try {
      let pub = publishTestPattern(t.rtmpUrl('/live/again'), { size: '320x240', seconds: 30 });
      await waitFor(() => t.studio.registry.get('/live/again')?.ready, 'first live', 15_000);
      const url = pages.url(`http://127.0.0.1:${t.ports.http}`, '/live/again', ['hls', 'll', 'dash']);
      await page.goto(url);
      await waitFor(async () => (await width('hls')) === 320 && (await width('ll')) === 320 && (await width('dash')) === 320, 'first session plays at 320', 20_000);
      pub.child.kill('SIGKILL');
      await page.goto('about:blank');
      await waitFor(() => !t.studio.hls.get('/live/again'), 'the stream is cleaned up', 15_000);
      pub = publishTestPattern(t.rtmpUrl('/live/again'), { size: '640x360', seconds: 30 });
      await waitFor(() => t.studio.registry.get('/live/again')?.ready, 'second live', 15_000);
      await page.goto(url);
      await waitFor(async () => (await width('hls')) === 640 && (await width('ll')) === 640 && (await width('dash')) === 640, 'second session plays at 640', 20_000);
      pub.child.kill('SIGKILL');
    } finally {
      await ctx.close();
      await t.stop();
    }
  }, 90_000);
});

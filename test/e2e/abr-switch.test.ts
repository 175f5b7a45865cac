import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../helpers/browser';
import { FFMPEG, type Run } from '../helpers/ffmpeg';
import { servePlayerPage, type PlayerPage } from '../helpers/player-page';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { publishSource } from '../helpers/abr-fixture';

/**
 * Issue 12's switching acceptance in real Chromium: hls.js plays /live/k/abr.m3u8 (the 360p source + the two
 * rungs of the studio's own ladder, 240p and 180p), is forced to switch levels (`hls.currentLevel = n`) three times, plays each chosen level,
 * and currentTime keeps advancing with no stall longer than one segment.
 */

const SEGMENT_S = 2;

describe('hls.js on abr.m3u8', () => {
  let t: TestStudio;
  let src: Run;
  let browser: Browser;
  let pages: PlayerPage;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    [t, browser, pages] = await Promise.all([
      startStudio({
        ffmpeg: FFMPEG, hls: { segment_seconds: SEGMENT_S, list_size: 6 },
        ladder: { encoder: 'libx264', x264_preset: 'ultrafast', apps: { live: { preset: 'custom', rungs: [{ height: 240, fps: null, video_kbps: 400, audio_kbps: 64 }, { height: 180, fps: null, video_kbps: 250, audio_kbps: 64 }] } } },
      }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'] }),
      servePlayerPage(),
    ]);
    src = publishSource(t.rtmpUrl('/live/k'), 90);
    await waitFor(() => t.studio.registry.get('/live/k')?.ready, 'source live', 15_000);
    await waitFor(async () => {
      const r = await fetch(t.httpUrl('/live/k/abr.m3u8'));
      return r.status === 200 && (await r.text()).split('#EXT-X-STREAM-INF').length === 4;
    }, 'three variants in abr.m3u8', 30_000, 500);
  }, 90_000);
  afterAll(async () => {
    src?.child.kill('SIGKILL');
    await browser?.close();
    pages?.close();
    await t?.stop();
  });

  it('plays, switches level three times on demand, and never stalls longer than one segment', async () => {
    const page = await browser.newPage();
    // the shared player page with no player started: only its copy of hls.js is used
    await page.goto(pages.url(`http://127.0.0.1:${t.ports.http}`, '/live/k', ['none']));
    await page.evaluate((src) => {
      const w = window as unknown as Record<string, unknown>;
      const Hls = w.Hls as new (c: object) => Record<string, unknown> & { on: (e: string, f: (e: string, d: Record<string, unknown>) => void) => void; loadSource: (s: string) => void; attachMedia: (v: HTMLVideoElement) => void };
      const hls = new Hls({ liveDurationInfinity: true });
      const log: unknown[] = [];
      w.__abr = hls;
      w.__log = log;
      const ev = (w.Hls as unknown as { Events: Record<string, string> }).Events;
      hls.on(ev.ERROR, (_e, d) => log.push({ what: 'error', fatal: d.fatal, details: d.details }));
      hls.on(ev.FRAG_CHANGED, (_e, d) => log.push({ what: 'playing', level: (d.frag as { level: number }).level, at: Date.now() }));
      hls.loadSource(src);
      hls.attachMedia(document.getElementById('hls') as HTMLVideoElement);
    }, t.httpUrl('/live/k/abr.m3u8'));

    const state = (): Promise<{ time: number; height: number; levels: number[]; log: Array<{ what: string; level?: number; fatal?: boolean; details?: string }> }> => page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const v = document.getElementById('hls') as HTMLVideoElement;
      const hls = w.__abr as { levels?: Array<{ height: number }> };
      return { time: v.currentTime, height: v.videoHeight, levels: (hls.levels ?? []).map((l) => l.height), log: w.__log as [] };
    });
    await waitFor(async () => (await state()).time > 0.5, 'playback starts', 30_000, 200);
    const levels = (await state()).levels;
    expect(levels).toHaveLength(3);
    expect([...levels].sort((a, b) => a - b)).toEqual([180, 240, 360]);

    // sample currentTime all along: the longest time it stood still is the longest stall
    const samples: Array<{ at: number; time: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), time: (await state()).time });
        await sleep(100);
      }
    })();
    const [low, high, other] = [levels.indexOf(180), levels.indexOf(360), levels.indexOf(240)];
    for (const n of [low, high, other]) {
      await page.evaluate((lvl) => {
        ((window as unknown as Record<string, unknown>).__abr as { currentLevel: number }).currentLevel = lvl;
      }, n);
      const since = Date.now();
      await waitFor(async () => (await state()).log.some((e) => e.what === 'playing' && e.level === n && (e as { at?: number }).at! >= since), `level ${n} playing`, 20_000, 200);
      await waitFor(async () => (await state()).height === levels[n], `a ${levels[n]}-line picture`, 10_000, 100);
      await sleep(2500);
    }
    sampling = false;
    await sampler;

    let stall = 0;
    let still = samples[0];
    for (const s of samples) {
      if (s.time > still.time) still = s;
      else stall = Math.max(stall, s.at - still.at);
    }
    const wall = (samples[samples.length - 1].at - samples[0].at) / 1000;
    const advanced = samples[samples.length - 1].time - samples[0].time;
    const { log } = await state();
    expect(log.filter((e) => e.what === 'error' && e.fatal)).toEqual([]);
    expect(stall, `longest stall ${stall} ms`).toBeLessThanOrEqual(SEGMENT_S * 1000);
    expect(advanced).toBeGreaterThan(wall - SEGMENT_S - 0.5);
    await page.close();
  }, 60_000);
});

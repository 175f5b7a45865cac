import type { Page } from 'playwright-core';

/**
 * A pixel check on <video> elements in Chromium (issue 14's slate): every `everyMs` the page draws each video's
 * current frame into a small canvas, averages the colour of its top band (rows 1..4 of 18: above the slate's
 * lighter band and its pause sign) and classifies it as 'slate' (≈ the card's dark blue field), 'source' (≈ the
 * test publisher's red) or 'other'. Only the changes are kept (window.__frameColor.marks[id]), with the page's
 * Date.now() (the same clock as Node's on this machine), so memory stays bounded however long it runs.
 */
export type FrameState = 'slate' | 'source' | 'other' | 'none';

export interface FrameMark {
  state: FrameState;
  at: number;
  rgb: [number, number, number];
}

export interface ColorTargets {
  slate: { r: number; g: number; b: number };
  /** per-channel tolerance around the slate colour */
  tolerance?: number;
}

/**
 * The sampler, as page source text: a string (not a function) so that runners which rename or wrap functions
 * (tsx/esbuild's keepNames `__name`) cannot break it inside the page.
 */
const SAMPLER = String.raw`(() => {
  const { ids, slate, tol, everyMs } = __ARGS__;
  if (window.__frameColor) clearInterval(window.__frameColor.timer);
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const marks = {};
  for (const id of ids) marks[id] = [];
  function classify(r, g, b) {
    if (Math.abs(r - slate.r) <= tol && Math.abs(g - slate.g) <= tol && Math.abs(b - slate.b) <= tol) return 'slate';
    if (r > 150 && g < 90 && b < 90) return 'source';
    return 'other';
  }
  function tick() {
    for (const id of ids) {
      const v = document.getElementById(id);
      let state = 'none';
      let rgb = [0, 0, 0];
      if (v && v.readyState >= 2 && v.videoWidth > 0) {
        ctx.drawImage(v, 0, 0, 32, 18);
        const d = ctx.getImageData(2, 1, 28, 3).data;
        const sum = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += d[i + c];
        const n = d.length / 4;
        rgb = sum.map((s) => Math.round(s / n));
        state = classify(rgb[0], rgb[1], rgb[2]);
      }
      const list = marks[id];
      if (list.length === 0 || list[list.length - 1].state !== state) {
        list.push({ state, at: Date.now(), rgb });
        if (list.length > 1000) list.splice(0, list.length - 1000);
      }
    }
  }
  window.__frameColor = { marks, timer: setInterval(tick, everyMs) };
  tick();
})()`;

/** Start sampling the videos `ids` on `page` (call after the page is loaded). */
export async function watchFrameColors(page: Page, ids: string[], targets: ColorTargets, everyMs = 100): Promise<void> {
  const args = JSON.stringify({ ids, slate: targets.slate, tol: targets.tolerance ?? 40, everyMs });
  await page.evaluate(SAMPLER.replace('__ARGS__', args));
}

/** Every change seen so far, per video id. */
export async function frameMarks(page: Page): Promise<Record<string, FrameMark[]>> {
  return (await page.evaluate('window.__frameColor.marks')) as Record<string, FrameMark[]>;
}

/** What a video shows now (its last mark). */
export function current(marks: Record<string, FrameMark[]>, id: string): FrameState {
  return marks[id]?.at(-1)?.state ?? 'none';
}

/** The first time `id` switched to `state` at or after `since` (null: not yet). */
export function firstSwitch(marks: Record<string, FrameMark[]>, id: string, state: FrameState, since: number): number | null {
  return marks[id]?.find((m) => m.state === state && m.at >= since)?.at ?? null;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, videoAdvances, type PanelBrowser } from '../helpers/browser';
import { FFMPEG, run } from '../helpers/ffmpeg';
import { startStudio, type TestStudio } from '../helpers/studio';

/**
 * Issue 5 in the panel, in real Chromium against a real core: a file set into the Transcode page (browser
 * mode: uploaded to /api/jobs/upload), its progress bar moving, Done, the result played with hls.js, and
 * the queue still there after a reload.
 */

let t: TestStudio;
let b: PanelBrowser;
let page: Page;
let dir: string;
let clip: string;
let long: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onair-e2e-tx-'));
  clip = path.join(dir, 'x.mp4');
  const made = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', clip], 60_000).done;
  if (made.code !== 0) throw new Error(`making ${clip} failed: ${made.stderr}`);
  long = path.join(dir, 'long.mp4');
  const madeLong = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', long], 60_000).done;
  if (madeLong.code !== 0) throw new Error(`making ${long} failed: ${madeLong.stderr}`);
  t = await startStudio({ data_dir: path.join(dir, 'data') });
  b = await openPanelBrowser();
  page = b.page;
}, 180_000);

afterAll(async () => {
  await b?.close();
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Transcode page', () => {
  it('takes a file, shows the progress moving, then Done; the result plays with hls.js', async () => {
    await page.goto(t.httpUrl('/'));
    await page.getByTestId('nav-transcode').click();
    await page.getByTestId('drop-zone').waitFor();
    expect(await page.getByTestId('tx-ladder').inputValue()).toBe('hd+sd');
    // record every value the job's progress bar shows
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { __progress: number[] }).__progress = seen;
      const note = (): void => {
        for (const el of document.querySelectorAll('[data-testid=job-progress]')) {
          const v = Number(el.getAttribute('aria-valuenow'));
          if (seen[seen.length - 1] !== v) seen.push(v);
        }
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    await page.getByTestId('file-input').setInputFiles(clip);

    const card = page.locator('[data-testid=job-card]').first();
    const refused = page.locator('[data-testid=upload-card][data-state=failed]');
    try {
      await card.or(refused).first().waitFor({ timeout: 30_000 });
    } catch (e) {
      const shown = await page.locator('[data-testid=job-card], [data-testid=upload-card]').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-testid')}[${el.getAttribute('data-state') ?? el.getAttribute('data-status')}]: ${el.textContent}`));
      const jobs = JSON.stringify(t.studio.jobs.list().map((j) => ({ id: j.id, status: j.status, error: j.error })));
      throw new Error(`no job card; the page shows ${JSON.stringify(shown)}; page errors ${JSON.stringify(b.errors)}; /api/jobs ${jobs.slice(0, 500)}`, { cause: e });
    }
    if (await refused.count()) throw new Error(`upload refused: ${await refused.first().textContent()}`);
    expect(await card.textContent()).toContain('x.mp4');
    await page.locator('[data-testid=job-card][data-status=done]').waitFor({ timeout: 60_000 });
    const seen = await page.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
    console.log(`progress values seen: ${seen.join(', ')}`);
    expect(seen.filter((v) => v < 100).length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...seen)).toBeGreaterThan(Math.min(...seen));

    const done = page.locator('[data-testid=job-card][data-status=done]').first();
    const text = (await done.textContent()) ?? '';
    expect(text).toMatch(/640x360/);
    expect(text).toMatch(/h264 \/ aac/);
    expect(await done.getByTestId('job-master-url').inputValue()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${t.ports.http}/\\d{4}/\\d{2}/\\d{2}/[^/]+/[^/]+\\.m3u8$`));
    await expect.poll(() => done.getByTestId('job-thumb').evaluate((i) => (i as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => done.locator('.covers img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), { timeout: 10_000 }).toBe(3);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'transcode.png') });

    await done.getByTestId('job-play').click();
    const played = await videoAdvances(page, '[data-testid=job-video]', 1, 20_000);
    expect(played.src).toMatch(/^blob:/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'transcode-playing.png') });
  });

  it('keeps the queue across a reload (jobs.list), and a bad file gets a clear message', async () => {
    await page.reload();
    await page.locator('[data-testid=job-card][data-status=done]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('file-input').setInputFiles({ name: 'notes.mp4', mimeType: 'video/mp4', buffer: Buffer.from('not a video at all') });
    const failed = page.locator('[data-testid=upload-card][data-state=failed]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toMatch(/notes\.mp4/);
    expect(await page.locator('[data-testid=job-card]').count()).toBe(1);
  });

  it('a job running when the studio stops is re-queued at the next start, and its card says so', async () => {
    await page.getByTestId('tx-ladder').selectOption('full');
    await page.getByTestId('file-input').setInputFiles(long);
    const running = page.locator('[data-testid=job-card][data-status=running]');
    // the 20 s 720p upload and its probe can take a while when the whole suite loads both cores
    try {
      await running.waitFor({ timeout: 60_000 });
    } catch (e) {
      const cards = await page.locator('[data-testid=job-card], [data-testid=upload-card]').allTextContents();
      throw new Error(`no running job card; the page shows: ${JSON.stringify(cards)}`, { cause: e });
    }
    expect(await running.getByTestId('job-ladder').textContent()).toMatch(/1080p.*720p/);
    // mid-transcode: percent between the ends, with fps, speed (×realtime) and ETA from ffmpeg's progress
    await expect
      .poll(async () => Number(await running.getByTestId('job-progress').getAttribute('aria-valuenow')), { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(0);
    const pct = Number(await running.getByTestId('job-progress').getAttribute('aria-valuenow'));
    expect(pct).toBeLessThan(90);
    expect(await running.locator('.job-stats').textContent()).toMatch(/\d+% · transcoding · \d+ fps · [\d.]+× · .+ left/);
    await t.stop();
    t = await startStudio({ data_dir: path.join(dir, 'data') });
    await page.goto(t.httpUrl('/#/transcode'));
    const note = page.getByTestId('job-note');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toMatch(/re-queued/);
    const card = page.locator('[data-testid=job-card]', { has: note });
    await card.getByTestId('job-cancel').click();
    await page.locator('[data-testid=job-card][data-status=cancelled]').waitFor({ timeout: 10_000 });
    await card.getByTestId('job-retry').waitFor();
  });

  it('raised no page errors', () => {
    expect(b.errors).toEqual([]);
  });
});

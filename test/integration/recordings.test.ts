import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../core/contract/recordings';
import { layoutOf } from '../../core/format/fmp4/fmp4-index';
import { CHROMIUM } from '../helpers/browser';
import { decodeFrames, FFPROBE, ffprobe, publishTestPattern, run } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor } from '../helpers/studio';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-rec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The durations the file's header declares (ms), read as a player reads them. */
function headerDurations(file: string): { mvhd: number; mehd: number | null; tracks: number[] } {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(64 * 1024, statSync(file).size));
    readSync(fd, head, 0, head.length, 0);
    const l = layoutOf(head);
    if (!l) throw new Error('no moov');
    const at = (f: { offset: number; size: number }): number => (f.size === 8 ? Number(head.readBigUInt64BE(f.offset)) : head.readUInt32BE(f.offset));
    return { mvhd: at(l.mvhd), mehd: l.mehd && at(l.mehd), tracks: l.tracks.map((t) => Math.round((at(t.mdhd) * 1000) / t.timescale)) };
  } finally {
    closeSync(fd);
  }
}

/** ffprobe's duration, and how many moof boxes it had to read to get it (1: it read the header, not the file). */
async function probeDuration(input: string): Promise<{ duration: number; moofsRead: number }> {
  const r = await run(FFPROBE, ['-v', 'trace', '-show_entries', 'format=duration', '-of', 'json', input], 30_000).done;
  const moofsRead = (r.stderr.match(/type:'moof'/g) ?? []).length;
  return { duration: Number((JSON.parse(r.stdout.toString()) as { format: { duration: string } }).format.duration), moofsRead };
}

/** video.duration in Chromium right at loadedmetadata for a <video src>. */
async function chromiumDuration(url: string): Promise<number | null> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(url.replace(/\/api\/.*$/, '/api/recordings'));
    return await page.evaluate((src) => new Promise<number | null>((resolve, reject) => {
      const v = document.createElement('video');
      v.muted = true;
      v.onloadedmetadata = () => resolve(Number.isFinite(v.duration) ? v.duration : null);
      v.onerror = () => reject(new Error(v.error?.message ?? 'video error'));
      v.src = src;
    }), url);
  } finally {
    await browser.close();
  }
}

async function api<T>(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: (await r.json()) as T };
}

describe('recordings', () => {
  it('records a live stream to a playable MP4, indexes it, and deletes it', async () => {
    const t = await startStudio({ data_dir: path.join(tmp, 'a') });
    const pub = publishTestPattern(t.rtmpUrl('/live/rec'), { size: '640x360', seconds: 30 });
    try {
      await waitFor(() => t.studio.registry.get('/live/rec')?.ready, 'live', 15_000);
      const base = t.httpUrl('');
      const started = await api<Recording>(base, 'POST', '/api/recordings', { stream: '/live/rec' });
      expect(started.status).toBe(201);
      expect(started.json).toMatchObject({ status: 'recording', stream: '/live/rec', video: 'H264 640x360' });
      const dup = await api<{ error: { code: string } }>(base, 'POST', '/api/recordings', { stream: '/live/rec' });
      expect(dup.status).toBe(409);
      const bad = await api<{ error: { code: string } }>(base, 'POST', '/api/recordings', { stream: '../../etc' });
      expect(bad.status).toBe(400);
      const none = await api<{ error: { code: string } }>(base, 'POST', '/api/recordings', { stream: '/live/nothing' });
      expect(none.status).toBe(404);
      await sleep(4000);
      const stopped = await api<Recording>(base, 'POST', `/api/recordings/${started.json.id}/stop`);
      expect(stopped.status).toBe(200);
      // the answer is the final state: the file is written, closed and indexed
      expect(stopped.json.status).toBe('done');
      expect(stopped.json.durationMs).toBeGreaterThan(3000);
      expect(stopped.json.size).toBe(statSync(stopped.json.file).size);
      // the header declares the real duration (mvhd, mehd, every track's mdhd) ...
      const hd = headerDurations(stopped.json.file);
      expect(hd.mvhd).toBe(stopped.json.durationMs);
      expect(hd.mehd).toBe(hd.mvhd);
      for (const t of hd.tracks) expect(Math.abs(t - hd.mvhd)).toBeLessThan(100);
      // ... and a sidx to the end of the file: ffprobe reads the length after one moof instead of scanning them all
      const pd = await probeDuration(stopped.json.file);
      expect(pd.moofsRead).toBe(1);
      expect(Math.abs(pd.duration * 1000 - stopped.json.durationMs)).toBeLessThan(50);
      const cd = await chromiumDuration(`${base}/api/recordings/${started.json.id}/file`);
      expect(cd).not.toBeNull();
      expect(Math.abs(cd! * 1000 - stopped.json.durationMs)).toBeLessThan(50);
      const done = await waitFor(async () => {
        const r = await api<Recording>(base, 'GET', `/api/recordings/${started.json.id}`);
        return r.json.status === 'done' && r.json.thumbnail ? r.json : null;
      }, 'recording done with a thumbnail', 40_000);
      expect(done.durationMs).toBeGreaterThan(3000);
      expect(done.size).toBeGreaterThan(100_000);
      const probe = await ffprobe(done.file);
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(Math.abs(Number(probe.format?.duration) * 1000 - done.durationMs)).toBeLessThan(1500);
      const dec = await decodeFrames(done.file, 90);
      expect(dec.stderr).toBe('');
      expect(dec.frames).toBe(90);
      const fileUrl = `${base}/api/recordings/${done.id}/file`;
      const file = await fetch(fileUrl, { headers: { range: 'bytes=0-99' } });
      expect(file.status).toBe(206);
      expect(file.headers.get('content-range')).toBe(`bytes 0-99/${done.size}`);
      const etag = file.headers.get('etag');
      expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(file.headers.get('last-modified')).toBeTruthy();
      await file.arrayBuffer();
      // RFC 9110: what is not supported is ignored (200, everything); a range past the end is 416
      const multi = await fetch(fileUrl, { headers: { range: 'bytes=0-1,5-9' } });
      expect(multi.status).toBe(200);
      expect((await multi.arrayBuffer()).byteLength).toBe(done.size);
      const past = await fetch(fileUrl, { headers: { range: `bytes=${done.size}-` } });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${done.size}`);
      const ifRange = await fetch(fileUrl, { headers: { range: 'bytes=0-99', 'if-range': etag! } });
      expect(ifRange.status).toBe(206);
      await ifRange.arrayBuffer();
      const stale = await fetch(fileUrl, { headers: { range: 'bytes=0-99', 'if-range': '"0-0"' } });
      expect(stale.status).toBe(200);
      expect((await stale.arrayBuffer()).byteLength).toBe(done.size);
      const list = await api<{ recordings: Recording[]; disk: { free: number; used: number } }>(base, 'GET', '/api/recordings');
      expect(list.json.recordings.map((r) => r.id)).toContain(done.id);
      expect(list.json.disk.free).toBeGreaterThan(0);
      expect((await api(base, 'DELETE', `/api/recordings/${done.id}`)).status).toBe(200);
      expect(existsSync(done.file)).toBe(false);
      expect((await api(base, 'GET', `/api/recordings/${done.id}`)).status).toBe(404);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });

  it('a removed folder fails the recording with a reason; the stream keeps flowing', async () => {
    const folder = path.join(tmp, 'b-rec');
    const t = await startStudio({ data_dir: path.join(tmp, 'b'), record: { folder } });
    const pub = publishTestPattern(t.rtmpUrl('/live/gone'), { size: '320x240', seconds: 30 });
    const failed: Recording[] = [];
    t.studio.recordings.on('recording.failed', (r) => failed.push(r));
    try {
      await waitFor(() => t.studio.registry.get('/live/gone')?.ready, 'live', 15_000);
      const r = t.studio.recordings.start('/live/gone');
      await sleep(1500);
      rmSync(folder, { recursive: true, force: true });
      await waitFor(() => failed.length > 0, 'recording.failed', 10_000);
      expect(failed[0]).toMatchObject({ id: r.id, status: 'failed' });
      expect(failed[0].error).toMatch(/removed/);
      expect(t.studio.registry.get('/live/gone')?.publisher).not.toBeNull();
      expect((await decodeFrames(t.httpUrl('/live/gone.flv'), 10)).frames).toBe(10);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });

  it('survives kill -9: the file plays up to its last fragment and the next start marks it interrupted', async () => {
    const dataDir = path.join(tmp, 'c');
    const cfg = path.join(tmp, 'c.json');
    writeFileSync(cfg, JSON.stringify({ rtmp: { port: 0 }, http: { port: 0 }, log_level: 'warn', auth: { api: false } }));
    const child = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'serve', '--config', cfg], { env: { ...process.env, ONAIR_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const api0 = await waitFor(() => /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 'server up', 20_000);
    const rtmp = /RTMP in\s+(rtmp:\/\/\S+)/.exec(out)![1];
    const pub = publishTestPattern(`${rtmp}/k9`, { size: '320x240', seconds: 60 });
    try {
      await waitFor(async () => (await api<Record<string, unknown>>(api0, 'GET', '/api/streams/live/k9')).status === 200, 'live', 15_000);
      await sleep(1000);
      const rec = await api<Recording>(api0, 'POST', '/api/recordings', { stream: '/live/k9' });
      expect(rec.status).toBe(201);
      await sleep(5000);
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const probe = await ffprobe(rec.json.file);
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      const dec = await decodeFrames(rec.json.file, 60);
      expect(dec.stderr).toBe('');
      expect(dec.frames).toBe(60);
      // while live the header followed the media written so far
      expect(headerDurations(rec.json.file).mvhd).toBeGreaterThan(0);
    } finally {
      pub.child.kill('SIGKILL');
      child.kill('SIGKILL');
    }
    const t = await startStudio({ data_dir: dataDir });
    try {
      const list = t.studio.recordings.list();
      expect(list[0]).toMatchObject({ status: 'interrupted' });
      expect(list[0].size).toBeGreaterThan(10_000);
      expect(list[0].durationMs).toBeGreaterThan(3000);
      // finalized like a clean close: real durations and a sidx in the header
      expect(headerDurations(list[0].file).mvhd).toBe(list[0].durationMs);
      const pd = await probeDuration(list[0].file);
      expect(pd.moofsRead).toBe(1);
      expect(Math.abs(pd.duration * 1000 - list[0].durationMs)).toBeLessThan(50);
    } finally {
      await t.stop();
    }
  });

  it('retention deletes the oldest recordings past max_total_mb', async () => {
    const t = await startStudio({ data_dir: path.join(tmp, 'd'), record: { max_total_mb: 0.05 } });
    const pub = publishTestPattern(t.rtmpUrl('/live/ret'), { size: '320x240', seconds: 30 });
    try {
      await waitFor(() => t.studio.registry.get('/live/ret')?.ready, 'live', 15_000);
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = t.studio.recordings.start('/live/ret');
        ids.push(r.id);
        await sleep(2500);
        expect((await t.studio.recordings.stop(r.id)).status).toBe('done');
        await waitFor(() => t.studio.recordings.list().find((x) => x.id === r.id)?.status !== 'recording' || !t.studio.recordings.list().some((x) => x.id === r.id), 'stopped');
      }
      const left = t.studio.recordings.list().map((r) => r.id);
      expect(left).not.toContain(ids[0]);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });
});

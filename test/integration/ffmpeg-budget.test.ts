import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { cleanup, descendants, getJson, jobsStudio, makeVideo, tempDir } from '../helpers/jobs';
import { waitFor, type TestStudio } from '../helpers/studio';

/** limits.ffmpeg_max_processes is one budget for transcodes, probes and snapshots; a request past it waits, then answers "busy". */
describe('the ffmpeg process budget', () => {
  let dir: string;
  let t: TestStudio;
  let pub: Run;

  beforeAll(async () => {
    dir = tempDir('onair-budget-');
    t = await jobsStudio(path.join(dir, 'data'), { x264_preset: 'veryslow', allowed_roots: [dir], api_keys: ['k'] }, {
      auth: { api: false },
      limits: { ffmpeg_max_processes: 1, ffmpeg_queue_ms: 200 },
    });
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { size: '320x240', rate: 25, seconds: 60 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.lastKeyframe, 'a keyframe', 15_000);
  });
  afterAll(async () => {
    pub?.child.kill('SIGKILL');
    await t?.stop();
    cleanup(dir);
  });

  it('a snapshot and a second transcode while a transcode holds the only slot get the busy error; the slot frees when the job ends', async () => {
    const snap = (): Promise<Response> => fetch(t.httpUrl('/api/streams/live/cam/snapshot.jpg?width=240'));
    const ok = await snap();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    await ok.arrayBuffer();

    const input = await makeVideo(path.join(dir, 'in.mp4'), { size: '640x360', seconds: 8 });
    const job = await t.studio.jobs.transcode({ source: { type: 'path', path: input } });
    await waitFor(() => t.studio.jobs.get(job.id).progress?.stage === 'transcode' && t.studio.jobs.ffmpeg.active === 1, 'the transcode to hold the slot', 30_000);

    const started = Date.now();
    const busy = await fetch(t.httpUrl('/api/streams/live/cam/snapshot.jpg?width=480'));
    expect(busy.status).toBe(503);
    const body = (await busy.json()) as { error?: { code?: string; message?: string }; code?: string; message?: string };
    expect(JSON.stringify(body)).toMatch(/BUSY/);
    expect(JSON.stringify(body)).toMatch(/busy: 1 ffmpeg process running, try again shortly/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    // the seed route's probe waits for a slot too
    const second = await getJson(t.httpUrl(`/hls?key=k&way=disk&uri=${encodeURIComponent(input)}`));
    expect(second).toMatchObject({ code: '40500', msg: 'busy: 1 ffmpeg process running, try again shortly' });
    expect(t.studio.jobs.list()).toHaveLength(1);
    expect(descendants().filter((p) => p.comm === 'ffmpeg' || p.comm === 'ffprobe').filter((p) => p.pid !== pub.child.pid)).toHaveLength(1);

    expect((await t.studio.jobs.cancel(job.id)).status).toBe('cancelled');
    expect(t.studio.jobs.ffmpeg.active).toBe(0);
    const after = await snap();
    expect(after.status).toBe(200);
    await after.arrayBuffer();
  });

  it('refuses a snapshot width the route does not allow (an integer, at most 1920)', async () => {
    for (const w of ['0', '8', '1921', '99999', 'abc', '1.5']) {
      const r = await fetch(t.httpUrl(`/api/streams/live/cam/snapshot.jpg?width=${w}`));
      expect(r.status, w).toBe(400);
      await r.arrayBuffer();
    }
  });
});

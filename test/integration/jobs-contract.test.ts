import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers } from '../../core/api/jobs-handlers';
import { jobCommands, jobEvents, JobSchema, type JobEventName } from '../../core/contract/jobs';
import { cleanup, jobsStudio, makeVideo, tempDir, waitJob } from '../helpers/jobs';
import type { TestStudio } from '../helpers/studio';

/** The jobs.* commands and job.* events as the contract declares them, against a real studio. */
describe('jobs contract', () => {
  let dir: string;
  let src: string;
  let t: TestStudio;
  const seen: Array<{ event: JobEventName; data: unknown }> = [];

  beforeAll(async () => {
    dir = tempDir();
    src = await makeVideo(path.join(dir, 'a.mp4'), { seconds: 2 });
    t = await jobsStudio(path.join(dir, 'data'), { allowed_roots: [dir] });
    for (const event of Object.keys(jobEvents) as JobEventName[]) t.studio.jobs.on(event, (data: unknown) => seen.push({ event, data }));
  });
  afterAll(async () => {
    await t?.stop();
    cleanup(dir);
  });

  it('handlers answer in the declared result shapes; every event matches its schema', async () => {
    const h = createJobHandlers(t.studio.jobs);
    const args = jobCommands['jobs.transcode'].args.parse({ source: { type: 'path', path: src }, options: { renditions: ['360p'], covers: { count: 1 } } });
    const job = jobCommands['jobs.transcode'].result.parse(await h['jobs.transcode'](args));
    const done = await waitJob(t, job.id);
    expect(done.status).toBe('done');
    expect(jobCommands['jobs.list'].result.parse(await h['jobs.list'](undefined)).map((j) => j.id)).toContain(job.id);
    expect(JobSchema.parse(await h['jobs.get']({ id: job.id })).result?.renditions).toHaveLength(1);
    await expect(h['jobs.get']({ id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // cancelling a finished job clashes with its state (CONFLICT); the contract answers VALIDATION (core/errors.ts table)
    await expect(h['jobs.cancel']({ id: job.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    const viaContract = await t.studio.api.dispatch('jobs.cancel', { id: job.id });
    expect(viaContract).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await expect(h['jobs.transcode']({ source: { type: 'path', path: '/etc/passwd' } })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(h['recordings.fromStream']({ app: 'live', name: 'none' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(seen.map((e) => e.event).filter((e) => e !== 'job.progress')).toEqual(['job.queued', 'job.started', 'job.done']);
    expect(seen.some((e) => e.event === 'job.progress')).toBe(true);
    for (const e of seen) expect(() => jobEvents[e.event].parse(e.data), e.event).not.toThrow();
    expect(jobCommands['jobs.transcode'].args.safeParse({ source: { type: 'url', url: 'file:///etc/passwd' } }).success).toBe(false);
    expect(jobCommands['jobs.reorder'].args.safeParse({ ids: ['../x'] }).success).toBe(false);
  });

  it('POST /api/jobs/upload takes a multipart file plus JSON options and answers the Job', async () => {
    const fd = new FormData();
    fd.append('options', JSON.stringify({ renditions: ['360p'], title: 'from the panel' }));
    fd.append('file', new Blob([readFileSync(src)]), 'clip.mp4');
    const r = await fetch(t.httpUrl('/api/jobs/upload'), { method: 'POST', body: fd });
    expect(r.status).toBe(200);
    const job = JobSchema.parse(await r.json());
    expect(job).toMatchObject({ input: { source: 'upload', original: 'clip.mp4', owned: true }, options: { title: 'from the panel' } });
    expect((await waitJob(t, job.id)).status).toBe('done');
    const bad = new FormData();
    bad.append('file', new Blob(['nope']), 'x.mp4');
    const b = await fetch(t.httpUrl('/api/jobs/upload'), { method: 'POST', body: bad });
    expect(b.status).toBe(422);
    expect(await b.json()).toMatchObject({ error: { code: 'INPUT_NOT_VIDEO' } });
  });
});

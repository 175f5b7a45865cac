import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandNames, events, type Recording } from '../../core/contract';
import { contractRig } from '../helpers/contract-ws';
import { ffprobe, publishTestPattern } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor } from '../helpers/studio';

/** recordings.* commands and recording.* events over the real WebSocket, valid and invalid arguments. */

let dataDir: string;
let folder: string;
const rig = contractRig(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-rec-contract-'));
  folder = path.join(dataDir, 'rec');
  return startStudio({ data_dir: dataDir, record: { folder, min_free_mb: 0 } });
}, () => rmSync(dataDir, { recursive: true, force: true }));
const { ok, fails, tested } = rig;

describe('recordings over /api/ws', () => {
  it('recordings.list: none yet, with the disk use', async () => {
    const l = (await ok('recordings.list')) as { recordings: Recording[]; disk: { folder: string; total: number; low: boolean } };
    expect(l.recordings).toEqual([]);
    expect(l.disk.folder).toBe(folder);
    expect(l.disk.total).toBeGreaterThan(0);
    expect(l.disk.low).toBe(false);
    await ok('recordings.list', {});
    await fails('recordings.list', 'all', 'VALIDATION');
  });

  it('refuses bad ids and stream paths before the core sees them', async () => {
    await fails('recordings.start', { stream: 'live/x' }, 'VALIDATION');
    await fails('recordings.start', { stream: '/live/../x' }, 'VALIDATION');
    await fails('recordings.start', {}, 'VALIDATION');
    await fails('recordings.start', { stream: '/live/nobody' }, 'NOT_FOUND');
    for (const cmd of ['recordings.get', 'recordings.stop', 'recordings.delete', 'recordings.reveal'] as const) {
      await fails(cmd, { id: '' }, 'VALIDATION');
      await fails(cmd, { id: 7 }, 'VALIDATION');
      await fails(cmd, undefined, 'VALIDATION');
    }
    for (const cmd of ['recordings.get', 'recordings.delete', 'recordings.reveal'] as const) await fails(cmd, { id: 'nope' }, 'NOT_FOUND');
    await fails('recordings.stop', { id: 'nope' }, 'NOT_FOUND');
  });

  it('start, a second start refused, stop, then get/reveal/file/delete; events on the socket', async () => {
    rig.pub = publishTestPattern(rig.t.rtmpUrl('/live/rec'), { size: '320x240', rate: 25, seconds: 60 });
    await rig.c.waitEvent('stream.published', (e) => e.data.path === '/live/rec', 15_000);
    await waitFor(() => rig.t.studio.registry.get('/live/rec')?.ready, 'stream ready', 10_000);
    const r = (await ok('recordings.start', { stream: '/live/rec' })) as Recording;
    expect(r).toMatchObject({ stream: '/live/rec', status: 'recording' });
    const started = await rig.c.waitEvent('recording.started', (e) => e.data.id === r.id);
    events['recording.started'].parse(started.data);
    await fails('recordings.start', { stream: '/live/rec' }, 'VALIDATION');
    await sleep(2000);
    const live = (await ok('recordings.get', { id: r.id })) as Recording;
    expect(live.status).toBe('recording');
    expect(live.size).toBeGreaterThan(0);
    // the answer is the final state, not 'recording': the recorder has written and closed the file
    const final = (await ok('recordings.stop', { id: r.id })) as Recording;
    expect(final).toMatchObject({ id: r.id, status: 'done', error: null });
    expect(final.durationMs).toBeGreaterThan(1000);
    expect(final.size).toBeGreaterThan(10_000);
    expect(final.endedAt).toBeGreaterThanOrEqual(final.startedAt);
    const stopped = await rig.c.waitEvent('recording.stopped', (e) => e.data.id === r.id);
    expect(stopped.data).toMatchObject({ status: final.status, durationMs: final.durationMs, size: final.size });
    events['recording.stopped'].parse(stopped.data);
    expect(stopped.data.status).toBe('done');
    expect(stopped.data.durationMs).toBeGreaterThan(1000);
    // stopping a finished recording answers it as it is
    expect(((await ok('recordings.stop', { id: r.id })) as Recording).status).toBe('done');

    const where = (await ok('recordings.reveal', { id: r.id })) as { file: string; folder: string };
    expect(where.file).toBe(stopped.data.file);
    expect(where.folder).toBe(path.dirname(stopped.data.file));
    expect(where.file.startsWith(folder + path.sep)).toBe(true);
    const probe = await ffprobe(rig.t.httpUrl(`/api/recordings/${r.id}/file`));
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    const list = (await ok('recordings.list')) as { recordings: Recording[] };
    expect(list.recordings.map((x) => x.id)).toContain(r.id);

    expect(await ok('recordings.delete', { id: r.id })).toEqual({ ok: true });
    expect(existsSync(where.file)).toBe(false);
    await fails('recordings.get', { id: r.id }, 'NOT_FOUND');
    await fails('recordings.delete', { id: r.id }, 'NOT_FOUND');
  });

  it('a recording whose folder disappears fails with a reason (recording.failed); delete while recording is refused', async () => {
    const r = (await ok('recordings.start', { stream: '/live/rec' })) as Recording;
    await fails('recordings.delete', { id: r.id }, 'VALIDATION');
    await sleep(1200);
    rmSync(folder, { recursive: true, force: true });
    const failed = await rig.c.waitEvent('recording.failed', (e) => e.data.id === r.id, 15_000);
    events['recording.failed'].parse(failed.data);
    expect(failed.data.status).toBe('failed');
    expect(failed.data.error).toBeTruthy();
    expect(((await ok('recordings.get', { id: r.id })) as Recording).error).toBe(failed.data.error);
  });

  it('covers every recordings.* command of the live recorder', () => {
    // recordings.fromStream is the seed-000 ffmpeg recorder, tested with the jobs commands
    const mine = commandNames.filter((n) => n.startsWith('recordings.') && n !== 'recordings.fromStream');
    expect([...tested].filter((n) => n.startsWith('recordings.')).sort()).toEqual([...mine].sort());
  });
});

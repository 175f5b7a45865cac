/**
 * Relays' wanted state survives a restart (issue 11): tasks added through the API come back with their ids and
 * their Start/Stop, a config task the user stopped stays stopped — until the config changes that task — and an
 * edge's user:password is stored only encrypted (never in the database file in clear).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

interface RelayRow { id: string; mode: string; app: string; edge: string; state: string; enabled: boolean; origin: string }

async function call<T = RelayRow>(s: TestStudio, cmd: string, args?: unknown): Promise<T> {
  const r = (await s.studio.api.dispatch(cmd, args)) as { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
}

const live = (s: TestStudio, p: string): boolean => !!s.studio.registry.get(p)?.publisher;

describe('relays: wanted state in the store', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-relay-persist-'));
  let file = '';
  let A: TestStudio | null = null;
  const config = (edge: string): Record<string, unknown> => ({
    data_dir: dataDir,
    relay: { ffmpeg: FFMPEG, retry_base_ms: 200, retry_max_ms: 1000, tasks: [{ app: 'out', mode: 'push', edge }] },
  });

  beforeAll(async () => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'onair-relay-clip-')), 'clip.flv');
    const made = await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', file], 30_000).done;
    expect(made.code).toBe(0);
  }, 40_000);

  afterAll(async () => {
    await A?.stop();
  });

  it('API tasks and Start/Stop come back after a restart; credentials are stored encrypted', async () => {
    A = await startStudio(config('rtmp://127.0.0.1:9'));
    const fileRelay = await call(A, 'relays.add', { app: 'cams', mode: 'static', edge: file, name: 'f1' });
    const rtmpRelay = await call(A, 'relays.add', { app: 'iptv', mode: 'static', edge: 'rtmp://bob:hunter2secret@127.0.0.1:9/live/x', name: 'x' });
    expect(rtmpRelay.edge).toBe('rtmp://127.0.0.1:9/live/x');
    await call(A, 'relays.stop', { id: rtmpRelay.id });
    await call(A, 'relays.stop', { id: 'cfg0' });
    await waitFor(() => live(A!, '/cams/f1'), 'file relay live', 20_000);
    await A.stop();
    A = null;

    // the database (and its WAL) never holds the password in clear
    const dbFiles = readdirSync(dataDir).filter((n) => n.startsWith('onair.db'));
    expect(dbFiles).toContain('onair.db');
    for (const f of dbFiles) {
      const bytes = readFileSync(path.join(dataDir, f));
      expect(bytes.includes('hunter2secret'), f).toBe(false);
    }

    A = await startStudio(config('rtmp://127.0.0.1:9'));
    const list = await call<RelayRow[]>(A, 'relays.list');
    const byId = new Map(list.map((r) => [r.id, r]));
    expect(byId.get('cfg0')).toMatchObject({ enabled: false, state: 'stopped', origin: 'config' });
    expect(byId.get(fileRelay.id)).toMatchObject({ enabled: true, origin: 'api', app: 'cams', name: 'f1' });
    expect(byId.get(rtmpRelay.id)).toMatchObject({ enabled: false, state: 'stopped', edge: 'rtmp://127.0.0.1:9/live/x' });
    await waitFor(() => live(A!, '/cams/f1'), 'file relay live again after the restart', 20_000);

    // removed stays removed; started stays started
    await call(A, 'relays.remove', { id: fileRelay.id });
    await call(A, 'relays.start', { id: rtmpRelay.id });
    await A.stop();
    A = await startStudio(config('rtmp://127.0.0.1:9'));
    const again = await call<RelayRow[]>(A, 'relays.list');
    expect(again.map((r) => r.id).sort()).toEqual(['cfg0', rtmpRelay.id].sort());
    expect(again.find((r) => r.id === rtmpRelay.id)).toMatchObject({ enabled: true });
    await A.stop();

    // the config's task 0 is now a different task: the old Stop does not carry over to it
    A = await startStudio(config('rtmp://127.0.0.1:19'));
    expect((await call<RelayRow[]>(A, 'relays.list')).find((r) => r.id === 'cfg0')).toMatchObject({ enabled: true, edge: 'rtmp://127.0.0.1:19' });
  }, 90_000);
});

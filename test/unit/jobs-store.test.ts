import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../core/contract/jobs';
import { openStore } from '../../core/store/db';
import { JobsRepo } from '../../core/store/jobs-repo';
import { migrations } from '../../core/store/migrations';
import { cleanup, tempDir } from '../helpers/jobs';

function job(id: string, o: Partial<Job> = {}): Job {
  const now = Date.now();
  return {
    id, kind: 'transcode', status: 'queued', priority: 0, position: 0,
    input: { source: 'path', original: `/v/${id}.mp4`, file: `/v/${id}.mp4`, owned: false, probe: { duration: 3, width: 320, height: 240, vcodec: 'h264', acodec: 'aac', fps: 25, size: 1000, format: 'mov,mp4' } },
    options: { renditions: ['480p'], covers: { times: [1], width: null, height: null }, callback: null, max_attempts: 2, title: id, out_dir: `2024/01/01/${id}`, base_url: null },
    progress: null, result: null, error: null, note: null, worker: null, attempts: 0, run_after: 0, created_at: now, updated_at: now, started_at: null, finished_at: null,
    ...o,
  };
}

describe('the SQLite store', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => cleanup(dir));

  it('creates onair.db in WAL mode at the latest schema version; reopening is a no-op', () => {
    const s = openStore(dir);
    expect(s.file).toBe(path.join(dir, 'onair.db'));
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    s.close();
    const again = openStore(dir);
    expect(again.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    again.close();
  });

  it('later features append migrations; only the new ones run; a newer database is refused', () => {
    const d = path.join(dir, 'm');
    openStore(d).close();
    const more = [...migrations, 'CREATE TABLE later_things (id TEXT PRIMARY KEY)', 'ALTER TABLE later_things ADD COLUMN label TEXT'];
    const s = openStore(d, more);
    expect(s.db.pragma('user_version', { simple: true })).toBe(more.length);
    s.db.prepare("INSERT INTO later_things (id, label) VALUES ('a', 'b')").run();
    s.close();
    expect(() => openStore(d)).toThrow(/newer than this build/);
  });

  it('jobs: insert/get round-trip, pick order, reorder, re-queue after a crash', () => {
    const s = openStore(path.join(dir, 'j'));
    const repo = new JobsRepo(s.db);
    repo.insert(job('a', { position: 1 }));
    repo.insert(job('b', { position: 2 }));
    repo.insert(job('c', { position: 3, priority: 5 }));
    repo.insert(job('d', { position: 4, run_after: Date.now() + 60_000 }));
    expect(repo.get('a')).toEqual(job('a', { position: 1, created_at: repo.get('a')!.created_at, updated_at: repo.get('a')!.updated_at }));
    expect(repo.next()?.id).toBe('c');
    repo.reorder(['b']);
    repo.update('c', { status: 'running', worker: 'host-1:4242' });
    expect(repo.get('c')?.worker).toBe('host-1:4242');
    expect(repo.next()?.id).toBe('b');
    expect(repo.nextWake()).toBeGreaterThan(Date.now());
    expect(repo.list().map((j) => j.id)).toEqual(['c', 'b', 'a', 'd']);
    repo.update('b', { status: 'done', finished_at: Date.now(), result: { master: '/m', renditions: [], covers: [], dir: '/x' } });
    expect(repo.get('b')?.result?.master).toBe('/m');
    expect(repo.requeueInterrupted('re-queued: test')).toEqual(['c']);
    expect(repo.get('c')).toMatchObject({ status: 'queued', note: 're-queued: test' });
    expect(repo.list({ status: ['done'] }).map((j) => j.id)).toEqual(['b']);
    s.close();
  });

  it('a corrupt JSON column is an INTERNAL error naming the job, not a crash elsewhere', () => {
    const s = openStore(path.join(dir, 'bad'));
    const repo = new JobsRepo(s.db);
    repo.insert(job('x'));
    s.db.prepare("UPDATE jobs SET options = '{' WHERE id = 'x'").run();
    expect(() => repo.get('x')).toThrow(/job x: stored options is unreadable/);
    s.close();
  });
});

import type BetterSqlite3 from 'better-sqlite3';
import type { Recording, RecordingStatus } from '../contract/recordings';

interface Row {
  id: string;
  stream: string;
  file: string;
  status: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number;
  size: number;
  video: string | null;
  audio: string | null;
  error: string | null;
  thumbnail: string | null;
}

/** Migration step for the recordings index (appended to the store's migrations). */
export const RECORDINGS_MIGRATION = `CREATE TABLE recordings (
  id TEXT PRIMARY KEY,
  stream TEXT NOT NULL,
  file TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  video TEXT,
  audio TEXT,
  error TEXT,
  thumbnail TEXT
);
CREATE INDEX recordings_started ON recordings (started_at);`;

function toRecording(r: Row): Recording {
  return {
    id: r.id, stream: r.stream, file: r.file, status: r.status as RecordingStatus, startedAt: r.started_at, endedAt: r.ended_at,
    durationMs: r.duration_ms, size: r.size, video: r.video, audio: r.audio, error: r.error, thumbnail: r.thumbnail,
  };
}

export class RecordingsRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  insert(r: Recording): void {
    this.db
      .prepare(`INSERT INTO recordings (id, stream, file, status, started_at, ended_at, duration_ms, size, video, audio, error, thumbnail)
        VALUES (@id, @stream, @file, @status, @startedAt, @endedAt, @durationMs, @size, @video, @audio, @error, @thumbnail)`)
      .run(r);
  }

  update(id: string, patch: Partial<Pick<Recording, 'status' | 'endedAt' | 'durationMs' | 'size' | 'error' | 'thumbnail'>>): void {
    const cols: Record<string, string> = { status: 'status', endedAt: 'ended_at', durationMs: 'duration_ms', size: 'size', error: 'error', thumbnail: 'thumbnail' };
    const keys = Object.keys(patch).filter((k) => k in cols);
    if (!keys.length) return;
    const sql = `UPDATE recordings SET ${keys.map((k) => `${cols[k]} = @${k}`).join(', ')} WHERE id = @id`;
    this.db.prepare(sql).run({ ...patch, id });
  }

  get(id: string): Recording | undefined {
    const r = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    return r ? toRecording(r) : undefined;
  }

  list(): Recording[] {
    return (this.db.prepare('SELECT * FROM recordings ORDER BY started_at DESC').all() as Row[]).map(toRecording);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id);
  }

  /** Recordings still marked 'recording' belong to a process that died: they are 'interrupted'. */
  markInterrupted(now: number): Recording[] {
    const rows = (this.db.prepare("SELECT * FROM recordings WHERE status = 'recording'").all() as Row[]).map(toRecording);
    this.db.prepare("UPDATE recordings SET status = 'interrupted', ended_at = COALESCE(ended_at, ?) WHERE status = 'recording'").run(now);
    return rows;
  }
}

import type BetterSqlite3 from 'better-sqlite3';
import type { TimelineEvent } from '../contract/health';

/**
 * The health timeline (issue 14, core/health/timeline.ts): one row per incident (published, dropped, slate_on,
 * destination_retrying…), kept TIMELINE_KEEP_MS so the panel's timeline survives a studio restart.
 * IF NOT EXISTS: the step is order-proof like HEALTH_MIGRATION.
 */
export const TIMELINE_MIGRATION = `CREATE TABLE IF NOT EXISTS health_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  stream TEXT,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS health_events_at ON health_events (at);`;

export const TIMELINE_KEEP_MS = 24 * 3600_000;

export class TimelineRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  insert(e: TimelineEvent): void {
    this.db.prepare('INSERT INTO health_events (at, stream, kind, text) VALUES (?, ?, ?, ?)').run(e.at, e.stream, e.kind, e.text);
  }

  /** entries at or after `since` (one stream's, or all), oldest first, at most `limit` (the newest ones) */
  since(since: number, stream?: string, limit = 5000): TimelineEvent[] {
    const rows = (stream
      ? this.db.prepare('SELECT at, stream, kind, text FROM health_events WHERE at >= ? AND stream = ? ORDER BY at DESC, id DESC LIMIT ?').all(since, stream, limit)
      : this.db.prepare('SELECT at, stream, kind, text FROM health_events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?').all(since, limit)) as TimelineEvent[];
    return rows.reverse();
  }

  prune(now = Date.now()): void {
    this.db.prepare('DELETE FROM health_events WHERE at < ?').run(now - TIMELINE_KEEP_MS);
  }
}

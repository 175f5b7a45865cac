import type BetterSqlite3 from 'better-sqlite3';

/**
 * Per-minute health aggregates (issue 14): one row per stream path (or '' for the server) per minute, the
 * averages of that minute's 1-s samples as JSON. Kept HEALTH_KEEP_MS (the charts' "last hours"); older rows are pruned.
 */
export const HEALTH_MIGRATION = `CREATE TABLE IF NOT EXISTS health_minutes (
  path TEXT NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (path, at)
);`;

export const HEALTH_KEEP_MS = 24 * 3600_000;

export class HealthRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  insert(path: string, at: number, data: Record<string, number | null>): void {
    this.db.prepare('INSERT OR REPLACE INTO health_minutes (path, at, data) VALUES (?, ?, ?)').run(path, at, JSON.stringify(data));
  }

  /** rows of `path` at or after `since`, oldest first */
  since(path: string, since: number): Array<{ at: number } & Record<string, number | null>> {
    const rows = this.db.prepare('SELECT at, data FROM health_minutes WHERE path = ? AND at >= ? ORDER BY at').all(path, since) as Array<{ at: number; data: string }>;
    return rows.map((r) => ({ ...(JSON.parse(r.data) as Record<string, number | null>), at: r.at }));
  }

  prune(now = Date.now()): void {
    this.db.prepare('DELETE FROM health_minutes WHERE at < ?').run(now - HEALTH_KEEP_MS);
  }
}

import type BetterSqlite3 from 'better-sqlite3';

/**
 * Stream keys (issue 13; seed 002 randomString(20), seed 003 private keys). The key value is the stream name a
 * publisher uses on `/<app>/<key>`; it is UNIQUE across apps. `stream` is the key's public name (step 7), also UNIQUE.
 */
export interface KeyRecord {
  id: string;
  label: string;
  app: string;
  key: string;
  /** the public stream name (12 of [a-z0-9]): with auth.keys on the key publishes at /<app>/<stream> */
  stream: string;
  enabled: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

interface Row {
  id: string;
  label: string;
  app: string;
  key: string;
  stream: string | null;
  enabled: number;
  created_at: number;
  last_used_at: number | null;
}

/** Migration SQL for the keys table (part of step 6, see rooms-repo.ts ROOMS_MIGRATION). */
export const KEYS_MIGRATION = `CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  app TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);`;

/**
 * Step 7: the public stream name of each key (not secret: players, the watch page, logs and hooks see it).
 * Existing keys get a random one (12 hex characters).
 */
export const KEYS_STREAM_MIGRATION = `ALTER TABLE keys ADD COLUMN stream TEXT;
UPDATE keys SET stream = lower(hex(randomblob(6))) WHERE stream IS NULL;
CREATE UNIQUE INDEX keys_stream ON keys (stream);`;

const fromRow = (r: Row): KeyRecord => ({
  id: r.id, label: r.label, app: r.app, key: r.key, stream: r.stream ?? '', enabled: r.enabled === 1, createdAt: r.created_at, lastUsedAt: r.last_used_at,
});

export class KeysRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  list(): KeyRecord[] {
    return (this.db.prepare('SELECT * FROM keys ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  get(id: string): KeyRecord | null {
    const r = this.db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  byKey(key: string): KeyRecord | null {
    const r = this.db.prepare('SELECT * FROM keys WHERE key = ?').get(key) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** by public stream name */
  byStream(stream: string): KeyRecord | null {
    const r = this.db.prepare('SELECT * FROM keys WHERE stream = ?').get(stream) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  insert(k: KeyRecord): void {
    this.db
      .prepare('INSERT INTO keys (id, label, app, key, stream, enabled, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(k.id, k.label, k.app, k.key, k.stream, k.enabled ? 1 : 0, k.createdAt, k.lastUsedAt);
  }

  setEnabled(id: string, enabled: boolean): boolean {
    return this.db.prepare('UPDATE keys SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id).changes > 0;
  }

  setKey(id: string, key: string): boolean {
    return this.db.prepare('UPDATE keys SET key = ? WHERE id = ?').run(key, id).changes > 0;
  }

  touch(id: string, at: number): void {
    this.db.prepare('UPDATE keys SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM keys WHERE id = ?').run(id).changes > 0;
  }
}

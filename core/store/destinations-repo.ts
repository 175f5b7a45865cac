import type BetterSqlite3 from 'better-sqlite3';

/**
 * Restream destinations as stored (issue 11). The stream key is stored only encrypted (`keyCipher`, made by
 * core/relay/secrets.ts with a master key that is not in this database). `enabled` is the user's wanted state
 * (Start/Stop): it is persisted so a restart resumes the destinations that were running.
 */
export interface DestinationRecord {
  id: string;
  name: string;
  /** youtube | twitch | facebook | kick | custom */
  platform: string;
  /** rtmp(s) server URL without the key */
  url: string;
  /** `v1.<iv>.<tag>.<ciphertext>` */
  keyCipher: string;
  /** { stream: "/app/name" } or { app: "name" } */
  source: { stream: string } | { app: string };
  auto: boolean;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  platform: string;
  url: string;
  key_cipher: string;
  source: string;
  auto: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** Migration step for the destinations table (appended to the store's migrations). */
export const DESTINATIONS_MIGRATION = `CREATE TABLE destinations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  url TEXT NOT NULL,
  key_cipher TEXT NOT NULL,
  source TEXT NOT NULL,
  auto INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);`;

function fromRow(r: Row): DestinationRecord {
  return {
    id: r.id, name: r.name, platform: r.platform, url: r.url, keyCipher: r.key_cipher,
    source: JSON.parse(r.source) as DestinationRecord['source'],
    auto: r.auto === 1, enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class DestinationsRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  list(): DestinationRecord[] {
    return (this.db.prepare('SELECT * FROM destinations ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  get(id: string): DestinationRecord | null {
    const r = this.db.prepare('SELECT * FROM destinations WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Insert or replace the whole record. */
  put(d: DestinationRecord): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO destinations (id, name, platform, url, key_cipher, source, auto, enabled, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(d.id, d.name, d.platform, d.url, d.keyCipher, JSON.stringify(d.source), d.auto ? 1 : 0, d.enabled ? 1 : 0, d.createdAt, d.updatedAt);
  }

  setEnabled(id: string, enabled: boolean, at = Date.now()): boolean {
    return this.db.prepare('UPDATE destinations SET enabled = ?, updated_at = ? WHERE id = ?').run(enabled ? 1 : 0, at, id).changes > 0;
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM destinations WHERE id = ?').run(id).changes > 0;
  }
}

import type BetterSqlite3 from 'better-sqlite3';

/**
 * Relay tasks' wanted state (issue 11): a restart resumes what was running.
 * - `api` rows: a task added through relays.add; `task_cipher` is the task JSON encrypted (core/relay/secrets.ts,
 *   the same master key as destinations' stream keys) because its edge may carry user:password.
 * - `config` rows: only the user's Start/Stop of a task from the config file; `fingerprint` says which task it
 *   was, so a config edited between runs does not inherit the switch of the task that used to sit at its index.
 */
export interface RelayRecord {
  id: string;
  origin: 'api' | 'config';
  taskCipher: string | null;
  fingerprint: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  origin: string;
  task_cipher: string | null;
  fingerprint: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** Migration step for the relays table (appended to the store's migrations). */
export const RELAYS_MIGRATION = `CREATE TABLE relays (
  id TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  task_cipher TEXT,
  fingerprint TEXT,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);`;

const fromRow = (r: Row): RelayRecord => ({
  id: r.id, origin: r.origin === 'config' ? 'config' : 'api', taskCipher: r.task_cipher, fingerprint: r.fingerprint,
  enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class RelaysRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  list(): RelayRecord[] {
    return (this.db.prepare('SELECT * FROM relays ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  get(id: string): RelayRecord | null {
    const r = this.db.prepare('SELECT * FROM relays WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  put(r: RelayRecord): void {
    this.db
      .prepare('INSERT OR REPLACE INTO relays (id, origin, task_cipher, fingerprint, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.origin, r.taskCipher, r.fingerprint, r.enabled ? 1 : 0, r.createdAt, r.updatedAt);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM relays WHERE id = ?').run(id).changes > 0;
  }
}

import type BetterSqlite3 from 'better-sqlite3';

export type SeedCallbackState = 'none' | 'pending' | 'sent' | 'gave_up';

/**
 * A seed-000 `/recording`: a live recording (recordings table, same id) published at
 * `/YYYY/MM/DD/<id>/<id>.mp4`, and the callback still owed to the caller. Kept in the store so a
 * kill -9 does not lose the callback.
 */
export interface SeedRecordingRow {
  id: string;
  /** "YYYY/MM/DD/<id>" under the media root */
  dir: string;
  callbackUrl: string | null;
  /** the caller's extra query fields, sent back with the callback */
  extra: Record<string, string>;
  /** scheme://host:port for neturi (null: the studio's own address) */
  baseUrl: string | null;
  callbackState: SeedCallbackState;
  createdAt: number;
}

interface Row {
  id: string;
  dir: string;
  callback_url: string | null;
  extra: string;
  base_url: string | null;
  callback_state: string;
  created_at: number;
}

export const SEED_RECORDINGS_MIGRATION = `CREATE TABLE seed_recordings (
  id TEXT PRIMARY KEY,
  dir TEXT NOT NULL,
  callback_url TEXT,
  extra TEXT NOT NULL DEFAULT '{}',
  base_url TEXT,
  callback_state TEXT NOT NULL DEFAULT 'none',
  created_at INTEGER NOT NULL
);`;

function parseExtra(s: string): Record<string, string> {
  try {
    const v = JSON.parse(s) as unknown;
    if (!v || typeof v !== 'object') return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

const toRow = (r: Row): SeedRecordingRow => ({
  id: r.id, dir: r.dir, callbackUrl: r.callback_url, extra: parseExtra(r.extra), baseUrl: r.base_url,
  callbackState: r.callback_state as SeedCallbackState, createdAt: r.created_at,
});

export class SeedRecordingsRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  insert(r: SeedRecordingRow): void {
    this.db
      .prepare('INSERT INTO seed_recordings (id, dir, callback_url, extra, base_url, callback_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.dir, r.callbackUrl, JSON.stringify(r.extra), r.baseUrl, r.callbackState, r.createdAt);
  }

  get(id: string): SeedRecordingRow | null {
    const r = this.db.prepare('SELECT * FROM seed_recordings WHERE id = ?').get(id) as Row | undefined;
    return r ? toRow(r) : null;
  }

  list(): SeedRecordingRow[] {
    return (this.db.prepare('SELECT * FROM seed_recordings ORDER BY created_at').all() as Row[]).map(toRow);
  }

  pending(): SeedRecordingRow[] {
    return (this.db.prepare("SELECT * FROM seed_recordings WHERE callback_state = 'pending' ORDER BY created_at").all() as Row[]).map(toRow);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM seed_recordings WHERE id = ?').run(id);
  }

  setCallbackState(id: string, s: SeedCallbackState): void {
    this.db.prepare('UPDATE seed_recordings SET callback_state = ? WHERE id = ?').run(s, id);
  }
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { OnAirError } from '../errors';
import { migrate, migrations } from './migrations';

export const STORE_FILE = 'onair.db';

export interface Store {
  readonly db: BetterSqlite3.Database;
  readonly file: string;
  close(): void;
}

/** Open (or create) <dataDir>/onair.db in WAL mode and run any pending migrations. */
export function openStore(dataDir: string, steps: readonly string[] = migrations): Store {
  const file = path.join(dataDir, STORE_FILE);
  let db: BetterSqlite3.Database;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
  } catch (e) {
    throw new OnAirError('IO', `cannot open the database ${file}: ${(e as Error).message}`, e);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db, steps);
  } catch (e) {
    db.close();
    throw e;
  }
  let open = true;
  return {
    db,
    file,
    close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}

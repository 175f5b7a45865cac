import type BetterSqlite3 from 'better-sqlite3';
import { KEYS_MIGRATION } from './keys-repo';

/** Live rooms (issue 13, seed 002): status 0 not started, 1 live, 2 paused, 3 ended (final). */
export interface RoomRecord {
  id: number;
  title: string;
  cover: string;
  keyId: string;
  app: string;
  status: 0 | 1 | 2 | 3;
  lookCount: number;
  createdAt: number;
  updatedAt: number;
  statusAt: number;
}

interface Row {
  id: number;
  title: string;
  cover: string;
  key_id: string;
  app: string;
  status: number;
  look_count: number;
  created_at: number;
  updated_at: number;
  status_at: number;
}

/**
 * Migration step 6: stream keys, rooms, and the chat tables (chat_messages, chat_bans) whose repo is
 * core/store/chat-repo.ts. One step for all of issue 13.
 */
export const ROOMS_MIGRATION = `${KEYS_MIGRATION}
CREATE TABLE rooms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  cover TEXT NOT NULL DEFAULT '',
  key_id TEXT NOT NULL,
  app TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  look_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  status_at INTEGER NOT NULL
);
CREATE INDEX rooms_key ON rooms (key_id);
CREATE TABLE chat_messages (
  id TEXT PRIMARY KEY,
  room INTEGER NOT NULL,
  name TEXT NOT NULL,
  ip TEXT NOT NULL,
  text TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chat_messages_room_at ON chat_messages (room, at);
CREATE TABLE chat_bans (
  room INTEGER NOT NULL,
  name TEXT NOT NULL,
  ip TEXT NOT NULL,
  until INTEGER NULL,
  PRIMARY KEY (room, name)
);`;

const status = (n: number): RoomRecord['status'] => (n === 1 || n === 2 || n === 3 ? n : 0);
const fromRow = (r: Row): RoomRecord => ({
  id: r.id, title: r.title, cover: r.cover, keyId: r.key_id, app: r.app, status: status(r.status), lookCount: r.look_count,
  createdAt: r.created_at, updatedAt: r.updated_at, statusAt: r.status_at,
});

export class RoomsRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  /** newest first */
  list(limit = -1, offset = 0): RoomRecord[] {
    return (this.db.prepare('SELECT * FROM rooms ORDER BY id DESC LIMIT ? OFFSET ?').all(limit, offset) as Row[]).map(fromRow);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rooms').get() as { n: number }).n;
  }

  get(id: number): RoomRecord | null {
    const r = this.db.prepare('SELECT * FROM rooms WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  byKeyId(keyId: string): RoomRecord[] {
    return (this.db.prepare('SELECT * FROM rooms WHERE key_id = ? ORDER BY id DESC').all(keyId) as Row[]).map(fromRow);
  }

  insert(r: Omit<RoomRecord, 'id'>): number {
    const res = this.db
      .prepare('INSERT INTO rooms (title, cover, key_id, app, status, look_count, created_at, updated_at, status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.title, r.cover, r.keyId, r.app, r.status, r.lookCount, r.createdAt, r.updatedAt, r.statusAt);
    return Number(res.lastInsertRowid);
  }

  update(id: number, fields: { title?: string; cover?: string }, at: number): boolean {
    const cur = this.get(id);
    if (!cur) return false;
    this.db.prepare('UPDATE rooms SET title = ?, cover = ?, updated_at = ? WHERE id = ?').run(fields.title ?? cur.title, fields.cover ?? cur.cover, at, id);
    return true;
  }

  setStatus(id: number, s: RoomRecord['status'], at: number): boolean {
    return this.db.prepare('UPDATE rooms SET status = ?, status_at = ?, updated_at = ? WHERE id = ?').run(s, at, at, id).changes > 0;
  }

  addLooks(id: number, n: number): void {
    this.db.prepare('UPDATE rooms SET look_count = look_count + ? WHERE id = ?').run(n, id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM rooms WHERE id = ?').run(id).changes > 0;
  }
}

import type BetterSqlite3 from 'better-sqlite3';

/** One chat message as stored (the tables are made by migration step 6, core/store/rooms-repo.ts). */
export interface ChatRecord {
  id: string;
  room: number;
  name: string;
  /** the sender's address: for bans, shown to the panel only, never broadcast */
  ip: string;
  text: string;
  kind: 'comment' | 'gift' | 'streamer';
  at: number;
  deleted: boolean;
}

interface Row {
  id: string;
  room: number;
  name: string;
  ip: string;
  text: string;
  kind: string;
  at: number;
  deleted: number;
}

export interface ChatBan {
  room: number;
  name: string;
  ip: string;
  /** ms epoch the timeout ends; null: banned until unbanned */
  until: number | null;
}

const kindOf = (k: string): ChatRecord['kind'] => (k === 'gift' || k === 'streamer' ? k : 'comment');
const fromRow = (r: Row): ChatRecord => ({ id: r.id, room: r.room, name: r.name, ip: r.ip, text: r.text, kind: kindOf(r.kind), at: r.at, deleted: r.deleted !== 0 });

/** chat_messages and chat_bans: history (newest kept, deleted ones hidden) and bans by name and address. */
export class ChatRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  insert(m: Omit<ChatRecord, 'deleted'>): void {
    this.db.prepare('INSERT INTO chat_messages (id, room, name, ip, text, kind, at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, 0)').run(m.id, m.room, m.name, m.ip, m.text, m.kind, m.at);
  }

  /** the last `limit` messages not deleted, oldest first */
  history(room: number, limit: number): ChatRecord[] {
    const rows = this.db.prepare('SELECT * FROM chat_messages WHERE room = ? AND deleted = 0 ORDER BY at DESC, rowid DESC LIMIT ?').all(room, limit) as Row[];
    return rows.reverse().map(fromRow);
  }

  get(id: string): ChatRecord | null {
    const r = this.db.prepare('SELECT * FROM chat_messages WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** true when a message of that room was there and is now deleted */
  markDeleted(room: number, id: string): boolean {
    return this.db.prepare('UPDATE chat_messages SET deleted = 1 WHERE id = ? AND room = ? AND deleted = 0').run(id, room).changes > 0;
  }

  /** the address of the latest message by that name in the room ('' when none) */
  lastAddress(room: number, name: string): string {
    const r = this.db.prepare('SELECT ip FROM chat_messages WHERE room = ? AND name = ? ORDER BY at DESC LIMIT 1').get(room, name) as { ip: string } | undefined;
    return r?.ip ?? '';
  }

  ban(b: ChatBan): void {
    this.db.prepare('INSERT INTO chat_bans (room, name, ip, until) VALUES (?, ?, ?, ?) ON CONFLICT (room, name) DO UPDATE SET ip = excluded.ip, until = excluded.until').run(b.room, b.name, b.ip, b.until);
  }

  unban(room: number, name: string): boolean {
    return this.db.prepare('DELETE FROM chat_bans WHERE room = ? AND name = ?').run(room, name).changes > 0;
  }

  /** a ban in force for this name or this address (an empty address matches nothing), or null */
  activeBan(room: number, name: string, ip: string, now: number): ChatBan | null {
    const r = this.db
      .prepare("SELECT * FROM chat_bans WHERE room = ? AND (name = ? OR (ip <> '' AND ip = ?)) AND (until IS NULL OR until > ?) ORDER BY until IS NULL DESC, until DESC LIMIT 1")
      .get(room, name, ip, now) as ChatBan | undefined;
    return r ?? null;
  }

  /** timeouts that have run out (kept small) */
  pruneBans(now: number): void {
    this.db.prepare('DELETE FROM chat_bans WHERE until IS NOT NULL AND until <= ?').run(now);
  }
}

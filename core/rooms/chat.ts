import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { z } from 'zod';
import type { ChatMessage, ChatModerationSchema } from '../contract/rooms';
import { OnAirError } from '../errors';
import type { ChatRepo, ChatRecord } from '../store/chat-repo';
import type { PresenceData, Viewers } from './presence';

export type ChatModeration = z.infer<typeof ChatModerationSchema>;
export interface ChatEvents {
  'chat.message': [m: ChatMessage];
  'chat.moderated': [m: ChatModeration];
  'presence.changed': [p: PresenceData];
}

/** What the chat needs of the rooms service (core/rooms/rooms.ts). */
export interface ChatRoomsPort {
  find(id: number): { id: number; status: 0 | 1 | 2 | 3; viewers: Viewers } | null;
  streamOf(id: number): { path: string } | null;
  list(): Array<{ id: number; status: 0 | 1 | 2 | 3 }>;
}

export const STREAMER_NAME = 'Streamer';
export const roomChannel = (id: number): string => `live_${id}`;

export interface Member {
  name: string;
  ip: string;
}

/** The seed's user object: no accounts here, a viewer is a display name (id: their chat socket). */
export const userOf = (id: string, name: string): { id: string; name: string; avatar: string } => ({ id, name, avatar: '' });

/**
 * Chat state shared by the socket handlers (chat-socket.ts) and the panel's chat.* commands: who is in which
 * room, the message store, bans, slow mode. Broadcasts go to the socket.io room `live_<id>`; every accepted
 * message and moderation action is also told as a contract event (chat.message / chat.moderated).
 */
export class ChatService extends EventEmitter<ChatEvents> {
  /** room -> socket id -> member */
  private readonly members = new Map<number, Map<string, Member>>();
  /** room -> seconds between messages per viewer (slow mode; 0/absent = off) */
  private readonly slow = new Map<number, number>();
  /** room -> viewer key -> last message time (slow mode) */
  private readonly lastSaid = new Map<number, Map<string, number>>();

  constructor(
    readonly io: Server,
    private readonly repo: () => ChatRepo | null,
    readonly rooms: ChatRoomsPort,
    readonly log: Logger,
  ) {
    super();
  }

  private store(): ChatRepo {
    const r = this.repo();
    if (!r) throw new OnAirError('IO', 'the store is not open (is the data folder writable?)');
    return r;
  }

  /** null when the room may be joined and talked in; else the seed's checkStatus message */
  checkStatus(id: number): string | null {
    const r = this.rooms.find(id);
    if (!r) return 'this live room does not exist';
    if (r.status === 3) return 'this live has ended';
    return null;
  }

  join(room: number, socketId: string, m: Member): void {
    let map = this.members.get(room);
    if (!map) this.members.set(room, (map = new Map()));
    map.delete(socketId); // re-join: newest first
    map.set(socketId, m);
  }

  /** true when the socket was in the room */
  leave(room: number, socketId: string): boolean {
    const map = this.members.get(room);
    if (!map?.delete(socketId)) return false;
    if (!map.size) {
      this.members.delete(room);
      this.lastSaid.delete(room);
    }
    return true;
  }

  member(room: number, socketId: string): Member | undefined {
    return this.members.get(room)?.get(socketId);
  }

  /** chat members: names newest first (one per name), and sockets */
  chat(room: number): { names: string[]; count: number; ids: string[] } {
    const map = this.members.get(room);
    if (!map) return { names: [], count: 0, ids: [] };
    const names = [...new Set([...map.values()].map((m) => m.name))].reverse();
    return { names, count: map.size, ids: [...map.keys()].reverse() };
  }

  /** [socket id, member] of a room, newest first */
  chatMembers(room: number): Array<[string, Member]> {
    return [...(this.members.get(room) ?? new Map<string, Member>())].reverse();
  }

  /** rooms with chat members */
  roomsWithMembers(): number[] {
    return [...this.members.keys()];
  }

  /** null when `name`/`ip` may talk in the room now, else why not */
  refusal(room: number, name: string, ip: string, socketId: string, now = Date.now()): string | null {
    const ban = this.store().activeBan(room, name, ip, now);
    if (ban) return ban.until === null ? 'you are banned from this chat' : `you are timed out for ${Math.ceil((ban.until - now) / 1000)} s`;
    const slow = this.slow.get(room) ?? 0;
    if (slow > 0) {
      const said = this.lastSaid.get(room);
      const last = Math.max(said?.get(`s:${socketId}`) ?? 0, said?.get(`n:${name.toLowerCase()}`) ?? 0);
      const wait = last + slow * 1000 - now;
      if (wait > 0) return `slow mode: wait ${Math.ceil(wait / 1000)} s between messages`;
    }
    return null;
  }

  /** store and broadcast an accepted message (text already checked) */
  post(room: number, from: { socketId: string; name: string; ip: string }, text: string, kind: ChatMessage['kind']): ChatMessage {
    const rec: Omit<ChatRecord, 'deleted'> = { id: randomBytes(8).toString('hex'), room, name: from.name, ip: from.ip, text, kind, at: Date.now() };
    this.store().insert(rec);
    let said = this.lastSaid.get(room);
    if (!said) this.lastSaid.set(room, (said = new Map()));
    said.set(`s:${from.socketId}`, rec.at);
    said.set(`n:${from.name.toLowerCase()}`, rec.at);
    if (said.size > 20_000) said.clear();
    const msg: ChatMessage = { id: rec.id, room, name: rec.name, text, kind, at: rec.at };
    const to = this.io.to(roomChannel(room));
    if (kind === 'gift') to.emit('gift', { avatar: '', username: from.name, gift_image: '', gift_name: text, num: 1, id: rec.id, at: rec.at });
    else to.emit('comment', { user: userOf(from.socketId, from.name), content: text, id: rec.id, at: rec.at, kind });
    this.emit('chat.message', msg);
    return msg;
  }

  history(room: number, limit = 50): ChatMessage[] {
    return this.store().history(room, limit).map((r) => ({ id: r.id, room: r.room, name: r.name, text: r.text, kind: r.kind, at: r.at }));
  }

  /** chat.send: the streamer talks (kind 'streamer') */
  send(room: number, text: string): ChatMessage {
    if (!this.rooms.find(room)) throw new OnAirError('NOT_FOUND', `no room ${room}`);
    return this.post(room, { socketId: 'streamer', name: STREAMER_NAME, ip: '' }, text, 'streamer');
  }

  private moderated(m: Omit<ChatModeration, 'at'>): void {
    const at = Date.now();
    this.log.info({ room: m.room, action: m.action, name: m.name, message_id: m.message_id, seconds: m.seconds }, 'chat moderation');
    this.emit('chat.moderated', { ...m, at });
  }

  delete(room: number, id: string): { ok: true } {
    if (!this.store().markDeleted(room, id)) throw new OnAirError('NOT_FOUND', `no message ${id} in room ${room}`);
    this.io.to(roomChannel(room)).emit('commentDeleted', { id, live_id: room });
    this.moderated({ room, action: 'delete', message_id: id, name: null, seconds: null });
    return { ok: true };
  }

  /** ban (no seconds) or time out a viewer by name, and by the address they chat from */
  ban(room: number, name: string, seconds?: number): { ok: true } {
    if (!this.rooms.find(room)) throw new OnAirError('NOT_FOUND', `no room ${room}`);
    const here = [...(this.members.get(room)?.values() ?? [])].find((m) => m.name === name);
    const ip = here?.ip ?? this.store().lastAddress(room, name);
    const until = seconds ? Date.now() + seconds * 1000 : null;
    this.store().pruneBans(Date.now());
    this.store().ban({ room, name, ip, until });
    this.moderated({ room, action: seconds ? 'timeout' : 'ban', name, message_id: null, seconds: seconds ?? null });
    return { ok: true };
  }

  unban(room: number, name: string): { ok: true } {
    if (!this.store().unban(room, name)) throw new OnAirError('NOT_FOUND', `${name} is not banned in room ${room}`);
    this.moderated({ room, action: 'unban', name, message_id: null, seconds: null });
    return { ok: true };
  }

  setSlow(room: number, seconds: number): { ok: true } {
    if (!this.rooms.find(room)) throw new OnAirError('NOT_FOUND', `no room ${room}`);
    if (seconds > 0) this.slow.set(room, seconds);
    else this.slow.delete(room);
    this.io.to(roomChannel(room)).emit('slowMode', { live_id: room, seconds });
    this.moderated({ room, action: 'slow', name: null, message_id: null, seconds });
    return { ok: true };
  }
}

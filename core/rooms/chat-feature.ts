import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import type { Room } from '../contract/rooms';
import type { Feature } from '../feature';
import { ChatRepo } from '../store/chat-repo';
import { ChatService, roomChannel, type ChatRoomsPort } from './chat';
import { bindChatSockets } from './chat-socket';
import { HlsSessions, Presence } from './presence';
import { SocketServer } from './socket-server';

/** What the chat feature needs of the rooms service (core/rooms/rooms.ts) beyond lookups. */
export interface ChatRoomsHost extends ChatRoomsPort {
  setViewerSource(fn: (roomId: number) => { hls: number; chat: number }): void;
  viewersChanged(id: number): void;
  addLooks(id: number, n: number): void;
  /** ids of the rooms not ended */
  activeIds(): number[];
  on(e: 'room.changed', fn: (r: Room) => void): unknown;
  off(e: 'room.changed', fn: (r: Room) => void): unknown;
}

export interface ChatDeps {
  config: () => OnAirConfig;
  log: Logger;
  db: () => BetterSqlite3.Database | null;
  rooms: ChatRoomsHost;
  /** whether a token is the API (or panel) token: a socket carrying it speaks as the streamer */
  isStreamer(token: string): boolean;
}

/**
 * The `chat` feature (issue 13): the socket.io server on the HTTP front, chat.* commands, the chat.message /
 * chat.moderated / presence.changed events, and the viewer counts the rooms service shows (hls sessions and
 * chat members; rtmp/flv it counts itself).
 */
export class ChatRuntime {
  readonly sockets: SocketServer;
  readonly chat: ChatService;
  readonly hls = new HlsSessions();
  readonly presence: Presence;
  private unbind: (() => void) | null = null;
  private readonly lastStatus = new Map<number, string>();

  constructor(private readonly deps: ChatDeps) {
    this.sockets = new SocketServer(deps.config);
    const db = deps.db;
    let repo: { db: BetterSqlite3.Database; repo: ChatRepo } | null = null;
    this.chat = new ChatService(this.sockets.io, () => {
      const d = db();
      if (!d) return null;
      if (repo?.db !== d) repo = { db: d, repo: new ChatRepo(d) };
      return repo.repo;
    }, deps.rooms, deps.log);
    const rooms = deps.rooms;
    this.presence = new Presence({
      hls: this.hls,
      active: () => this.safe(() => rooms.activeIds(), []),
      viewers: (id) => this.safe(() => rooms.find(id)?.viewers ?? null, null),
      chat: (id) => this.chat.chat(id),
      changed: (p) => {
        this.chat.emit('presence.changed', p);
        this.safe(() => rooms.viewersChanged(p.room), undefined);
      },
    });
  }

  private safe<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.deps.log.debug({ err: (e as Error).message }, 'chat: rooms unavailable');
      return fallback;
    }
  }

  /** the HLS routes' hook: a playlist request with a `vs` session token (core/hls/hls-routes.ts) */
  hlsSeen = (path: string, vs: string | null, ip: string, windowMs: number): void => {
    if (!this.hls.seen(path, vs, ip, windowMs)) return;
    // a new HLS viewer: count it once into look_count, and tell presence now
    for (const r of this.safe(() => this.deps.rooms.list(), [])) {
      if (r.status === 3 || this.safe(() => this.deps.rooms.streamOf(r.id)?.path, null) !== path) continue;
      this.safe(() => this.deps.rooms.addLooks(r.id, 1), undefined);
      this.presence.touch(r.id);
    }
  };

  /** room status and viewer count to the chat room (the watch page's `liveStatus`) */
  private onRoomChanged = (r: Room): void => {
    const key = `${r.status}/${r.viewers.total}/${r.viewers.chat}`;
    if (this.lastStatus.get(r.id) === key) return;
    this.lastStatus.set(r.id, key);
    this.sockets.io.to(roomChannel(r.id)).emit('liveStatus', { live_id: r.id, status: r.status, viewers: r.viewers.total, chat: r.viewers.chat });
  };

  feature(): Feature {
    const chat = this.chat;
    return {
      name: 'chat',
      events: ['chat.message', 'chat.moderated', 'presence.changed'],
      handlers: {
        'chat.history': ({ room, limit }) => chat.history(room, limit ?? 50),
        'chat.send': ({ room, text }) => chat.send(room, text),
        'chat.delete': ({ room, message_id }) => chat.delete(room, message_id),
        'chat.ban': ({ room, name, seconds }) => chat.ban(room, name, seconds),
        'chat.unban': ({ room, name }) => chat.unban(room, name),
        'chat.slow': ({ room, seconds }) => chat.setSlow(room, seconds),
      },
      mount: (h) => this.sockets.mount(h),
      start: () => {
        const rooms = this.deps.rooms;
        rooms.setViewerSource((id) => {
          const path = rooms.streamOf(id)?.path;
          return { hls: path ? this.hls.count(path) : 0, chat: chat.chat(id).count };
        });
        rooms.on('room.changed', this.onRoomChanged);
        this.unbind ??= bindChatSockets(this.sockets.io, {
          chat,
          config: this.deps.config,
          isStreamer: this.deps.isStreamer,
          touched: (room) => this.presence.touch(room),
        });
        this.presence.start();
      },
      stop: () => {
        this.presence.stop();
        this.deps.rooms.off('room.changed', this.onRoomChanged);
        this.unbind?.();
        this.unbind = null;
        this.sockets.close();
      },
    };
  }
}

/**
 * Live rooms (issue 13, seed 002). INTERFACES FOR R2 (chat/presence) AND R4 (watch page):
 *
 *  - `studio.rooms: RoomsService` (core/studio.ts). Look a room up by id: `rooms.find(id): Room | null`
 *    (`rooms.get(id)` throws NOT_FOUND). Its stream: `rooms.streamOf(id): { app, name, path } | null`
 *    (path `/<app>/<stream>`: with auth.keys on the key's PUBLIC name, never the key; with it off `/<app>/<key>`;
 *    null when the room is unknown or its key was removed) — the same name as `room.stream`. `room.watch_path` = `/watch/<id>`.
 *  - Status: `room.status` 0 not started, 1 live, 2 paused, 3 ended (final). It follows the stream by itself
 *    (registry published / unpublished-while-reconnecting / ended, and rooms.pause_s) and by hand (rooms.status).
 *  - Events: `rooms.on('room.changed', (room: Room) => …)` — every status, title/cover and viewer-count change,
 *    and `rooms.on('room.removed', (id: number) => …)`. The same Room goes out as the contract event `room.changed`.
 *  - Viewer counts: rtmp/flv come from the stream's subscribers (non-internal; 'rtmp' → rtmp, 'http'/'ws' → flv).
 *    hls and chat come from R2's presence: `rooms.setViewerSource((roomId) => ({ hls, chat }))`; call
 *    `rooms.viewersChanged(roomId)` when they change so `room.changed` goes out (it is also sampled every tick).
 *    `rooms.addLooks(roomId, n)` adds to look_count (total viewers seen); rtmp/flv viewers are counted here.
 *  - Keys: `studio.rooms.keys: KeysService` (core/rooms/keys.ts) — `find(app, name)` is the authority's KeyLookup.
 */
import { EventEmitter } from 'node:events';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import type { Room } from '../contract/rooms';
import { OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import type { Stream } from '../media/stream';
import { RoomsRepo, type RoomRecord } from '../store/rooms-repo';
import { keyTail, type KeysService } from './keys';
import { MANUAL, nextStatus, type RoomEvent } from './room-status';

export type ViewerSource = (roomId: number) => { hls: number; chat: number };

export interface RoomsEvents {
  'room.changed': [room: Room];
  'room.removed': [id: number];
}

export interface RoomsDeps {
  db: () => BetterSqlite3.Database | null;
  config: () => OnAirConfig;
  registry: StreamRegistry;
  keys: KeysService;
  log: Logger;
  /** viewer sampling period, ms (default 1000) */
  tickMs?: number;
}

type Viewers = Room['viewers'];

export class RoomsService extends EventEmitter<RoomsEvents> {
  private viewerSource: ViewerSource = () => ({ hls: 0, chat: 0 });
  private readonly pauseTimers = new Map<number, NodeJS.Timeout>();
  private readonly lastViewers = new Map<number, string>();
  private readonly seen = new Map<number, Set<string>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RoomsDeps) {
    super();
  }

  get keys(): KeysService {
    return this.deps.keys;
  }

  setViewerSource(fn: ViewerSource): void {
    this.viewerSource = fn;
  }

  repo(): RoomsRepo {
    const db = this.deps.db();
    if (!db) throw new OnAirError('IO', 'the store is not open (is the data folder writable?)');
    return new RoomsRepo(db);
  }

  list(): Room[] {
    return this.repo().list().map((r) => this.view(r));
  }

  /** ids of the rooms not ended, from the records alone (no views: presence asks every second) */
  activeIds(): number[] {
    return this.repo().list().filter((r) => r.status !== 3).map((r) => r.id);
  }

  /** newest first, `per` a page (pages from 1) */
  page(page: number, per = 10): Room[] {
    return this.repo().list(per, (page - 1) * per).map((r) => this.view(r));
  }

  find(id: number): Room | null {
    if (!this.deps.db()) return null;
    const r = this.repo().get(id);
    return r ? this.view(r) : null;
  }

  get(id: number): Room {
    return this.view(this.record(id));
  }

  private record(id: number): RoomRecord {
    const r = this.repo().get(id);
    if (!r) throw new OnAirError('NOT_FOUND', `no room ${id}`);
    return r;
  }

  streamOf(id: number): { app: string; name: string; path: string } | null {
    const r = this.deps.db() ? this.repo().get(id) : null;
    const k = r ? this.keyOf(r) : null;
    return k ? { app: k.app, name: k.stream, path: `/${k.app}/${k.stream}` } : null;
  }

  add(a: { title: string; cover: string; key_id?: string | undefined; app: string }): Room {
    const keys = this.deps.keys;
    const key = a.key_id ? keys.record(a.key_id) : null;
    const repo = this.repo();
    const db = this.deps.db() as BetterSqlite3.Database;
    const now = Date.now();
    const id = db.transaction(() => {
      const k = key ?? keys.record(keys.add(`Room: ${a.title}`.slice(0, 64), a.app).id);
      return repo.insert({ title: a.title, cover: a.cover, keyId: k.id, app: k.app, status: 0, lookCount: 0, createdAt: now, updatedAt: now, statusAt: now });
    })();
    const room = this.get(id);
    this.deps.log.info({ room: id, key: keyTail(room.key) }, 'room added');
    // a room made for a key already live starts live
    if (room.stream && this.deps.registry.get(`/${room.app}/${room.stream}`)?.publisher) return this.apply(id, 'published') ?? room;
    return room;
  }

  update(id: number, fields: { title?: string | undefined; cover?: string | undefined }): Room {
    this.record(id);
    this.repo().update(id, { ...(fields.title !== undefined ? { title: fields.title } : {}), ...(fields.cover !== undefined ? { cover: fields.cover } : {}) }, Date.now());
    return this.changed(id);
  }

  /** By hand (seed 002 changestatus): play → 1, pause → 2, stop → 3. An ended room refuses (CONFLICT, "ended"). */
  setStatus(id: number, type: 'play' | 'pause' | 'stop'): Room {
    const r = this.record(id);
    if (r.status === 3) throw new OnAirError('CONFLICT', `room ${id} has ended`);
    this.clearPause(id);
    if (MANUAL[type] === r.status) return this.view(r);
    return this.apply(id, type) ?? this.get(id);
  }

  remove(id: number): { ok: true; id: number } {
    this.record(id);
    this.repo().remove(id);
    this.clearPause(id);
    this.lastViewers.delete(id);
    this.seen.delete(id);
    this.emit('room.removed', id);
    return { ok: true, id };
  }

  addLooks(id: number, n: number): void {
    if (n > 0 && this.deps.db()) this.repo().addLooks(id, n);
  }

  /** R2: hls/chat viewers changed for this room — emit room.changed if the counts moved. */
  viewersChanged(id: number): void {
    const r = this.deps.db() ? this.repo().get(id) : null;
    if (r) this.sample(r);
  }

  start(): void {
    const reg = this.deps.registry;
    reg.on('published', this.onPublished);
    reg.on('unpublished', this.onUnpublished);
    reg.on('ended', this.onEnded);
    // after a restart: rooms that were live wait pause_s for their publisher, as after a drop
    if (this.deps.db()) {
      for (const r of this.repo().list()) {
        if (r.status !== 1 && r.status !== 2) continue;
        if (reg.get(`/${r.app}/${this.keyOf(r)?.stream ?? ''}`)?.publisher) continue;
        if (r.status === 1) this.apply(r.id, 'dropped');
        this.armPause(r.id);
      }
    }
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    const reg = this.deps.registry;
    reg.off('published', this.onPublished);
    reg.off('unpublished', this.onUnpublished);
    reg.off('ended', this.onEnded);
    for (const t of this.pauseTimers.values()) clearTimeout(t);
    this.pauseTimers.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  view(r: RoomRecord): Room {
    const k = this.keyOf(r);
    return {
      id: r.id, title: r.title, cover: r.cover, key: k?.key ?? '', app: r.app, stream: k?.stream ?? '', status: r.status, look_count: r.lookCount,
      created_at: r.createdAt, updated_at: r.updatedAt, viewers: this.viewers(r, k?.stream ?? null), watch_path: `/watch/${r.id}`,
    };
  }

  // ── the stream drives the status ──

  private onPublished = (s: Stream): void => {
    const k = this.deps.keys.used(s.app, s.name);
    if (!k) return;
    for (const r of this.roomsOf(k.id)) {
      this.clearPause(r.id);
      this.apply(r.id, 'published');
    }
  };

  private onUnpublished = (s: Stream): void => {
    if (!s.reconnecting) return; // over at once: 'ended' came first
    for (const r of this.roomsOfStream(s)) {
      if (this.apply(r.id, 'dropped')) this.armPause(r.id);
    }
  };

  private onEnded = (s: Stream): void => {
    for (const r of this.roomsOfStream(s)) {
      this.clearPause(r.id);
      this.apply(r.id, 'ended');
      this.seen.delete(r.id);
    }
  };

  private armPause(id: number): void {
    this.clearPause(id);
    const ms = this.deps.config().rooms.pause_s * 1000;
    const t = setTimeout(() => {
      this.pauseTimers.delete(id);
      const r = this.deps.db() ? this.repo().get(id) : null;
      if (r?.status === 2) this.apply(id, 'ended');
    }, ms);
    t.unref();
    this.pauseTimers.set(id, t);
  }

  private clearPause(id: number): void {
    const t = this.pauseTimers.get(id);
    if (t) clearTimeout(t);
    this.pauseTimers.delete(id);
  }

  /** Move a room by an event; persists, logs, emits. The new room, or null when nothing changed. */
  private apply(id: number, ev: RoomEvent): Room | null {
    if (!this.deps.db()) return null;
    const r = this.repo().get(id);
    if (!r) return null;
    const next = nextStatus(r.status, ev);
    if (next === null) return null;
    this.repo().setStatus(id, next, Date.now());
    this.deps.log.info({ room: id, from: r.status, to: next, by: ev }, 'room status');
    return this.changed(id);
  }

  private changed(id: number): Room {
    const room = this.get(id);
    this.lastViewers.set(id, JSON.stringify(room.viewers));
    this.emit('room.changed', room);
    return room;
  }

  private roomsOf(keyId: string): RoomRecord[] {
    return this.deps.db() ? this.repo().byKeyId(keyId) : [];
  }

  private roomsOfStream(s: Stream): RoomRecord[] {
    const k = this.deps.keys.ofStream(s.app, s.name);
    return k ? this.roomsOf(k.id) : [];
  }

  /** the room's key and the stream name it is live at (keys.streamName: the public name with auth.keys on) */
  private keyOf(r: RoomRecord): { key: string; stream: string; app: string } | null {
    const db = this.deps.db();
    if (!db) return null;
    const k = this.deps.keys.repo().get(r.keyId);
    return k ? { key: k.key, stream: this.deps.keys.streamName(k), app: k.app } : null;
  }

  private viewers(r: RoomRecord, stream: string | null): Viewers {
    let rtmp = 0;
    let flv = 0;
    const s = stream ? this.deps.registry.get(`/${r.app}/${stream}`) : undefined;
    for (const sub of s?.allSubscribers() ?? []) {
      if (sub.internal) continue;
      if (sub.protocol === 'rtmp') rtmp++;
      else if (sub.protocol === 'http' || sub.protocol === 'ws') flv++;
    }
    let extra = { hls: 0, chat: 0 };
    try {
      extra = this.viewerSource(r.id);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message, room: r.id }, 'viewer source failed');
    }
    return { total: rtmp + flv + extra.hls, rtmp, flv, hls: extra.hls, chat: extra.chat };
  }

  /** Viewers of a room now; emit when they moved; count new rtmp/flv players into look_count. */
  private sample(r: RoomRecord): void {
    const k = this.keyOf(r);
    const s = k ? this.deps.registry.get(`/${r.app}/${k.stream}`) : undefined;
    let fresh = 0;
    if (s) {
      const seen = this.seen.get(r.id) ?? new Set<string>();
      for (const sub of s.allSubscribers()) {
        if (sub.internal || !['rtmp', 'http', 'ws'].includes(sub.protocol) || seen.has(sub.id)) continue;
        seen.add(sub.id);
        fresh++;
      }
      this.seen.set(r.id, seen);
    }
    if (fresh) this.repo().addLooks(r.id, fresh);
    const v = JSON.stringify(this.viewers(r, k?.stream ?? null));
    if (fresh || this.lastViewers.get(r.id) !== v) this.changed(r.id);
  }

  private tick(): void {
    try {
      if (!this.deps.db()) return;
      for (const r of this.repo().list()) if (r.status === 1 || r.status === 2) this.sample(r);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'rooms tick failed');
    }
  }
}

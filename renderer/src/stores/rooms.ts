import { create } from 'zustand';
import type { Room } from '../../../core/contract/rooms';
import type { OnAirClient } from '../client/client';
import { serialReload } from './keys';
import { loadById, withItem, withoutItem } from './by-id';

type Viewers = Room['viewers'];

interface RoomsState {
  byId: Record<number, Room>;
  /** chat members by room (presence.changed's `online`) */
  online: Record<number, string[]>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  /** a command's answer or a room.changed event */
  upsert(r: Room): void;
  /** presence.changed: viewers now; false when the room is not known here */
  onPresence(room: number, viewers: Viewers, online: string[]): boolean;
  remove(id: number): void;
}

/** Live rooms: rooms.list on (re)connect, room.changed and presence.changed in between. */
export const useRooms = create<RoomsState>()((set, get) => ({
  byId: {},
  online: {},
  loaded: false,
  error: null,
  load: (c) => loadById(() => c.call('rooms.list'), set),
  upsert: (r) => set((s) => withItem(s.byId, r)),
  onPresence(room, viewers, online) {
    const r = get().byId[room];
    set((s) => ({ online: { ...s.online, [room]: online } }));
    if (!r) return false;
    set((s) => ({ byId: { ...s.byId, [room]: { ...r, viewers } } }));
    return true;
  },
  remove: (id) => set((s) => withoutItem(s.byId, id)),
}));

/** Newest first (the seed's list order). */
export function sortedRooms(byId: Record<number, Room>): Room[] {
  return Object.values(byId).sort((a, b) => b.created_at - a.created_at || b.id - a.id);
}

/** The room whose stream is /<app>/<name> (room.stream: the key's public name with auth.keys on), if any — the newest one not ended first. */
export function roomOfStream(byId: Record<number, Room>, app: string, name: string): Room | null {
  const mine = sortedRooms(byId).filter((r) => r.app === app && r.stream === name);
  return mine.find((r) => r.status !== 3) ?? mine[0] ?? null;
}

/**
 * Where viewers reach this studio over HTTP: the panel's own origin in a browser; inside the desktop app
 * (app:// or file://) the HTTP listener on this machine.
 */
export function httpBase(ports: { host: string; http: number } | null | undefined): string {
  if (/^https?:$/.test(window.location.protocol)) return window.location.origin;
  const host = !ports?.host || ports.host === '0.0.0.0' || ports.host === '::' ? '127.0.0.1' : ports.host;
  return `http://${host.includes(':') ? `[${host}]` : host}${ports?.http ? `:${ports.http}` : ''}`;
}

/** The full URL of a room's public watch page. */
export function watchUrl(r: Room, base: string): string {
  return new URL(r.watch_path || `/watch/${r.id}`, base).href;
}

/** Keep the store fed: a reload on every (re)connect, events in between. */
export function wireRooms(c: OnAirClient): () => void {
  const reload = serialReload(() => useRooms.getState().load(c));
  const offs = [
    c.onStatus((status) => status === 'open' && reload()),
    c.on('room.changed', (r) => useRooms.getState().upsert(r)),
    c.on('presence.changed', (p) => {
      if (!useRooms.getState().onPresence(p.room, p.viewers, p.online)) reload();
    }),
  ];
  if (c.status === 'open') reload();
  return () => offs.forEach((off) => off());
}

import { create } from 'zustand';
import type { StreamKey } from '../../../core/contract/rooms';
import type { OnAirClient } from '../client/client';
import { loadById, withItem, withoutItem } from './by-id';

interface KeysState {
  byId: Record<string, StreamKey>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  /** a command's answer */
  upsert(k: StreamKey): void;
  remove(id: string): void;
}

/** Stream keys: keys.list on (re)connect and whenever a stream comes or goes (live now, last used). */
export const useKeys = create<KeysState>()((set) => ({
  byId: {},
  loaded: false,
  error: null,
  load: (c) => loadById(() => c.call('keys.list'), set),
  upsert: (k) => set((s) => withItem(s.byId, k)),
  remove: (id) => set((s) => withoutItem(s.byId, id)),
}));

/** A time from the core in ms (a Unix time in seconds, as the seed's signatures use, is scaled). */
export function msOf(t: number): number {
  return t < 1e12 ? t * 1000 : t;
}

/** Oldest first (the order the streamer made them). */
export function sortedKeys(byId: Record<string, StreamKey>): StreamKey[] {
  return Object.values(byId).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}

/** One request at a time; a reason to reload while one is on its way asks once more after it. */
export function serialReload(load: () => Promise<void>): () => void {
  let busy = false;
  let again = false;
  const reload = (): void => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void load().finally(() => {
      busy = false;
      if (again) {
        again = false;
        reload();
      }
    });
  };
  return reload;
}

/** Keep the store fed: a reload on every (re)connect and on every publish/unpublish (a key's "live now"). */
export function wireKeys(c: OnAirClient): () => void {
  const reload = serialReload(() => useKeys.getState().load(c));
  const offs = [
    c.onStatus((status) => status === 'open' && reload()),
    c.on('stream.published', () => reload()),
    c.on('stream.unpublished', () => reload()),
  ];
  if (c.status === 'open') reload();
  return () => offs.forEach((off) => off());
}

import { create } from 'zustand';
import type { Destination, DestinationStatusView } from '../../../core/contract/destinations';
import type { OnAirClient } from '../client/client';
import { loadById, withItem, withoutItem } from './by-id';

/** The platform presets (labels, ingest URLs, RTMPS-only) come from the one leaf the core validates with. */
export { PLATFORM_ORDER, PLATFORM_PRESETS } from '../../../core/contract/platforms';

interface DestinationsState {
  byId: Record<string, Destination>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  /** a command's answer (newer than every event that came before it on the same transport) */
  upsert(d: Destination): void;
  /** a destination.state event; false when the id is not known here (another panel added it) */
  onState(s: DestinationStatusView): boolean;
  remove(id: string): void;
}

/** Restream destinations: destinations.list on (re)connect, destination.state events in between. */
export const useDestinations = create<DestinationsState>()((set, get) => ({
  byId: {},
  loaded: false,
  error: null,
  load: (c) => loadById(() => c.call('destinations.list'), set),
  upsert: (d) => set((s) => withItem(s.byId, d)),
  onState(st) {
    const d = get().byId[st.id];
    if (!d) return false;
    set((s) => ({ byId: { ...s.byId, [st.id]: { ...d, status: st } } }));
    return true;
  },
  remove: (id) => set((s) => withoutItem(s.byId, id)),
}));

/** Oldest first (the order the user added them). */
export function sortedDestinations(byId: Record<string, Destination>): Destination[] {
  return Object.values(byId).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}

/** Destinations fed by (or waiting for) the stream at `path` ("/app/name"). */
export function destinationsOf(byId: Record<string, Destination>, path: string): Destination[] {
  const app = path.split('/')[1];
  return sortedDestinations(byId).filter((d) => {
    if (d.status.stream) return d.status.stream === path;
    return 'stream' in d.source ? d.source.stream === path : d.source.app === app && d.enabled;
  });
}

/** Keep the store fed: a reload on every (re)connect, status events in between. */
export function wireDestinations(c: OnAirClient): () => void {
  // one list request at a time; a reason to reload while one is on its way asks once more after it
  let reloading = false;
  let again = false;
  const reload = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    void useDestinations.getState().load(c).finally(() => {
      reloading = false;
      if (again) {
        again = false;
        reload();
      }
    });
  };
  const offs = [
    c.onStatus((status) => status === 'open' && reload()),
    c.on('destination.state', (s) => {
      if (!useDestinations.getState().onState(s)) reload();
    }),
  ];
  if (c.status === 'open') reload();
  return () => offs.forEach((off) => off());
}

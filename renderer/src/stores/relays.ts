import { create } from 'zustand';
import type { Relay } from '../../../core/contract/relays';
import type { OnAirClient } from '../client/client';
import { loadById, withItem, withoutItem } from './by-id';

interface RelaysState {
  byId: Record<string, Relay>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  /** a command's answer or a relay.state event (both carry the whole relay) */
  upsert(r: Relay): void;
  remove(id: string): void;
}

/** Relays (static sources, config-file pull/push tasks): relays.list on (re)connect, relay.state events in between. */
export const useRelays = create<RelaysState>()((set) => ({
  byId: {},
  loaded: false,
  error: null,
  load: (c) => loadById(() => c.call('relays.list'), set),
  upsert: (r) => set((s) => withItem(s.byId, r)),
  remove: (id) => set((s) => withoutItem(s.byId, id)),
}));

/** Static relays first (the Sources the user manages), then pull/push tasks; each group in the order added. */
export function sortedRelays(byId: Record<string, Relay>): Relay[] {
  const rank = (r: Relay): number => (r.mode === 'static' ? 0 : 1);
  return Object.values(byId).sort((a, b) => rank(a) - rank(b));
}

/** Keep the store fed: a reload on every (re)connect, relay.state events in between. */
export function wireRelays(c: OnAirClient): () => void {
  const offs = [
    c.onStatus((status) => status === 'open' && void useRelays.getState().load(c)),
    c.on('relay.state', (r) => {
      // a removed relay may send a last 'stopped' after its removal answer: keep it gone
      if (useRelays.getState().byId[r.id] || r.state !== 'stopped') useRelays.getState().upsert(r);
    }),
  ];
  if (c.status === 'open') void useRelays.getState().load(c);
  return () => offs.forEach((off) => off());
}

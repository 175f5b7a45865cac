import { create } from 'zustand';
import type { StreamHealth } from '../../../core/contract';
import type { OnAirClient } from '../client/client';

interface HealthStore {
  /** live streams' health by path */
  byPath: Record<string, StreamHealth>;
  load(c: OnAirClient): Promise<void>;
  onChanged(stream: string, health: StreamHealth | null): void;
}

/** Stream health (issue 14): health.get on (re)connect, health.changed events in between. */
export const useHealth = create<HealthStore>()((set) => ({
  byPath: {},
  async load(c) {
    try {
      const list = await c.call('health.get', {});
      set({ byPath: Object.fromEntries(list.map((h) => [h.stream, h])) });
    } catch {
      // an older core without health: no pills
    }
  },
  onChanged: (stream, health) =>
    set((st) => {
      const byPath = { ...st.byPath };
      if (health) byPath[stream] = health;
      else delete byPath[stream];
      return { byPath };
    }),
}));

export function wireHealth(c: OnAirClient): () => void {
  const offs = [
    c.onStatus((status) => status === 'open' && void useHealth.getState().load(c)),
    c.on('health.changed', (d) => useHealth.getState().onChanged(d.stream, d.health)),
  ];
  if (c.status === 'open') void useHealth.getState().load(c);
  return () => offs.forEach((off) => off());
}

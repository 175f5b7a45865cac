import { create } from 'zustand';
import type { EventData, ServerStatus } from '../../../core/contract';

type Tick = EventData<'server.stats'>;

interface ServerState {
  status: ServerStatus | null;
  tick: Tick | null;
  /** what /api media URLs carry as ?token= (null: the API gate is off) */
  panelToken: string | null;
  setStatus(s: ServerStatus): void;
  onTick(t: Tick): void;
}

/** Server health: the last server.status answer and the latest server.stats tick. */
export const useServer = create<ServerState>()((set) => ({
  status: null,
  tick: null,
  panelToken: null,
  setStatus: (status) => set({ status }),
  onTick: (tick) =>
    set((s) => ({
      tick,
      // keep the status' live numbers in step without asking again
      status: s.status ? { ...s.status, stats: tick.stats, uptime: tick.stats.nodejs.uptime } : s.status,
    })),
}));

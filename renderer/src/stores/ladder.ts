import { create } from 'zustand';
import type { StreamInfo } from '../../../core/contract';
import type { LadderSetting, LadderState } from '../../../core/contract/ladder';
import type { OnAirClient } from '../client/client';

export interface LadderSettings {
  apps: Record<string, LadderSetting>;
  streams: Record<string, LadderSetting>;
  on_demand: boolean;
}

interface LadderStore {
  /** live ladder states by source path ("/app/name") */
  bySource: Record<string, LadderState>;
  /** the saved settings (null until loaded) */
  settings: LadderSettings | null;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  loadSettings(c: OnAirClient): Promise<void>;
  /** a ladder.state event (the whole state of one source's ladder) */
  upsert(s: LadderState): void;
}

/** Bitrate ladders (issue 12): ladder.list + ladder.settings on (re)connect, ladder.state events in between. */
export const useLadder = create<LadderStore>()((set) => ({
  bySource: {},
  settings: null,
  error: null,
  async load(c) {
    try {
      const list = await c.call('ladder.list');
      const bySource: Record<string, LadderState> = {};
      for (const s of list) bySource[s.source] = s;
      set({ bySource, error: null });
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  async loadSettings(c) {
    try {
      set({ settings: await c.call('ladder.settings') });
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  upsert: (s) => set((st) => ({ bySource: { ...st.bySource, [s.source]: s } })),
}));

/** The source a rung stream was made from ("/live/k" for "/live/k_720"), null for any other stream. */
export function rungOf(s: StreamInfo): string | null {
  return s.rung_of ?? null;
}

/** A ladder that makes rungs now (not off, not failed with nothing live). */
export function ladderActive(l: LadderState | undefined): l is LadderState {
  return !!l && l.state !== 'off' && l.rungs.length > 0;
}

/** The HLS master playlist of a source's ladder, derived from its HLS URL (same host, same token query). */
export function abrUrlOf(hls: string | null | undefined): string | null {
  if (!hls) return null;
  return hls.replace(/\/index\.m3u8(?=$|\?)/, '/abr.m3u8');
}

/** Keep the store fed: a reload on every (re)connect, ladder.state events in between. */
export function wireLadder(c: OnAirClient): () => void {
  const reload = (): void => {
    void useLadder.getState().load(c);
    void useLadder.getState().loadSettings(c);
  };
  const offs = [c.onStatus((status) => status === 'open' && reload()), c.on('ladder.state', (s) => useLadder.getState().upsert(s))];
  if (c.status === 'open') reload();
  return () => offs.forEach((off) => off());
}

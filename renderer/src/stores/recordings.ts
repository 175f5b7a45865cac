import { create } from 'zustand';
import type { DiskUsage, Recording } from '../../../core/contract';
import type { OnAirClient } from '../client/client';

interface RecordingsState {
  /** newest first */
  list: Recording[];
  disk: DiskUsage | null;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  upsert(r: Recording): void;
  remove(id: string): void;
}

const newestFirst = (a: Recording, b: Recording): number => b.startedAt - a.startedAt;

/** The recordings library: recordings.list on (re)connect and on demand, recording.* events in between. */
export const useRecordings = create<RecordingsState>()((set) => ({
  list: [],
  disk: null,
  loaded: false,
  error: null,
  async load(c) {
    try {
      const r = await c.call('recordings.list');
      set({ list: [...r.recordings].sort(newestFirst), disk: r.disk, loaded: true, error: null });
    } catch (e) {
      set({ loaded: true, error: (e as Error).message });
    }
  },
  upsert: (r) => set((s) => ({ list: [r, ...s.list.filter((x) => x.id !== r.id)].sort(newestFirst) })),
  remove: (id) => set((s) => ({ list: s.list.filter((x) => x.id !== id) })),
}));

/** The recording running for a stream path, if any. */
export function activeRecording(list: Recording[], stream: string): Recording | undefined {
  return list.find((r) => r.stream === stream && r.status === 'recording');
}

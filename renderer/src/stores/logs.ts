import { create } from 'zustand';
import type { LogRecordData } from '../../../core/contract';

const MAX = 1000;

interface LogsState {
  records: LogRecordData[];
  paused: boolean;
  /** records that arrived while paused */
  held: LogRecordData[];
  setAll(r: LogRecordData[]): void;
  add(r: LogRecordData): void;
  setPaused(p: boolean): void;
  clear(): void;
}

const cap = (a: LogRecordData[]): LogRecordData[] => (a.length > MAX ? a.slice(a.length - MAX) : a);

/** The tail of structured logs, fed by `log` events. */
export const useLogs = create<LogsState>()((set) => ({
  records: [],
  paused: false,
  held: [],
  setAll: (records) => set({ records: cap(records), held: [] }),
  add: (r) => set((s) => (s.paused ? { held: cap([...s.held, r]) } : { records: cap([...s.records, r]) })),
  setPaused: (paused) => set((s) => (paused ? { paused } : { paused, records: cap([...s.records, ...s.held]), held: [] })),
  clear: () => set({ records: [], held: [] }),
}));

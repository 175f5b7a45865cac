import { create } from 'zustand';
import type { StreamInfo } from '../../../core/contract';

export interface Sample {
  /** ms epoch */
  t: number;
  /** bits per second in */
  bin: number;
  bout: number;
  fps: number;
}

/** 5 minutes of 1 s samples */
export const HISTORY_MS = 5 * 60_000;
const MAX_SAMPLES = 330;

interface StreamsState {
  /** live streams by path */
  streams: Record<string, StreamInfo>;
  history: Record<string, Sample[]>;
  loaded: boolean;
  setList(list: StreamInfo[]): void;
  onTick(at: number, list: StreamInfo[]): void;
  onPublished(s: StreamInfo): void;
  onUnpublished(path: string): void;
}

function byPath(list: StreamInfo[]): Record<string, StreamInfo> {
  const out: Record<string, StreamInfo> = {};
  for (const s of list) out[s.path] = s;
  return out;
}

/** Live streams fed by stream.* events, with a bitrate/fps history per stream for the charts. */
export const useStreams = create<StreamsState>()((set) => ({
  streams: {},
  history: {},
  loaded: false,
  setList: (list) =>
    set((st) => {
      const streams = byPath(list);
      const history: Record<string, Sample[]> = {};
      for (const p of Object.keys(streams)) history[p] = st.history[p] ?? [];
      return { streams, history, loaded: true };
    }),
  onTick: (at, list) =>
    set((st) => {
      const streams = byPath(list);
      const history: Record<string, Sample[]> = {};
      for (const s of list) {
        const prev = st.history[s.path] ?? [];
        const next = prev.length >= MAX_SAMPLES ? prev.slice(prev.length - MAX_SAMPLES + 1) : prev.slice();
        next.push({ t: at, bin: s.bitrateIn, bout: s.bitrateOut, fps: s.fps });
        history[s.path] = next;
      }
      return { streams, history, loaded: true };
    }),
  onPublished: (s) => set((st) => ({ streams: { ...st.streams, [s.path]: s }, history: { ...st.history, [s.path]: [] } })),
  onUnpublished: (path) =>
    set((st) => {
      const streams = { ...st.streams };
      const history = { ...st.history };
      delete streams[path];
      delete history[path];
      return { streams, history };
    }),
}));

export function sortedStreams(m: Record<string, StreamInfo>): StreamInfo[] {
  return Object.values(m).sort((a, b) => a.path.localeCompare(b.path));
}

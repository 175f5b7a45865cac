import { create } from 'zustand';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** 0..1 */
  fraction: number;
  /** 'sending' until the studio answers; then the job card takes over (or the error stays here) */
  state: 'sending' | 'checking' | 'failed';
  error: string | null;
  abort: (() => void) | null;
}

interface UploadsState {
  items: UploadItem[];
  add(item: UploadItem): void;
  patch(key: string, p: Partial<UploadItem>): void;
  remove(key: string): void;
}

/** Files on their way to the studio (browser uploads, or a path being checked); they become jobs. */
export const useUploads = create<UploadsState>()((set) => ({
  items: [],
  add: (item) => set((s) => ({ items: [...s.items, item] })),
  patch: (key, p) => set((s) => ({ items: s.items.map((x) => (x.key === key ? { ...x, ...p } : x)) })),
  remove: (key) => set((s) => ({ items: s.items.filter((x) => x.key !== key) })),
}));

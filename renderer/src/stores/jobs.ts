import { create } from 'zustand';
import type { Job, JobProgress } from '../../../core/contract';
import type { OnAirClient } from '../client/client';

interface JobsState {
  jobs: Record<string, Job>;
  /** job id -> ms epoch of the automatic retry the queue announced */
  retryAt: Record<string, number>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  upsert(j: Job, retryAt?: number | null): void;
  progress(id: string, p: JobProgress): void;
}

/** The transcode queue as the panel shows it: jobs.list on (re)connect, job.* events in between. */
export const useJobs = create<JobsState>()((set) => ({
  jobs: {},
  retryAt: {},
  loaded: false,
  error: null,
  async load(c) {
    const asked = Date.now();
    try {
      const list = await c.call('jobs.list', { limit: 200 });
      set((s) => {
        const jobs: Record<string, Job> = {};
        for (const j of list) jobs[j.id] = j;
        // a job that changed while the list was on its way (an upload that just finished) stays
        for (const j of Object.values(s.jobs)) if (j.updated_at >= asked && (!jobs[j.id] || jobs[j.id].updated_at < j.updated_at)) jobs[j.id] = j;
        return { jobs, loaded: true, error: null };
      });
    } catch (e) {
      set({ loaded: true, error: (e as Error).message });
    }
  },
  upsert: (j, retryAt) =>
    set((s) => {
      const next = { ...s.retryAt };
      if (retryAt) next[j.id] = retryAt;
      else delete next[j.id];
      // an older snapshot (a slow answer) never replaces a newer event
      const prev = s.jobs[j.id];
      if (prev && prev.updated_at > j.updated_at) return { retryAt: next };
      return { jobs: { ...s.jobs, [j.id]: j }, retryAt: next };
    }),
  progress: (id, p) =>
    set((s) => {
      const j = s.jobs[id];
      return j && j.status === 'running' ? { jobs: { ...s.jobs, [id]: { ...j, progress: p } } } : {};
    }),
}));

const GROUP: Record<Job['status'], number> = { running: 0, queued: 1, failed: 2, cancelled: 2, done: 2 };

/** Running first, then the queue in run order (priority, then position), then finished jobs, newest first. */
export function sortJobs(jobs: Record<string, Job>): Job[] {
  return Object.values(jobs).sort((a, b) => {
    const g = GROUP[a.status] - GROUP[b.status];
    if (g) return g;
    if (a.status === 'queued') return b.priority - a.priority || a.position - b.position || a.created_at - b.created_at;
    if (a.status === 'running') return (a.started_at ?? 0) - (b.started_at ?? 0);
    return (b.finished_at ?? b.updated_at) - (a.finished_at ?? a.updated_at);
  });
}

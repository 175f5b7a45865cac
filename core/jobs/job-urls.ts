import type { Job } from '../contract/jobs';
import { coverName } from './covers';
import { MASTER_NAME } from './hls-master';
import { planRenditions } from './ladder';
import { outputUrl } from './transcode';

/** Seed 000's answer: `liveAddress` (the SD / lowest rendition), `hdAddress` (the highest), `cover[]`. */
export interface CompatAddresses {
  liveAddress: string;
  hdAddress: string;
  cover: string[];
  /** ours: the master playlist (every rendition, for adaptive players) */
  masterAddress: string;
  /** ours: the job id, for /api and the panel */
  id: string;
}

/**
 * The URLs a job's outputs will have once it is done. Known at creation (the plan depends only on the
 * probe and the options), so the seed API can answer before the transcode runs.
 */
export function plannedAddresses(job: Job, baseUrl: string): CompatAddresses {
  const plan = planRenditions(job.options.renditions, job.input.probe);
  const base = baseUrl.replace(/\/+$/, '');
  const url = (f: string): string => base + outputUrl(job.options.out_dir, f);
  const hi = plan[0];
  const lo = plan[plan.length - 1];
  return {
    liveAddress: url(`${lo.name}.m3u8`),
    hdAddress: url(`${hi.name}.m3u8`),
    cover: job.options.covers.times.map((_t, i) => url(coverName(i))),
    masterAddress: url(MASTER_NAME),
    id: job.id,
  };
}

/** `scheme://host[:port]` from a request's Host header, or null when the header is not a plain host. */
export function baseUrlFromHost(host: string | undefined, secure = false): string | null {
  if (!host || !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(host)) return null;
  return `${secure ? 'https' : 'http'}://${host}`;
}

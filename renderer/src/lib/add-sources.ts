import type { RenditionName, TranscodeOptions } from '../../../core/contract';
import type { LADDER_PRESETS } from '../../../core/contract/jobs';
import { client, ClientError } from '../client/client';
import { useJobs } from '../stores/jobs';
import { useUploads } from '../stores/uploads';
import { uploadJob } from './upload';

export type LadderId = keyof typeof LADDER_PRESETS;

/** The ladders of core/contract/jobs.ts (kept here so the panel does not bundle zod; the keys are checked). */
export const LADDERS: Record<LadderId, readonly RenditionName[]> = {
  'hd+sd': ['720p', '480p'],
  full: ['1080p', '720p', '480p', '360p'],
  hd: ['1080p', '720p'],
  sd: ['480p', '360p'],
};

/** Uploads at a time (20 dropped files queue up here, not in the network stack). */
const PARALLEL = 2;
let seq = 0;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function upload(file: File, options: TranscodeOptions, uploadUrl: string, key: string): Promise<void> {
  const u = useUploads.getState();
  const up = uploadJob(uploadUrl, file, options, (fraction) => u.patch(key, { fraction, state: fraction >= 1 ? 'checking' : 'sending' }));
  u.patch(key, { abort: up.abort });
  const job = await up.done;
  useJobs.getState().upsert(job);
}

/** Desktop app: the file's own path (webUtils through the preload); '' in a browser. */
function localPath(file: File): string {
  try {
    return window.onair?.pathForFile?.(file) ?? '';
  } catch {
    return '';
  }
}

async function addOne(file: File, options: TranscodeOptions, uploadUrl: string | null): Promise<void> {
  const key = `up-${++seq}`;
  const u = useUploads.getState();
  u.add({ key, name: file.name, size: file.size, fraction: 0, state: 'checking', error: null, abort: null });
  try {
    const path = localPath(file);
    if (path) {
      try {
        useJobs.getState().upsert(await client().call('jobs.transcode', { source: { type: 'path', path }, options: { ...options, title: file.name } }));
        return u.remove(key);
      } catch (e) {
        // outside jobs.allowed_roots (or refused for another reason): send the bytes instead
        if (!(e instanceof ClientError && e.code === 'VALIDATION') || !uploadUrl) throw e;
      }
    }
    if (!uploadUrl) throw new Error('the studio address is not known yet');
    u.patch(key, { state: 'sending' });
    await upload(file, options, uploadUrl, key);
    u.remove(key);
  } catch (e) {
    u.patch(key, { state: 'failed', error: message(e), abort: null });
  }
}

/** Queue transcodes for dropped or picked files, a few uploads at a time. */
export async function addFiles(files: File[], options: TranscodeOptions, uploadUrl: string | null): Promise<void> {
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f; f = queue.shift()) await addOne(f, options, uploadUrl);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
}

/** Queue a transcode of a URL (http/https) or a path on the studio machine. */
export async function addSource(text: string, options: TranscodeOptions): Promise<void> {
  const v = text.trim();
  const source = /^https?:\/\//i.test(v) ? { type: 'url' as const, url: v } : { type: 'path' as const, path: v };
  useJobs.getState().upsert(await client().call('jobs.transcode', { source, options }));
}

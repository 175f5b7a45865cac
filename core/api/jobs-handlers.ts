import type { z } from 'zod';
import type { jobCommands } from '../contract/jobs';
import { OnAirError } from '../errors';
import type { JobEngine } from '../jobs/engine';
import { InputError } from '../jobs/probe';

/**
 * Contract handlers for the jobs.* and recordings.fromStream commands, ready to spread into the
 * dispatcher's handler map. Refusals come out as OnAirError VALIDATION / NOT_FOUND (which the
 * dispatcher already maps); anything else is INTERNAL.
 */

type JobCommands = typeof jobCommands;
type Args<K extends keyof JobCommands> = z.output<JobCommands[K]['args']>;
type Result<K extends keyof JobCommands> = z.input<JobCommands[K]['result']>;
export type JobHandlers = { [K in keyof JobCommands]: (args: Args<K>) => Promise<Result<K>> };

async function refusals<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError && e.reason === 'missing') throw new OnAirError('NOT_FOUND', e.message, e);
    if (e instanceof InputError) throw new OnAirError('VALIDATION', e.message, e);
    throw e;
  }
}

export function createJobHandlers(engine: JobEngine): JobHandlers {
  return {
    'jobs.transcode': (a) => refusals(() => engine.transcode({ source: a.source, options: a.options })),
    'jobs.list': (a) => refusals(() => engine.list({ status: a?.status, limit: a?.limit })),
    'jobs.get': (a) => refusals(() => engine.get(a.id)),
    'jobs.cancel': (a) => refusals(() => engine.cancel(a.id)),
    'jobs.retry': (a) => refusals(() => engine.retry(a.id)),
    'jobs.reorder': (a) => refusals(() => engine.reorder(a.ids)),
    'recordings.fromStream': (a) =>
      refusals(async () => {
        if (a.callback) await engine.checkCallback(a.callback);
        return engine.recorder.start({ app: a.app, name: a.name, duration: a.duration, callback: a.callback ? { url: a.callback, extra: {} } : null });
      }),
  };
}

import path from 'node:path';
import type { z } from 'zod';
import type { commands } from '../contract/commands';
import type { recordingCommands } from '../contract/recordings';
import { isOnAirError, OnAirError } from '../errors';
import type { RecordingManager } from '../record/recordings';
import type { JobEngine } from '../jobs/engine';
import { CommandError } from './command-error';

/**
 * Contract handlers for recordings.* (the live fMP4 recorder) and jobs.reveal, ready to spread into the
 * dispatcher's handler map. A refusal the user can act on (already recording, disk low) keeps its
 * message; CONFLICT answers VALIDATION as jobs-handlers.ts does.
 */

type RecCommands = typeof recordingCommands;
type Args<K extends keyof RecCommands> = z.output<RecCommands[K]['args']>;
type Result<K extends keyof RecCommands> = z.input<RecCommands[K]['result']>;
export type RecordingHandlers = { [K in keyof RecCommands]: (args: Args<K>) => Result<K> | Promise<Result<K>> };
type RevealResult = z.output<(typeof commands)['jobs.reveal']['result']>;

function refusals<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isOnAirError(e) && e.code === 'CONFLICT') throw new OnAirError('VALIDATION', e.message, e);
    // disk low or the folder not writable: the reason is for the user, not an internal fault
    if (isOnAirError(e) && e.code === 'IO') throw new CommandError('INTERNAL', e.message);
    throw e;
  }
}

export function createRecordingHandlers(rec: RecordingManager): RecordingHandlers {
  return {
    'recordings.list': () => refusals(() => ({ recordings: rec.list(), disk: rec.disk() })),
    'recordings.get': ({ id }) => refusals(() => rec.get(id)),
    'recordings.start': ({ stream }) => refusals(() => rec.start(stream)),
    // the final state: the recorder has finished the file (bounded wait)
    'recordings.stop': ({ id }) => refusals(() => rec.stop(id)),
    'recordings.delete': ({ id }) =>
      refusals(() => {
        rec.delete(id);
        return { ok: true as const };
      }),
    'recordings.reveal': ({ id }) =>
      refusals(() => {
        const r = rec.get(id);
        return { file: r.file, folder: path.dirname(r.file) };
      }),
  };
}

/** jobs.reveal: the output folder of a finished job and its master playlist. */
export function revealJob(engine: JobEngine, id: string): RevealResult {
  const job = engine.get(id);
  if (!job.result) throw new CommandError('NOT_FOUND', `job ${id} has no output (it is ${job.status})`);
  return { file: path.join(job.result.dir, path.posix.basename(job.result.master)), folder: job.result.dir };
}

import path from 'node:path';
import type { z } from 'zod';
import type { commands } from '../contract/commands';
import type { recordingCommands } from '../contract/recordings';
import type { RecordingManager } from '../record/recordings';
import type { JobEngine } from '../jobs/engine';
import { CommandError } from './command-error';

/**
 * Contract handlers for recordings.* (the live fMP4 recorder) and jobs.reveal, ready to spread into the
 * dispatcher's handler map. Errors reach the contract through the one table in core/errors.ts: a refusal the
 * user can act on (already recording: CONFLICT → VALIDATION; disk low: IO) keeps its message.
 */

type RecCommands = typeof recordingCommands;
type Args<K extends keyof RecCommands> = z.output<RecCommands[K]['args']>;
type Result<K extends keyof RecCommands> = z.input<RecCommands[K]['result']>;
export type RecordingHandlers = { [K in keyof RecCommands]: (args: Args<K>) => Result<K> | Promise<Result<K>> };
type RevealResult = z.output<(typeof commands)['jobs.reveal']['result']>;

export function createRecordingHandlers(rec: RecordingManager): RecordingHandlers {
  return {
    'recordings.list': () => ({ recordings: rec.list(), disk: rec.disk() }),
    'recordings.get': ({ id }) => rec.get(id),
    'recordings.start': ({ stream }) => rec.start(stream),
    // the final state: the recorder has finished the file (bounded wait)
    'recordings.stop': ({ id }) => rec.stop(id),
    'recordings.delete': ({ id }) => {
      rec.delete(id);
      return { ok: true as const };
    },
    'recordings.reveal': ({ id }) => {
      const r = rec.get(id);
      return { file: r.file, folder: path.dirname(r.file) };
    },
  };
}

/** jobs.reveal: the output folder of a finished job and its master playlist. */
export function revealJob(engine: JobEngine, id: string): RevealResult {
  const job = engine.get(id);
  if (!job.result) throw new CommandError('NOT_FOUND', `job ${id} has no output (it is ${job.status})`);
  return { file: path.join(job.result.dir, path.posix.basename(job.result.master)), folder: job.result.dir };
}

import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { JobInputSchema, JobOptionsSchema, JobProgressSchema, TranscodeResultSchema, type Job, type JobStatus } from '../contract/jobs';
import { OnAirError } from '../errors';

interface JobRow {
  id: string;
  kind: string;
  status: string;
  priority: number;
  position: number;
  input: string;
  options: string;
  progress: string | null;
  result: string | null;
  error: string | null;
  note: string | null;
  /** migration 11 */
  worker: string | null;
  attempts: number;
  run_after: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string, id: string): T {
  try {
    return schema.parse(JSON.parse(text));
  } catch (e) {
    throw new OnAirError('INTERNAL', `job ${id}: stored ${what} is unreadable`, e);
  }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: 'transcode',
    status: r.status as JobStatus,
    priority: r.priority,
    position: r.position,
    input: parseJson(JobInputSchema, r.input, 'input', r.id),
    options: parseJson(JobOptionsSchema, r.options, 'options', r.id),
    progress: r.progress ? parseJson(JobProgressSchema, r.progress, 'progress', r.id) : null,
    result: r.result ? parseJson(TranscodeResultSchema, r.result, 'result', r.id) : null,
    error: r.error,
    note: r.note,
    worker: r.worker,
    attempts: r.attempts,
    run_after: r.run_after,
    created_at: r.created_at,
    updated_at: r.updated_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
  };
}

export type JobPatch = Partial<Pick<Job, 'status' | 'priority' | 'position' | 'progress' | 'result' | 'error' | 'note' | 'worker' | 'attempts' | 'run_after' | 'started_at' | 'finished_at'>>;

const JSON_FIELDS = new Set(['progress', 'result']);
const ORDER = `CASE status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END, CASE WHEN status IN ('running','queued') THEN -priority ELSE 0 END, CASE WHEN status IN ('running','queued') THEN position ELSE 0 END, COALESCE(finished_at, created_at) DESC`;

/** The jobs table. Synchronous (better-sqlite3); every write stamps updated_at. */
export class JobsRepo {
  private readonly sGet: BetterSqlite3.Statement<[string], JobRow>;
  private readonly sNext: BetterSqlite3.Statement<[number], JobRow>;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.sGet = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?');
    this.sNext = db.prepare<[number], JobRow>(
      "SELECT * FROM jobs WHERE status = 'queued' AND run_after <= ? ORDER BY priority DESC, position ASC, created_at ASC LIMIT 1",
    );
  }

  insert(j: Job): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, status, priority, position, input, options, progress, result, error, note, worker, attempts, run_after, created_at, updated_at, started_at, finished_at)
         VALUES (@id, @kind, @status, @priority, @position, @input, @options, @progress, @result, @error, @note, @worker, @attempts, @run_after, @created_at, @updated_at, @started_at, @finished_at)`,
      )
      .run({
        ...j,
        input: JSON.stringify(j.input),
        options: JSON.stringify(j.options),
        progress: j.progress ? JSON.stringify(j.progress) : null,
        result: j.result ? JSON.stringify(j.result) : null,
      });
  }

  get(id: string): Job | null {
    const r = this.sGet.get(id);
    return r ? toJob(r) : null;
  }

  /** running first, then queued in run order, then finished (newest first) */
  list(o: { status?: readonly JobStatus[]; limit?: number } = {}): Job[] {
    const where = o.status && o.status.length ? `WHERE status IN (${o.status.map(() => '?').join(',')})` : '';
    const rows = this.db.prepare<unknown[], JobRow>(`SELECT * FROM jobs ${where} ORDER BY ${ORDER} LIMIT ?`).all(...(o.status ?? []), o.limit ?? 500);
    return rows.map(toJob);
  }

  update(id: string, patch: JobPatch): Job {
    const keys = Object.keys(patch) as Array<keyof JobPatch>;
    const sets = keys.map((k) => `${k} = @${k}`);
    const params: Record<string, unknown> = { id, updated_at: Date.now() };
    for (const k of keys) {
      const v = patch[k];
      params[k] = JSON_FIELDS.has(k) && v !== null && v !== undefined ? JSON.stringify(v) : v;
    }
    this.db.prepare(`UPDATE jobs SET ${[...sets, 'updated_at = @updated_at'].join(', ')} WHERE id = @id`).run(params);
    const j = this.get(id);
    if (!j) throw new OnAirError('NOT_FOUND', `no job ${id}`);
    return j;
  }

  /** The next job allowed to start now: highest priority, then position, then age. */
  next(now = Date.now()): Job | null {
    const r = this.sNext.get(now);
    return r ? toJob(r) : null;
  }

  /** The earliest run_after among waiting retries (for the wake-up timer), or null. */
  nextWake(now = Date.now()): number | null {
    const r = this.db.prepare<[number], { t: number | null }>("SELECT MIN(run_after) AS t FROM jobs WHERE status = 'queued' AND run_after > ?").get(now);
    return r?.t ?? null;
  }

  maxPosition(): number {
    const r = this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM jobs').get();
    return r?.p ?? 0;
  }

  /** Jobs left 'running' by a previous process go back to 'queued' with a note. Returns their ids. */
  requeueInterrupted(note: string): string[] {
    const ids = this.db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE status = 'running'").all().map((r) => r.id);
    if (ids.length) {
      this.db.prepare("UPDATE jobs SET status = 'queued', note = ?, progress = NULL, run_after = 0, updated_at = ? WHERE status = 'running'").run(note, Date.now());
    }
    return ids;
  }

  /** Renumber queued jobs: `ids` first in that order, then the others in their current order. */
  reorder(ids: readonly string[]): void {
    const queued = this.db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE status = 'queued' ORDER BY position ASC, created_at ASC").all().map((r) => r.id);
    const known = new Set(queued);
    const first = ids.filter((id) => known.has(id));
    const rest = queued.filter((id) => !first.includes(id));
    const set = this.db.prepare('UPDATE jobs SET position = ?, updated_at = ? WHERE id = ?');
    const now = Date.now();
    this.db.transaction(() => {
      [...first, ...rest].forEach((id, i) => set.run(i + 1, now, id));
    })();
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }
}

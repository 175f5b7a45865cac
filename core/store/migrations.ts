import type BetterSqlite3 from 'better-sqlite3';
import { OnAirError } from '../errors';
import { DESTINATIONS_MIGRATION } from './destinations-repo';
import { HEALTH_MIGRATION } from './health-repo';
import { KEYS_STREAM_MIGRATION } from './keys-repo';
import { PROCESSES_MIGRATION } from './processes-repo';
import { RECORDINGS_MIGRATION } from './recordings-repo';
import { RELAYS_MIGRATION } from './relays-repo';
import { ROOMS_MIGRATION } from './rooms-repo';
import { SEED_RECORDINGS_MIGRATION } from './seed-recordings-repo';
import { TIMELINE_MIGRATION } from './timeline-repo';
import { UPLOADS_MIGRATION } from './uploads-repo';

/**
 * Schema steps, applied in order; `PRAGMA user_version` holds how many have run. Later features add
 * tables by APPENDING a step — never edit or reorder one that has shipped.
 */
export const migrations: readonly string[] = [
  // 1: the job queue
  `CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    position REAL NOT NULL DEFAULT 0,
    input TEXT NOT NULL,
    options TEXT NOT NULL,
    progress TEXT,
    result TEXT,
    error TEXT,
    note TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE INDEX jobs_pick ON jobs (status, priority DESC, position, created_at);`,
  // 2: the recordings index (live streams recorded to fragmented MP4)
  RECORDINGS_MIGRATION,
  // 3: ffmpeg/ffprobe processes while they run (killed at the next start if they outlived a crash),
  //    and seed-000 /recording requests with the callback they are owed
  `${PROCESSES_MIGRATION}\n${SEED_RECORDINGS_MIGRATION}`,
  // 4: restream destinations (stream keys encrypted; `enabled` kept so a restart resumes them)
  DESTINATIONS_MIGRATION,
  // 5: relay tasks added through the API (encrypted: edges may carry user:password) and Start/Stop of config tasks
  RELAYS_MIGRATION,
  // 6: stream keys, live rooms, chat messages and bans (issue 13; chat repo: chat-repo.ts)
  ROOMS_MIGRATION,
  // 7: each stream key's public stream name (with auth.keys on, a key publishes at /<app>/<stream>, never /<app>/<key>)
  KEYS_STREAM_MIGRATION,
  // 8: per-minute stream and server health samples for the charts (issue 14; health-repo.ts; IF NOT EXISTS: order-proof)
  HEALTH_MIGRATION,
  // 9: the health timeline (issue 14; timeline-repo.ts; IF NOT EXISTS: order-proof)
  TIMELINE_MIGRATION,
  // 10: the object-storage upload queue (issue 15; uploads-repo.ts; IF NOT EXISTS: order-proof)
  UPLOADS_MIGRATION,
  // 11: which `onair worker` runs or ran a job (jobs.queue "bullmq"; NULL for the embedded queue)
  'ALTER TABLE jobs ADD COLUMN worker TEXT;',
];

/** Bring a database up to date. A database newer than this build refuses to open (CONFIG). */
export function migrate(db: BetterSqlite3.Database, steps: readonly string[] = migrations): number {
  // IMMEDIATE: two processes opening a fresh database at once must not both run step 1
  db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > steps.length) {
      throw new OnAirError('CONFIG', `database schema v${current} is newer than this build (v${steps.length})`);
    }
    for (let v = current; v < steps.length; v++) {
      db.exec(steps[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
  return steps.length;
}

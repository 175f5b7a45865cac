import type BetterSqlite3 from 'better-sqlite3';

/** One child process the studio spawned (ffmpeg/ffprobe), written down while it runs. */
export interface ProcessRow {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot); null where there is no /proc */
  startTime: string | null;
  /** the machine's boot id when recorded (pids and start times restart with the machine) */
  bootId: string | null;
  /** the program's file name (the kernel's comm, at most 15 characters) */
  cmd: string;
  /** transcode, probe, cover, snapshot, thumbnail… */
  kind: string;
  jobId: string | null;
  /** spawned detached: the pid leads its own process group */
  groupLeader: boolean;
  createdAt: number;
}

interface Row {
  pid: number;
  start_time: string | null;
  boot_id: string | null;
  cmd: string;
  kind: string;
  job_id: string | null;
  group_leader: number;
  created_at: number;
}

/** Migration step for the child-process table (appended to the store's migrations). */
export const PROCESSES_MIGRATION = `CREATE TABLE child_processes (
  pid INTEGER PRIMARY KEY,
  start_time TEXT,
  boot_id TEXT,
  cmd TEXT NOT NULL,
  kind TEXT NOT NULL,
  job_id TEXT,
  group_leader INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);`;

export class ProcessesRepo {
  constructor(private readonly db: BetterSqlite3.Database) {}

  add(p: ProcessRow): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO child_processes (pid, start_time, boot_id, cmd, kind, job_id, group_leader, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(p.pid, p.startTime, p.bootId, p.cmd, p.kind, p.jobId, p.groupLeader ? 1 : 0, p.createdAt);
  }

  remove(pid: number): void {
    this.db.prepare('DELETE FROM child_processes WHERE pid = ?').run(pid);
  }

  list(): ProcessRow[] {
    return (this.db.prepare('SELECT * FROM child_processes ORDER BY created_at').all() as Row[]).map((r) => ({
      pid: r.pid, startTime: r.start_time, bootId: r.boot_id, cmd: r.cmd, kind: r.kind, jobId: r.job_id, groupLeader: r.group_leader === 1, createdAt: r.created_at,
    }));
  }
}

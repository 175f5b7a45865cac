import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ProcessesRepo, ProcessRow } from '../store/processes-repo';
import type { ProcessTracker } from './budget';

/**
 * Child processes written down in the store while they run, and the start-up sweep that kills the
 * ones a crashed (kill -9) studio left behind — only when the pid is still the same process: same
 * start time since the same boot (Linux /proc), and the same program name.
 */

export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime (all threads), clock ticks */
  ticks: number;
  startTime: string;
}

/** /proc/<pid>/stat, or null when there is no such process (or no /proc). */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  // after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
  return { comm: text.slice(text.indexOf('(') + 1, close), state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]), startTime: f[19] };
}

let bootIdCache: string | null | undefined;
export function bootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** the kernel's comm for a program path: its file name, at most 15 characters */
export const commOf = (bin: string): string => path.basename(bin).slice(0, 15);

/** Writes every process into the store while it runs. */
export class StoreProcessTracker implements ProcessTracker {
  constructor(private readonly repo: ProcessesRepo, private readonly log: Logger) {}

  add(p: { pid: number; kind: string; cmd: string; jobId: string | null }): void {
    try {
      const st = procStat(p.pid);
      this.repo.add({
        pid: p.pid, startTime: st?.startTime ?? null, bootId: st ? bootId() : null, cmd: commOf(p.cmd), kind: p.kind, jobId: p.jobId,
        groupLeader: process.platform !== 'win32', createdAt: Date.now(),
      });
    } catch (e) {
      this.log.warn({ err: (e as Error).message, pid: p.pid }, 'could not record a child process in the store');
    }
  }

  remove(pid: number): void {
    try {
      this.repo.remove(pid);
    } catch {}
  }
}

/** Is `r.pid` still the process we spawned (alive, not a zombie)? */
export function stillOurs(r: ProcessRow): boolean {
  const st = procStat(r.pid);
  if (st) {
    if (st.state === 'Z' || st.state === 'X') return false;
    if (r.startTime !== null && st.startTime !== r.startTime) return false;
    if (r.bootId !== null && bootId() !== null && r.bootId !== bootId()) return false;
    return st.comm === r.cmd;
  }
  if (process.platform === 'linux') return false;
  // no /proc (macOS, Windows): the pid must be alive and still run a program of the same name
  try {
    process.kill(r.pid, 0);
  } catch {
    return false;
  }
  try {
    const comm = execFileSync('ps', ['-o', 'comm=', '-p', String(r.pid)], { encoding: 'utf8', timeout: 2000 }).trim();
    return commOf(comm) === r.cmd;
  } catch {
    return false;
  }
}

function kill(r: ProcessRow): void {
  const st = procStat(r.pid);
  // the whole group when the pid still leads it (a detached spawn): ffmpeg's own children go too
  if (r.groupLeader && (st === null || st.pgrp === r.pid)) {
    try {
      process.kill(-r.pid, 'SIGKILL');
      return;
    } catch {}
  }
  try {
    process.kill(r.pid, 'SIGKILL');
  } catch {}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Reaped {
  pid: number;
  kind: string;
  jobId: string | null;
}

/**
 * Kill every recorded process that outlived its studio (pids in `own` are this process's live children
 * and are left alone), wait until they are gone (up to `waitMs`), and clear the table.
 */
export async function reapOrphans(repo: ProcessesRepo, log: Logger, own: ReadonlySet<number>, waitMs = 3000): Promise<Reaped[]> {
  const killed: ProcessRow[] = [];
  for (const r of repo.list()) {
    if (own.has(r.pid)) continue;
    if (stillOurs(r)) {
      kill(r);
      killed.push(r);
      log.warn({ pid: r.pid, kind: r.kind, job: r.jobId ?? undefined }, 'killed an ffmpeg left running by a previous studio process');
    }
    repo.remove(r.pid);
  }
  const end = Date.now() + waitMs;
  while (killed.some(stillOurs) && Date.now() < end) await sleep(25);
  return killed.map((r) => ({ pid: r.pid, kind: r.kind, jobId: r.jobId }));
}

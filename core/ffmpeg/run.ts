import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { OnAirError } from '../errors';
import type { FfmpegBudget } from './budget';
import { ProgressParser, TailBuffer, type FfmpegProgress } from './progress';

export { ProgressParser, TailBuffer, type FfmpegProgress } from './progress';

/**
 * Run ffmpeg (or ffprobe) with an argv array — never a shell — in its own process group, so cancel and
 * shutdown kill it and anything it started. Every live child is tracked; `killAllTools()` and the
 * process 'exit' hook make sure none outlives the studio.
 *
 * With a budget (given in the options or by `withToolScope`, which the job engine wraps around a job), a
 * run first waits for one of the studio's ffmpeg slots (`done` rejects with OnAirError BUSY when none
 * frees up in time), and the budget's tracker writes the process into the store while it runs.
 */

/** What a run inherits from the code around it (the job engine sets it per job). */
export interface ToolScope {
  budget: FfmpegBudget;
  /** transcode, probe, cover… (the store's record of the process) */
  kind?: string;
  jobId?: string | null;
}

const scope = new AsyncLocalStorage<ToolScope>();

/** Run `fn` so every runTool inside it (however deep, across awaits) uses this budget and labels. */
export function withToolScope<T>(s: ToolScope, fn: () => T): T {
  return scope.run(s, fn);
}

export interface RunOptions {
  /** add `-progress pipe:1 -nostats` and parse it (ffmpeg only) */
  progress?: boolean;
  /** input duration in seconds, for percent and ETA */
  durationSeconds?: number | null;
  onProgress?: (p: FfmpegProgress) => void;
  /** abort = cancel (SIGTERM to the group, SIGKILL after `killGraceMs`) */
  signal?: AbortSignal;
  /** hard limit; the run is killed and `timedOut` set */
  timeoutMs?: number;
  /** ms between SIGTERM and SIGKILL (default 2000) */
  killGraceMs?: number;
  /** bytes of stdout to keep when not parsing progress (default 0: discard) */
  captureStdout?: number;
  /** bytes of stderr kept (default 8 KiB) */
  stderrBytes?: number;
  /** written to stdin, then stdin is closed (default: no stdin) */
  input?: Buffer;
  /** the studio's ffmpeg budget (default: the scope's, if any) */
  budget?: FfmpegBudget;
  /** what the process is for (default: the scope's kind, else the program name) */
  kind?: string;
  /**
   * false: written down by the budget's tracker (killed at the next start if it outlives a crash) but not
   * counted against ffmpeg_max_processes — for live copies (relay ingests) that cannot wait in a queue.
   */
  slot?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the last bytes of stderr */
  stderr: string;
  stdout: Buffer;
  cancelled: boolean;
  timedOut: boolean;
  last: FfmpegProgress | null;
}

export interface ToolRun {
  readonly pid: number;
  readonly done: Promise<RunResult>;
  /** SIGTERM the whole group, SIGKILL after the grace period; resolves when the process is gone */
  cancel(): Promise<RunResult>;
}

/** ffmpeg exited non-zero (or was killed). `stderr` is the tail. */
export class ToolFailed extends OnAirError {
  constructor(readonly tool: string, readonly result: RunResult) {
    const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exited ${result.code}`;
    const tail = new TailBuffer(400);
    tail.push(Buffer.from(result.stderr));
    super('IO', `${tool} ${why}: ${tail.lastLines(3) || 'no output'}`);
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {}
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // last resort: the node process is going away without stop() — take every child group with it
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

/** PIDs of the tool processes this module has running (for tests and the status page). */
export function liveToolPids(): number[] {
  return [...live].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

const emptyResult = (cancelled: boolean, stderr = ''): RunResult => ({ code: null, signal: null, stderr, stdout: Buffer.alloc(0), cancelled, timedOut: false, last: null });

export function runTool(bin: string, args: readonly string[], opts: RunOptions = {}): ToolRun {
  const s = scope.getStore();
  const budget = opts.budget ?? s?.budget;
  if (!budget) return spawnTool(bin, args, opts, null);
  const label = { budget, kind: opts.kind ?? s?.kind ?? path.basename(bin), jobId: s?.jobId ?? null };
  if (opts.slot === false) return spawnTool(bin, args, opts, label);
  // wait for a slot; cancel/abort while waiting ends the run as cancelled without starting anything
  const wait = new AbortController();
  const onAbort = (): void => wait.abort();
  if (opts.signal?.aborted) wait.abort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  let inner: ToolRun | null = null;
  const done = budget.acquire(wait.signal).then(
    (release) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (wait.signal.aborted) {
        release();
        return emptyResult(true);
      }
      let run: ToolRun;
      try {
        run = spawnTool(bin, args, opts, label);
      } catch (e) {
        release();
        throw e;
      }
      inner = run;
      return run.done.finally(release);
    },
    (e: unknown) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (wait.signal.aborted) return emptyResult(true);
      throw e;
    },
  );
  return {
    get pid() {
      return inner?.pid ?? -1;
    },
    done,
    cancel() {
      if (inner) return inner.cancel();
      wait.abort();
      return done;
    },
  };
}

function spawnTool(bin: string, args: readonly string[], opts: RunOptions, label: { budget: FfmpegBudget; kind: string; jobId: string | null } | null): ToolRun {
  installExitHook();
  const argv = opts.progress ? ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1', ...args] : [...args];
  const child = spawn(bin, argv, { stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true, shell: false });
  live.add(child);
  const tracker = label?.budget.tracker ?? null;
  const pid = child.pid;
  if (tracker && pid !== undefined) tracker.add({ pid, kind: label?.kind ?? path.basename(bin), cmd: bin, jobId: label?.jobId ?? null });
  if (opts.input && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  }
  const tail = new TailBuffer(opts.stderrBytes ?? 8192);
  const parser = opts.progress ? new ProgressParser(opts.durationSeconds ?? null) : null;
  const stdoutCap = opts.captureStdout ?? 0;
  const out: Buffer[] = [];
  let outSize = 0;
  let last: FfmpegProgress | null = null;
  let cancelled = false;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | null = null;

  child.stderr?.on('data', (d: Buffer) => tail.push(d));
  child.stdout?.on('data', (d: Buffer) => {
    if (parser) {
      for (const p of parser.push(d.toString('utf8'))) {
        last = p;
        try {
          opts.onProgress?.(p);
        } catch {}
      }
    } else if (outSize < stdoutCap) {
      const keep = d.subarray(0, stdoutCap - outSize);
      out.push(keep);
      outSize += keep.length;
    }
  });

  const terminate = (): void => {
    if (killTimer) return;
    killGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.killGraceMs ?? 2000);
  };

  const onAbort = (): void => {
    cancelled = true;
    terminate();
  };
  if (opts.signal?.aborted) queueMicrotask(onAbort);
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timeout = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        terminate();
      }, opts.timeoutMs)
    : null;

  const done = new Promise<RunResult>((resolve) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      live.delete(child);
      if (tracker && pid !== undefined) tracker.remove(pid);
      if (killTimer) clearTimeout(killTimer);
      if (timeout) clearTimeout(timeout);
      opts.signal?.removeEventListener('abort', onAbort);
      // the group may still hold grandchildren; nothing of ours may outlive the run
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
      resolve({ code, signal, stderr: tail.text(), stdout: Buffer.concat(out), cancelled, timedOut, last });
    };
    child.on('error', (e) => {
      tail.push(Buffer.from(`\n${e.message}`));
      finish(null, null);
    });
    child.on('close', finish);
  });

  return {
    get pid() {
      return child.pid ?? -1;
    },
    done,
    cancel() {
      cancelled = true;
      terminate();
      return done;
    },
  };
}

/** Kill every tool process still running (studio shutdown). Resolves when they are gone. */
export async function killAllTools(graceMs = 2000): Promise<void> {
  const waits = [...live].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('close', () => resolve());
        killGroup(c, 'SIGTERM');
        setTimeout(() => killGroup(c, 'SIGKILL'), graceMs).unref();
      }),
  );
  await Promise.all(waits);
}

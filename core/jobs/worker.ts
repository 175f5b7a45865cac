import { UnrecoverableError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { redactRedisUrl } from '../scale-config';
import type { OnAirConfig } from '../config';
import type { JobProgress, TranscodeResult } from '../contract/jobs';
import { FfmpegBudget } from '../ffmpeg/budget';
import { BullJobDataSchema, bullSettings, CANCELLED_REASON, cappedBackoff, cancelChannel, cancelKey, connectionOf, type BullJobData, type BullSettings } from './bull-common';
import { permanentError } from './queue-port';
import { TranscodeTools, workRootOf } from './runner';

/**
 * `onair worker`: a process (on any machine) that takes transcode jobs from the studio's BullMQ queue and runs
 * them with the same runner as the embedded queue (runner.ts). It needs what the studio's jobs need: the same
 * paths for the job's input and the same media root (a shared disk mounted at the same place) — outputs are
 * published into `<media root>/<out_dir>` exactly as the embedded queue does.
 *
 * Locks: BullMQ renews a job's lock every lock_ms/2 from this process's event loop. ffmpeg is a child process,
 * so an hour-long encode never blocks the loop and the lock keeps being renewed; only a dead or frozen worker
 * lets it lapse, and then another worker takes the job over after stalled_interval_ms (at most max_stalled
 * times). The attempt that was lost does not count as a failure; the new one starts from scratch.
 *
 * Scratch: each worker writes into its own `<media root>/.onair-work/worker-<host>-<pid>/<job>`, so the ffmpeg a
 * killed worker leaves behind (it runs on until its input ends) never writes into the folder of the attempt that
 * took the job over. A worker removes the scratch folders of dead workers of its own host when it starts.
 */

export type AbortReason = 'cancel' | 'shutdown' | 'lock-lost';

export interface WorkerOptions {
  config: OnAirConfig;
  log: Logger;
  /** jobs at once in this process (default jobs.concurrency) */
  concurrency?: number;
  /** how this worker is named in the studio's log and notes (default host:pid) */
  id?: string;
}

export class TranscodeWorker {
  readonly id: string;
  private worker: Worker<BullJobData, TranscodeResult> | null = null;
  private sub: Redis | null = null;
  private marks: Redis | null = null;
  private readonly tools: TranscodeTools;
  private readonly s: BullSettings;
  private stopping = false;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.id ?? `${os.hostname()}:${process.pid}`;
    this.s = bullSettings(o.config);
    const scratch = path.join(workRootOf(o.config), scratchName(os.hostname(), o.id ?? String(process.pid)));
    this.tools = new TranscodeTools({ config: () => o.config, log: o.log, budget: new FfmpegBudget(() => o.config.limits), workRoot: () => scratch });
  }

  /** Remove what dead workers of this host left in the scratch folder (a pid that no longer runs). */
  private sweepScratch(): void {
    const root = workRootOf(this.o.config);
    const mine = scratchName(os.hostname(), '');
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {}
    for (const n of names) {
      const pid = n.startsWith(mine) ? Number(n.slice(mine.length)) : NaN;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(path.join(root, n), { recursive: true, force: true });
    }
  }

  get where(): string {
    return `${redactRedisUrl(this.s.url)} ${this.s.prefix}:${this.s.name}`;
  }

  async start(): Promise<void> {
    await this.tools.resolveTools();
    this.sweepScratch();
    const { url, prefix, name } = this.s;
    let warned = false;
    const onError = (e: Error): void => {
      if (!warned) this.o.log.warn({ err: e.message }, 'worker: Redis unreachable; retrying');
      warned = true;
    };
    this.marks = new Redis(url, { maxRetriesPerRequest: 1 });
    this.marks.on('error', onError).on('ready', () => (warned = false));
    this.sub = new Redis(url, { maxRetriesPerRequest: null });
    this.sub.on('error', onError);
    // the studio publishes a job id to cancel it; whichever worker holds it aborts it (the others ignore it)
    this.sub.on('message', (_ch: string, id: string) => {
      if (this.worker?.cancelJob(id, 'cancel')) this.o.log.info({ job: id }, 'cancel received; stopping ffmpeg');
    });
    await this.sub.subscribe(cancelChannel(this.s));
    this.worker = new Worker<BullJobData, TranscodeResult>(name, (job, token, signal) => this.process(job, token, signal), {
      connection: connectionOf(url, { stopped: () => this.stopping }),
      prefix,
      name: this.id,
      concurrency: Math.max(1, this.o.concurrency ?? this.o.config.jobs.concurrency),
      lockDuration: this.s.lockMs,
      stalledInterval: this.s.stalledIntervalMs,
      maxStalledCount: this.s.maxStalled,
      // the studio queues jobs with our capped exponential backoff (bull-common.ts)
      settings: { backoffStrategy: cappedBackoff },
      autorun: true,
    });
    this.worker.on('error', onError);
    // the lock could not be renewed (Redis away longer than lock_ms): the job may already run elsewhere; stop ours
    this.worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) this.worker?.cancelJob(id, 'lock-lost');
    });
    await this.worker.waitUntilReady();
  }

  /**
   * SIGTERM: take no new job; a running job is aborted (ffmpeg killed, scratch removed) and handed back to the
   * queue at once (moveToWait), so another worker starts it without waiting for the lock to lapse — an hour-long
   * encode is not worth holding a deploy for. If Redis is unreachable, the lock lapses and stall handling
   * gives it to another worker after lock_ms.
   */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      const closing = w.close();
      w.cancelAllJobs('shutdown');
      // the hand-back needs Redis; once the jobs are aborted, stop reconnecting so an outage cannot hold the exit
      await Promise.race([closing, new Promise((r) => setTimeout(r, 10_000).unref())]);
      this.stopping = true;
      await Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    await Promise.allSettled([this.sub?.quit(), this.marks?.quit()]);
    this.sub?.disconnect();
    this.marks?.disconnect();
  }

  private async process(bj: BullJob<BullJobData, TranscodeResult>, token: string | undefined, signal: AbortSignal | undefined): Promise<TranscodeResult> {
    const parsed = BullJobDataSchema.safeParse(bj.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${bj.id}: unreadable job data (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    const job = parsed.data.job;
    // a cancel published while no worker held the job (waiting after a stall, or this worker was just starting)
    if (await this.marks?.exists(cancelKey(this.s, job.id))) throw new UnrecoverableError(CANCELLED_REASON);
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.o.log.info({ job: job.id, attempt: bj.attemptsStarted }, 'job started');
    try {
      return await this.tools.run(job, { signal: ac.signal, progress: this.progressOf(bj, ac.signal) });
    } catch (e) {
      const reason = ac.signal.aborted ? (ac.signal.reason as AbortReason) : null;
      if (reason === 'cancel') throw new UnrecoverableError(CANCELLED_REASON);
      if (reason === 'shutdown' && token) {
        await bj.moveToWait(token);
        this.o.log.info({ job: job.id }, 'job handed back to the queue (worker stopping)');
        throw new WaitingError();
      }
      const message = e instanceof Error ? e.message : String(e);
      if (permanentError(e)) throw new UnrecoverableError(message);
      throw e instanceof Error ? e : new Error(message);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Progress to the studio (job.updateProgress → its QueueEvents): at most twice a second, and on every stage change. */
  private progressOf(bj: BullJob<BullJobData, TranscodeResult>, signal: AbortSignal): (p: JobProgress) => void {
    let last = 0;
    let stage = '';
    return (p) => {
      const now = Date.now();
      if (signal.aborted || (p.stage === stage && now - last < 500)) return;
      last = now;
      stage = p.stage;
      bj.updateProgress(p).catch((e: unknown) => this.o.log.debug({ err: e, job: bj.id }, 'progress not delivered'));
    };
  }
}

function scratchName(host: string, id: string): string {
  return `worker-${host.replace(/[^A-Za-z0-9_.-]/g, '_')}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { mediaRoot, type OnAirConfig } from '../config';
import { DEFAULT_RENDITIONS, type Job, type JobInput, type JobStatus, type TranscodeOptions } from '../contract/jobs';
import { OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import type { Store } from '../store/db';
import { JobsRepo } from '../store/jobs-repo';
import type { OutboundPolicy, Resolver } from '../net/outbound';
import { checkCallbackUrl, deliverCallback } from './callbacks';
import { coverTimes } from './covers';
import { downloadToFile, resolveLocalInput } from './inputs';
import { plannedAddresses } from './job-urls';
import { signMediaUrl } from '../auth/media-sign';
import { probeMedia } from './probe';
import { JobQueue } from './queue';
import { BullJobQueue } from './bull-queue';
import { bullSettings } from './bull-common';
import type { JobQueuePort, QueueEvents } from './queue-port';
import { TranscodeTools, workRootOf } from './runner';
import { loopbackHost, newMediaId, SeedRecorder, type LiveRecordings } from './recording';
import { FfmpegBudget } from '../ffmpeg/budget';
import { reapOrphans, StoreProcessTracker } from '../ffmpeg/processes';
import { liveToolPids, withToolScope } from '../ffmpeg/run';
import { ProcessesRepo } from '../store/processes-repo';
import { SeedRecordingsRepo } from '../store/seed-recordings-repo';
import type { RunControl } from './transcode';

export interface JobEngineDeps {
  /** the studio's store (opened by the studio on run); null when the data folder is not usable */
  store: () => Store | null;
  config: () => OnAirConfig;
  log: Logger;
  registry: StreamRegistry;
  /** the bound HTTP port, null while not listening */
  httpPort: () => number | null;
  /** how outbound host names resolve (downloads, callbacks); default node's dns.lookup. Tests stub it */
  resolver?: Resolver;
  /** the live fMP4 recorder: seed-000 /recording requests are its recordings (none: /recording is refused) */
  recordings?: LiveRecordings;
  /** the studio's ffmpeg budget (default: one of the engine's own, from limits.*) */
  ffmpeg?: FfmpegBudget;
}

export type TranscodeSource =
  | { type: 'path'; path: string }
  | { type: 'url'; url: string }
  /** a file received by an upload route (the engine takes ownership) */
  | { type: 'upload'; file: string; filename: string };

export interface TranscodeRequest {
  source: TranscodeSource;
  options?: TranscodeOptions;
  /** scheme://host:port for absolute URLs in the callback (default: the studio's own address) */
  baseUrl?: string | null;
  /** aborted when the client that asked went away: a download in progress stops and its file goes */
  signal?: AbortSignal;
}

/** an engine built without the live recorder (tests of the queue alone) */
const NO_LIVE_RECORDINGS: LiveRecordings = {
  start: () => {
    throw new OnAirError('CONFIG', 'this studio has no live recorder');
  },
  get: (id) => {
    throw new OnAirError('NOT_FOUND', `no recording ${id}`);
  },
  onEnded: () => undefined,
};
const safeExt = (name: string): string => {
  const e = path.extname(name.split(/[?#]/)[0]).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(e) ? e : '';
};

/**
 * The job engine of one studio: the store, the transcode queue, recordings, ffmpeg/ffprobe discovery
 * and completion callbacks. Events are the queue's (job.queued … job.cancelled).
 */
export class JobEngine extends EventEmitter<QueueEvents> {
  readonly recorder: SeedRecorder;
  /** every ffmpeg/ffprobe of jobs takes a slot of this budget, and is written down in the store while it runs */
  readonly ffmpeg: FfmpegBudget;
  private q: JobQueuePort | null = null;
  /** ffmpeg discovery, encoder choice and the runner: the same object `onair worker` uses */
  readonly tools: TranscodeTools;
  private shutdown = new AbortController();
  private readonly callbacks = new Set<Promise<unknown>>();
  private readonly recordingCallbacks = new Set<Promise<unknown>>();

  constructor(private readonly deps: JobEngineDeps) {
    super();
    this.ffmpeg = deps.ffmpeg ?? new FfmpegBudget(() => deps.config().limits);
    this.tools = new TranscodeTools({ config: deps.config, log: deps.log, budget: this.ffmpeg });
    this.recorder = new SeedRecorder({
      log: deps.log,
      registry: deps.registry,
      live: deps.recordings ?? NO_LIVE_RECORDINGS,
      repo: () => {
        const s = deps.store();
        return s ? new SeedRecordingsRepo(s.db) : null;
      },
      mediaRoot: () => mediaRoot(deps.config()),
      ownBase: () => this.ownBase(),
      shutdown: () => this.shutdown.signal,
      outbound: () => this.outbound(),
      track: (p) => {
        this.recordingCallbacks.add(p);
        void p.finally(() => this.recordingCallbacks.delete(p));
      },
    });
  }

  /** The outbound guard's policy for downloads and callbacks (net.allow_private, the resolver). */
  outbound(): OutboundPolicy {
    return { allowPrivate: this.cfg.net.allow_private, resolver: this.deps.resolver };
  }

  /** Refuse a callback URL up front (bad shape or a private address) -> OutboundError. */
  checkCallback(url: string): Promise<void> {
    return checkCallbackUrl(url, this.outbound());
  }

  private get cfg(): OnAirConfig {
    return this.deps.config();
  }

  /** scratch space on the media root's file system, so publishing is a rename */
  workRoot(): string {
    return workRootOf(this.cfg);
  }

  /** where uploads and downloads land before they belong to a job */
  incomingDir(): string {
    return path.join(this.cfg.data_dir, 'jobs', 'incoming');
  }

  private inputsDir(): string {
    return path.join(this.cfg.data_dir, 'jobs', 'inputs');
  }

  /** jobs.queue "bullmq": jobs run on `onair worker` processes; this studio only queues them and keeps the record */
  private get remote(): boolean {
    return this.cfg.jobs.queue === 'bullmq';
  }

  /** The store and queue (SQLite, or BullMQ per jobs.queue), opened on first use. */
  get queue(): JobQueuePort {
    if (this.q) return this.q;
    const store = this.deps.store();
    if (!store) throw new OnAirError('IO', 'the job store is not open (is the data folder writable?)');
    const repo = new JobsRepo(store.db);
    const onSettled = (job: Job): void => this.onSettled(job);
    const q: JobQueuePort = this.remote
      ? new BullJobQueue(repo, { settings: bullSettings(this.cfg), log: this.deps.log, onSettled })
      : new JobQueue(repo, (job, ctl) => this.runJob(job, ctl), { concurrency: () => this.cfg.jobs.concurrency, log: this.deps.log, onSettled });
    q.on('job.queued', (d) => this.emit('job.queued', d));
    q.on('job.started', (d) => this.emit('job.started', d));
    q.on('job.progress', (d) => this.emit('job.progress', d));
    q.on('job.done', (d) => this.emit('job.done', d));
    q.on('job.failed', (d) => this.emit('job.failed', d));
    q.on('job.cancelled', (d) => this.emit('job.cancelled', d));
    this.q = q;
    return q;
  }

  /** Find ffmpeg and ffprobe (cached; a miss is retried next time). */
  resolveTools(): Promise<{ ffmpeg: string; ffprobe: string }> {
    return this.tools.resolveTools();
  }

  /** The H.264 encoder for transcodes (probed once per ffmpeg path and preference; a hardware one must pass a test encode). */
  encoders(): ReturnType<TranscodeTools['encoders']> {
    return this.tools.encoders();
  }

  /** Open the store, clear scratch left by a previous process, re-queue interrupted jobs, start picking. */
  async start(): Promise<void> {
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController();
    let q: JobQueuePort;
    try {
      q = this.queue;
    } catch (e) {
      // the media server runs without the job engine; job commands will report the error
      this.deps.log.error({ err: e }, 'job store unavailable; transcoding is off until it can be opened');
      return;
    }
    // with BullMQ the scratch folder on the shared media root belongs to the workers' running jobs
    for (const dir of this.remote ? [this.incomingDir()] : [this.workRoot(), this.incomingDir()]) {
      try {
        for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
      } catch {}
    }
    // ffmpeg a crashed studio left running is killed before its job is re-queued (the queue's start does that)
    const store = this.deps.store();
    if (store) {
      const procs = new ProcessesRepo(store.db);
      const reaped = await reapOrphans(procs, this.deps.log, new Set(liveToolPids()));
      if (reaped.length) this.deps.log.warn({ killed: reaped.length, jobs: reaped.map((r) => r.jobId).filter(Boolean) }, 'killed ffmpeg processes left by a previous studio process');
      this.ffmpeg.tracker = new StoreProcessTracker(procs, this.deps.log);
    }
    await q.start();
    this.recorder.resumeCallbacks();
  }

  async stop(): Promise<void> {
    await this.q?.stop();
    // recording callbacks (the recordings ended just before) get a moment; what is not delivered stays owed in the store
    const cut = setTimeout(() => this.shutdown.abort(), 3000);
    await Promise.all([...this.recordingCallbacks]);
    clearTimeout(cut);
    this.shutdown.abort();
    await Promise.all([...this.callbacks]);
    this.ffmpeg.tracker = null;
    this.q?.removeAllListeners();
    this.q = null;
  }

  private ownBase(): string {
    const c = this.cfg;
    return `http://${loopbackHost(c.http.host ?? c.host)}:${this.deps.httpPort() ?? c.http.port}`;
  }

  /** Check and probe a source; downloads and uploads become files owned by job `id`. Throws InputError. */
  async prepareInput(id: string, source: TranscodeSource, cancel?: AbortSignal): Promise<JobInput> {
    const { ffprobe } = await this.resolveTools();
    const signal = cancel ? AbortSignal.any([this.shutdown.signal, cancel]) : this.shutdown.signal;
    if (source.type === 'path') {
      const file = resolveLocalInput(source.path, this.cfg.jobs.allowed_roots);
      return { source: 'path', original: source.path, file, owned: false, probe: await probeMedia(ffprobe, file, { signal }) };
    }
    mkdirSync(this.inputsDir(), { recursive: true });
    mkdirSync(this.incomingDir(), { recursive: true });
    const tmp = source.type === 'upload' ? source.file : path.join(this.incomingDir(), `${id}.download`);
    try {
      if (source.type === 'url') {
        const j = this.cfg.jobs;
        await downloadToFile(source.url, tmp, { maxBytes: j.max_download_bytes, timeoutMs: j.download_timeout_ms, signal, policy: this.outbound() });
      }
      const probe = await probeMedia(ffprobe, tmp, { signal });
      const file = path.join(this.inputsDir(), `${id}${safeExt(source.type === 'url' ? new URL(source.url).pathname : source.filename)}`);
      renameSync(tmp, file);
      const original = source.type === 'url' ? source.url : source.filename;
      return { source: source.type, original, file, owned: true, probe };
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Validate the source, then queue the job. The answer carries the planned output URLs in `options`. */
  async transcode(req: TranscodeRequest): Promise<Job> {
    const { id, dir } = newMediaId();
    const o = req.options ?? {};
    // the media root must be writable before anything is accepted
    try {
      mkdirSync(this.workRoot(), { recursive: true });
    } catch (e) {
      if (req.source.type === 'upload') rmSync(req.source.file, { force: true });
      // the caller reads the message; where the folder is stays in the log
      this.deps.log.error({ err: e }, 'the media folder is not writable');
      throw new OnAirError('IO', 'the media folder is not writable', e);
    }
    if (o.callback) {
      try {
        await this.checkCallback(o.callback);
      } catch (e) {
        if (req.source.type === 'upload') rmSync(req.source.file, { force: true });
        throw e;
      }
    }
    const input = await withToolScope({ budget: this.ffmpeg, kind: 'probe', jobId: id }, () => this.prepareInput(id, req.source, req.signal));
    const now = Date.now();
    const covers = o.covers ?? {};
    const job: Job = {
      id,
      kind: 'transcode',
      status: 'queued',
      priority: o.priority ?? 0,
      position: 0,
      input,
      options: {
        renditions: o.renditions ?? [...DEFAULT_RENDITIONS],
        covers: { times: coverTimes({ times: covers.times, count: covers.count }, input.probe.duration, input.probe.fps), width: covers.width ?? null, height: covers.height ?? null },
        callback: o.callback ?? null,
        max_attempts: o.max_attempts ?? 2,
        title: o.title ?? path.basename(input.original.split(/[?#]/)[0]).slice(0, 256),
        out_dir: dir,
        base_url: req.baseUrl ?? null,
      },
      progress: null, result: null, error: null, note: null, worker: null, attempts: 0, run_after: 0,
      created_at: now, updated_at: now, started_at: null, finished_at: null,
    };
    try {
      return await this.queue.add(job);
    } catch (e) {
      if (input.owned) rmSync(input.file, { force: true });
      throw e;
    }
  }

  list(o: { status?: readonly JobStatus[]; limit?: number } = {}): Job[] {
    return this.queue.list(o);
  }

  get(id: string): Job {
    return this.queue.get(id);
  }

  cancel(id: string): Promise<Job> {
    return this.queue.cancel(id);
  }

  async retry(id: string): Promise<Job> {
    return this.queue.retry(id);
  }

  async reorder(ids: readonly string[]): Promise<Job[]> {
    return this.queue.reorder(ids);
  }

  /** The URLs seed 000 answers with (known before the job runs). */
  addresses(job: Job): ReturnType<typeof plannedAddresses> {
    const a = plannedAddresses(job, job.options.base_url ?? this.ownBase());
    // with auth.play on, every output link we hand out carries a sign for the job's folder
    const sign = (u: string): string => signMediaUrl(this.cfg, u);
    return { ...a, liveAddress: sign(a.liveAddress), hdAddress: sign(a.hdAddress), masterAddress: sign(a.masterAddress), cover: a.cover.map(sign) };
  }

  private runJob(job: Job, ctl: RunControl) {
    return this.tools.run(job, ctl);
  }

  private onSettled(job: Job): void {
    // a finished or cancelled job's downloaded/uploaded source goes; a failed one's stays for jobs.retry
    if (job.input.owned && job.status !== 'failed') rmSync(job.input.file, { force: true });
    if (!job.options.callback) return;
    const data = this.addresses(job);
    const body =
      job.status === 'done'
        ? { code: '200', data, msg: null }
        : { code: job.status === 'cancelled' ? '40500' : '500', data: { id: job.id }, msg: job.status === 'cancelled' ? 'job cancelled' : (job.error ?? 'job failed') };
    const p = deliverCallback({ method: 'POST', url: job.options.callback, body }, { signal: this.shutdown.signal, log: this.deps.log, policy: this.outbound() }).then((r) => {
      if (!r.delivered) this.deps.log.warn({ job: job.id }, 'callback not delivered');
    });
    this.callbacks.add(p);
    void p.finally(() => this.callbacks.delete(p));
  }
}

import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { StreamRecording } from '../contract/jobs';
import type { Recording } from '../contract/recordings';
import { isOnAirError, OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import { streamPath } from '../media/stream-path';
import type { OutboundPolicy } from '../net/outbound';
import type { SeedRecordingRow, SeedRecordingsRepo } from '../store/seed-recordings-repo';
import { deliverCallback } from './callbacks';
import { InputError } from './probe';
import { outputUrl } from './transcode';

/** The live fMP4 recorder, as the seed route needs it (core/record RecordingManager fits). */
export interface LiveRecordings {
  start(streamPath: string, o: { id?: string; file?: string; maxDurationMs?: number; exclusive?: boolean }): Recording;
  get(id: string): Recording;
  /** called once when any recording ends (done or failed) */
  onEnded(fn: (r: Recording) => void): void;
}

export interface SeedRecorderDeps {
  log: Logger;
  registry: StreamRegistry;
  live: LiveRecordings;
  /** the store's table of seed recordings; null while the store is not open */
  repo: () => SeedRecordingsRepo | null;
  mediaRoot: () => string;
  /** scheme://host:port of the studio itself (neturi when the request named no host) */
  ownBase: () => string;
  /** aborted when the studio stops (a callback not delivered by then is sent at the next start) */
  shutdown: () => AbortSignal;
  /** the outbound guard's policy for the callback */
  outbound: () => OutboundPolicy;
  /** hand a delivery in progress to the owner, so stop() can wait for it */
  track: (p: Promise<unknown>) => void;
}

export interface RecordRequest {
  app: string;
  name: string;
  /** seconds; unset = until the stream ends */
  duration?: number;
  /** GET this URL when done, with `extra`, diskuri, neturi and t added to its query */
  callback?: { url: string; extra: Record<string, string> } | null;
  /** scheme://host:port for neturi (default: the studio's own address) */
  baseUrl?: string | null;
}

/** Seed 000's `date/<id>` folder names: "YYYY/MM/DD/<13-digit ms><8 digits>". */
export function newMediaId(now = new Date()): { id: string; dir: string } {
  const id = `${now.getTime()}${String(randomInt(100_000_000)).padStart(8, '0')}`;
  const p = (n: number): string => String(n).padStart(2, '0');
  return { id, dir: `${now.getFullYear()}/${p(now.getMonth() + 1)}/${p(now.getDate())}/${id}` };
}

export function loopbackHost(h: string): string {
  if (h === '0.0.0.0' || h === '::' || h === '') return '127.0.0.1';
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * Seed 000's `GET /recording`, made by the live fMP4 recorder (one recorder in the product): the file is
 * written as it goes at `<mediaRoot>/YYYY/MM/DD/<id>/<id>.mp4` (served at the same URL path), ends with the
 * stream or after `duration`, and survives kill -9 (the next start finalizes it). The callback owed to the
 * caller is kept in the store until it is delivered, so a crash does not lose it either.
 */
export class SeedRecorder {
  private readonly sending = new Set<string>();

  constructor(private readonly deps: SeedRecorderDeps) {
    deps.live.onEnded((r) => this.onEnded(r));
  }

  private requireRepo(): SeedRecordingsRepo {
    const r = this.deps.repo();
    if (!r) throw new OnAirError('IO', 'the recordings index is not open (is the data folder writable?)');
    return r;
  }

  /** Start recording a live stream. Not live -> InputError('missing'). */
  async start(req: RecordRequest): Promise<StreamRecording> {
    const sp = streamPath(req.app, req.name);
    const stream = this.deps.registry.get(sp.path);
    if (!stream || stream.publisher === null) throw new InputError('missing', `stream ${sp.path} is not live`);
    const repo = this.requireRepo();
    const { id, dir } = newMediaId();
    // written down before the recording runs: from here on a crash must not lose the callback
    const row: SeedRecordingRow = {
      id, dir, callbackUrl: req.callback?.url ?? null, extra: req.callback?.extra ?? {}, baseUrl: req.baseUrl ?? null,
      callbackState: req.callback ? 'pending' : 'none', createdAt: Date.now(),
    };
    repo.insert(row);
    let rec: Recording;
    try {
      const file = path.join(this.deps.mediaRoot(), dir, `${id}.mp4`);
      rec = this.deps.live.start(sp.path, { id, file, maxDurationMs: req.duration ? req.duration * 1000 : undefined, exclusive: false });
    } catch (e) {
      repo.delete(id);
      if (isOnAirError(e) && e.code === 'NOT_FOUND') throw new InputError('missing', e.message, e);
      throw e;
    }
    this.deps.log.info({ recording: id, stream: sp.path }, 'seed recording started');
    return view(row, rec);
  }

  list(): StreamRecording[] {
    const repo = this.deps.repo();
    if (!repo) return [];
    return repo.list().flatMap((row) => {
      const r = this.liveRow(row.id);
      return r ? [view(row, r)] : [];
    });
  }

  get(id: string): StreamRecording | null {
    const row = this.deps.repo()?.get(id);
    const r = row ? this.liveRow(id) : null;
    return row && r ? view(row, r) : null;
  }

  private liveRow(id: string): Recording | null {
    try {
      return this.deps.live.get(id);
    } catch {
      return null;
    }
  }

  /** At start: send the callbacks a previous process owed (its recordings were finalized by the recorder). */
  resumeCallbacks(): void {
    const repo = this.deps.repo();
    if (!repo) return;
    for (const row of repo.pending()) {
      const r = this.liveRow(row.id);
      if (r?.status === 'recording') continue;
      this.deliver(row, r);
    }
  }

  private onEnded(r: Recording): void {
    let row: SeedRecordingRow | null = null;
    try {
      row = this.deps.repo()?.get(r.id) ?? null;
    } catch {}
    if (!row) return;
    this.deps.log.info({ recording: r.id, status: r.status, ms: r.durationMs }, 'seed recording finished');
    if (row.callbackState === 'pending') this.deliver(row, r);
  }

  /** GET the caller's URL with its fields, t, and diskuri + neturi (or error). `r` null: the recording is gone. */
  private deliver(row: SeedRecordingRow, r: Recording | null): void {
    if (!row.callbackUrl || this.sending.has(row.id)) return;
    this.sending.add(row.id);
    const v = r ? view(row, r) : null;
    const query: Record<string, string> = { ...row.extra, t: String(r?.endedAt ?? Date.now()) };
    if (v?.status === 'done') {
      query.diskuri = v.file;
      query.neturi = (row.baseUrl ?? this.deps.ownBase()).replace(/\/+$/, '') + v.url;
    } else {
      query.error = v?.error ?? 'the recording was deleted';
    }
    const signal = this.deps.shutdown();
    const p = deliverCallback({ method: 'GET', url: row.callbackUrl, query }, { signal, log: this.deps.log, policy: this.deps.outbound() })
      .then((res) => {
        if (res.delivered) this.deps.repo()?.setCallbackState(row.id, 'sent');
        else if (!signal.aborted) {
          this.deps.repo()?.setCallbackState(row.id, 'gave_up');
          this.deps.log.warn({ recording: row.id }, 'recording callback not delivered');
        }
        // aborted by shutdown: still 'pending', sent at the next start
      })
      .catch((e: unknown) => this.deps.log.warn({ recording: row.id, err: (e as Error).message }, 'recording callback bookkeeping failed'))
      .finally(() => this.sending.delete(row.id));
    this.deps.track(p);
  }
}

/** The seed-000 shape of a live recording. Interrupted (a crash) but with media = done: the file plays to its end. */
function view(row: SeedRecordingRow, r: Recording): StreamRecording {
  let status: StreamRecording['status'] = 'done';
  let error = r.error;
  if (r.status === 'recording') status = 'recording';
  else if (r.status === 'failed') status = 'failed';
  else if (r.size === 0 || r.durationMs === 0) {
    status = 'failed';
    error = error ?? 'nothing was recorded (no media arrived)';
  } else if (r.status === 'done') error = null;
  return {
    id: r.id, stream: r.stream, status, file: r.file, url: outputUrl(row.dir, path.basename(r.file)),
    started_at: r.startedAt, finished_at: r.endedAt, error: status === 'done' ? null : error,
  };
}

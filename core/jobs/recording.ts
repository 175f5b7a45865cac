import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { makeSign } from '../auth/sign';
import type { OnAirConfig } from '../config';
import type { StreamRecording as Recording } from '../contract/jobs';
import type { StreamRegistry } from '../media/registry';
import { streamPath } from '../media/stream-path';
import { deliverCallback } from './callbacks';
import { runTool, type ToolRun } from './ffmpeg-run';
import { fileArg, InputError } from './probe';
import { outputUrl } from './transcode';

export interface RecordingDeps {
  config: () => OnAirConfig;
  log: Logger;
  registry: StreamRegistry;
  ffmpeg: () => Promise<string>;
  /** the bound HTTP port (the recorder reads our own HTTP-FLV) */
  httpPort: () => number | null;
  mediaRoot: () => string;
  workRoot: () => string;
  /** aborted when the studio stops (callbacks give up) */
  shutdown: () => AbortSignal;
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
 * Records live streams to MP4 with `ffmpeg -c copy` from the studio's own HTTP-FLV output. A recording
 * ends when the stream ends, after `duration`, or at shutdown (ffmpeg is asked to finish the file);
 * the MP4 is written in a scratch folder and renamed into `<mediaRoot>/YYYY/MM/DD/<id>/<id>.mp4`.
 */
export class FfmpegRecorder {
  private readonly recs = new Map<string, { rec: Recording; run: ToolRun | null; done: Promise<void>; stopping: boolean }>();

  constructor(private readonly deps: RecordingDeps) {}

  list(): Recording[] {
    return [...this.recs.values()].map((r) => ({ ...r.rec }));
  }

  get(id: string): Recording | null {
    const r = this.recs.get(id);
    return r ? { ...r.rec } : null;
  }

  /** Start recording a live stream. Not live -> InputError('missing'). */
  async start(req: RecordRequest): Promise<Recording> {
    const sp = streamPath(req.app, req.name);
    const stream = this.deps.registry.get(sp.path);
    if (!stream || stream.publisher === null) throw new InputError('missing', `stream ${sp.path} is not live`);
    const port = this.deps.httpPort();
    if (port === null) throw new InputError('missing', 'the HTTP listener is not running');
    const ffmpeg = await this.deps.ffmpeg();
    const cfg = this.deps.config();
    const { id, dir } = newMediaId();
    const work = path.join(this.deps.workRoot(), `${id}.rec`);
    const finalDir = path.join(this.deps.mediaRoot(), dir);
    const fileName = `${id}.mp4`;
    mkdirSync(work, { recursive: true });
    let src = `http://${loopbackHost(cfg.http.host ?? cfg.host)}:${port}${sp.path}.flv`;
    if (cfg.auth.play) src += `?sign=${makeSign(sp.path, Math.floor(Date.now() / 1000) + 24 * 3600, cfg.auth.secret)}`;
    const args = ['-hide_banner', '-nostdin', '-v', 'error', '-rw_timeout', '15000000', '-i', src, '-map', '0:v?', '-map', '0:a?', '-c', 'copy'];
    if (req.duration) args.push('-t', String(req.duration));
    args.push('-movflags', '+faststart', '-f', 'mp4', '-y', fileArg(path.join(work, fileName)));
    const rec: Recording = {
      id, stream: sp.path, status: 'recording', file: path.join(finalDir, fileName), url: outputUrl(dir, fileName), started_at: Date.now(), finished_at: null, error: null,
    };
    const run = runTool(ffmpeg, args, { stderrBytes: 4096 });
    const entry = { rec, run: run as ToolRun | null, done: Promise.resolve(), stopping: false };
    this.recs.set(id, entry);
    this.deps.log.info({ recording: id, stream: sp.path }, 'recording started');
    entry.done = run.done.then(async (r) => {
      entry.run = null;
      const tmp = path.join(work, fileName);
      const size = existsSync(tmp) ? statSync(tmp).size : 0;
      // ffmpeg exits 255 after SIGINT, having written the trailer
      if ((r.code === 0 || entry.stopping) && size > 0) {
        mkdirSync(path.dirname(finalDir), { recursive: true });
        rmSync(finalDir, { recursive: true, force: true });
        renameSync(work, finalDir);
        rec.status = 'done';
      } else {
        rmSync(work, { recursive: true, force: true });
        rec.status = 'failed';
        rec.error = `ffmpeg ${r.code === null ? 'failed' : `exited ${r.code}`}: ${r.stderr.trim().split('\n').pop() ?? ''}`.trim();
      }
      rec.finished_at = Date.now();
      this.deps.log.info({ recording: id, status: rec.status, err: rec.error ?? undefined }, 'recording finished');
      if (req.callback) await this.callback(rec, req.callback, req.baseUrl ?? `http://${loopbackHost(cfg.http.host ?? cfg.host)}:${port}`);
    }).catch((e: unknown) => {
      rmSync(work, { recursive: true, force: true });
      rec.status = 'failed';
      rec.error = (e as Error).message;
      rec.finished_at = Date.now();
    });
    return { ...rec };
  }

  private async callback(rec: Recording, cb: { url: string; extra: Record<string, string> }, base: string): Promise<void> {
    const query: Record<string, string> = { ...cb.extra, t: String(rec.finished_at ?? Date.now()) };
    if (rec.status === 'done') {
      query.diskuri = rec.file;
      query.neturi = base.replace(/\/+$/, '') + rec.url;
    } else {
      query.error = rec.error ?? 'recording failed';
    }
    await deliverCallback({ method: 'GET', url: cb.url, query }, { signal: this.deps.shutdown(), log: this.deps.log });
  }

  /** End every recording (ffmpeg finishes the MP4), wait for them to be published. */
  async stopAll(): Promise<void> {
    const all = [...this.recs.values()];
    for (const r of all) {
      r.stopping = true;
      void r.run?.stop(5000);
    }
    await Promise.all(all.map((r) => r.done));
  }
}

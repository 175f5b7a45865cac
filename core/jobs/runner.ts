import path from 'node:path';
import type { Logger } from 'pino';
import { mediaRoot, type OnAirConfig } from '../config';
import type { Job, TranscodeResult } from '../contract/jobs';
import { OnAirError } from '../errors';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { pickH264Encoder, type EncoderChoice } from '../ffmpeg/encoders';
import { locateFfmpeg, locateFfprobe } from '../ffmpeg/locate';
import { withToolScope } from '../ffmpeg/run';
import { runTranscode, type RunControl } from './transcode';

/** scratch space on the media root's file system, so publishing a job's outputs is a rename */
export const WORK_DIR = '.onair-work';

export function workRootOf(cfg: OnAirConfig): string {
  return path.join(mediaRoot(cfg), WORK_DIR);
}

export interface TranscodeToolsDeps {
  config: () => OnAirConfig;
  log: Logger;
  /** every ffmpeg/ffprobe of a job takes a slot of this budget */
  budget: FfmpegBudget;
  /** scratch folder (default `<media root>/.onair-work`; a worker has its own inside it) */
  workRoot?: () => string;
}

/**
 * ffmpeg/ffprobe discovery, the encoder choice and one transcode attempt. The ONE runner: the embedded
 * queue (JobEngine) and `onair worker` (core/jobs/worker.ts) both run jobs through `run`, so a job gives the same
 * outputs, progress and cancel behaviour wherever it runs.
 */
export class TranscodeTools {
  private tools: Promise<{ ffmpeg: string; ffprobe: string }> | null = null;
  private encoderChoice: { key: string; choice: Promise<EncoderChoice> } | null = null;

  constructor(private readonly deps: TranscodeToolsDeps) {}

  /** Find ffmpeg and ffprobe (cached; a miss is retried next time). */
  resolveTools(): Promise<{ ffmpeg: string; ffprobe: string }> {
    if (!this.tools) {
      const cfg = this.deps.config();
      this.tools = Promise.all([locateFfmpeg(cfg), locateFfprobe(cfg)]).then(([f, p]) => {
        if (!f) throw new OnAirError('CONFIG', 'ffmpeg not found: set "ffmpeg" in the settings, FFMPEG_PATH, or install it');
        if (!p) throw new OnAirError('CONFIG', 'ffprobe not found: set "ffprobe" in the config, FFPROBE_PATH, or install it');
        return { ffmpeg: f.path, ffprobe: p.path };
      });
      this.tools.catch(() => {
        this.tools = null;
      });
    }
    return this.tools;
  }

  /** The H.264 encoder for transcodes (probed once per ffmpeg path and preference; a hardware one must pass a test encode). */
  async encoders(): Promise<EncoderChoice> {
    const { ffmpeg } = await this.resolveTools();
    const pref = this.deps.config().jobs.encoder;
    const key = `${ffmpeg}|${pref}`;
    if (this.encoderChoice?.key !== key) {
      const choice = pickH264Encoder(ffmpeg, pref);
      this.encoderChoice = { key, choice };
      void choice.then((c) => this.deps.log.info({ encoder: c.encoder, listed: c.listed, working: c.working, notes: c.notes }, 'transcode encoder chosen'));
    }
    return this.encoderChoice.choice;
  }

  /** One attempt of `job`: outputs land in `<media root>/<out_dir>`; `ctl.signal` aborts ffmpeg and removes the scratch. */
  async run(job: Job, ctl: RunControl): Promise<TranscodeResult> {
    const cfg = this.deps.config();
    const { ffmpeg } = await this.resolveTools();
    const encoder = (await this.encoders()).encoder;
    const deps = { ffmpeg, encoder, mediaRoot: mediaRoot(cfg), workRoot: this.deps.workRoot?.() ?? workRootOf(cfg), preset: cfg.jobs.x264_preset };
    // every ffmpeg of the job takes a budget slot (and is written down in the store while it runs, when there is one)
    return withToolScope({ budget: this.deps.budget, kind: 'transcode', jobId: job.id }, () => runTranscode(job, deps, ctl));
  }
}

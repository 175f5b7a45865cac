import type { OnAirConfig } from '../config';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { locateFfmpeg } from '../ffmpeg/locate';
import { runTool } from '../ffmpeg/run';

/**
 * A 320-px-wide JPEG of the first second of a recording (argv only, no shell; killed after 20 s).
 * Takes a slot of the studio's ffmpeg budget when given one; false when it cannot be made (or the budget is busy).
 */
export async function recordingThumbnail(cfg: OnAirConfig, file: string, out: string, budget?: FfmpegBudget): Promise<boolean> {
  const ff = await locateFfmpeg(cfg);
  if (!ff) return false;
  const args = ['-v', 'error', '-nostdin', '-y', '-ss', '1', '-i', file, '-frames:v', '1', '-vf', 'scale=320:-2', out];
  try {
    const r = await runTool(ff.path, args, { budget, kind: 'thumbnail', timeoutMs: 20_000, stderrBytes: 1024 }).done;
    return r.code === 0;
  } catch {
    return false;
  }
}

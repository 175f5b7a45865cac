import { spawn } from 'node:child_process';
import type { OnAirConfig } from '../../config';
import { locateFfmpeg } from '../../jobs/ffmpeg-locate';

/** A 320-px-wide JPEG of the first second of a recording (argv only, no shell; killed after 20 s). */
export async function recordingThumbnail(cfg: OnAirConfig, file: string, out: string): Promise<boolean> {
  const ff = await locateFfmpeg(cfg);
  if (!ff) return false;
  return new Promise((resolve) => {
    const child = spawn(ff.path, ['-v', 'error', '-y', '-ss', '1', '-i', file, '-frames:v', '1', '-vf', 'scale=320:-2', out], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', () => resolve(false));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

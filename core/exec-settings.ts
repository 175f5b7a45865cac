import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { OnAirError } from './errors';

/**
 * Settings that make the studio execute or write somewhere — the ffmpeg binary and the storage folder — are
 * never taken from the contract (a web page or a compromised renderer could send them). They come from the
 * config file, or from the desktop app's native file picker (electron/main.ts), which calls
 * `Studio.setExecSetting` after these checks.
 */
export const EXEC_SETTINGS = ['ffmpeg', 'storage_dir'] as const;
export type ExecSetting = (typeof EXEC_SETTINGS)[number];

/** Resolves when `bin -version` runs and prints an ffmpeg banner; throws VALIDATION otherwise. */
export function verifyFfmpegBinary(bin: string, timeoutMs = 5000): Promise<string> {
  if (!path.isAbsolute(bin)) return Promise.reject(new OnAirError('VALIDATION', 'the ffmpeg path must be absolute'));
  return new Promise((resolve, reject) => {
    execFile(bin, ['-version'], { timeout: timeoutMs, windowsHide: true, maxBuffer: 256 * 1024 }, (err, stdout) => {
      const m = /^ffmpeg version (\S+)/m.exec(String(stdout));
      if (err || !m) return reject(new OnAirError('VALIDATION', 'that file does not answer "-version" like ffmpeg'));
      resolve(m[1]);
    });
  });
}

/** A storage folder must be an absolute, existing (or creatable), writable directory. */
export function verifyStorageDir(dir: string): string {
  if (!path.isAbsolute(dir)) throw new OnAirError('VALIDATION', 'the storage folder must be an absolute path');
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new OnAirError('VALIDATION', 'the storage folder is not a writable folder');
  }
  return path.resolve(dir);
}

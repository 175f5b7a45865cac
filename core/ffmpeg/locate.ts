import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type FfmpegSource = 'config' | 'env' | 'path' | 'bundled';

export interface FfmpegLocation {
  path: string;
  /** "6.1.1", or the raw token after "ffmpeg version" */
  version: string;
  source: FfmpegSource;
}

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  /** ms to wait for `ffmpeg -version` */
  timeoutMs?: number;
}

const versionCache = new Map<string, Promise<string | null>>();

/** `ffmpeg -version` -> the version token, or null when the binary does not run. Cached per path. */
export function ffmpegVersion(bin: string, timeoutMs = 5000): Promise<string | null> {
  let p = versionCache.get(bin);
  if (!p) {
    p = new Promise((resolve) => {
      execFile(bin, ['-hide_banner', '-version'], { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
        if (err) return resolve(null);
        const m = /(?:ffmpeg|ffprobe) version (\S+)/.exec(String(stdout));
        resolve(m ? m[1] : 'unknown');
      });
    });
    versionCache.set(bin, p);
    // a missing binary may be installed later: do not remember failures
    void p.then((v) => {
      if (v === null) versionCache.delete(bin);
    });
  }
  return p;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

type Tool = 'ffmpeg' | 'ffprobe';
const PACKAGE: Record<Tool, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };
const ENV: Record<Tool, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };

/** Every `tool` on PATH, in order. */
function onPath(tool: Tool, env: NodeJS.ProcessEnv): string[] {
  const exe = process.platform === 'win32' ? `${tool}.exe` : tool;
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  return dirs.map((d) => path.join(d, exe)).filter(isFile);
}

/** The binary shipped by the @ffmpeg-installer / @ffprobe-installer package (unpacked from app.asar in a packaged app). */
function bundled(tool: Tool): string | null {
  try {
    const req = createRequire(import.meta.url);
    const mod = req(PACKAGE[tool]) as { path?: string };
    if (!mod.path) return null;
    const p = mod.path.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** The configured path, then the env variable, then PATH, then the bundled binary; the first that answers `-version`. */
async function locate(tool: Tool, configured: string | undefined, opts: LocateOptions): Promise<FfmpegLocation | null> {
  const env = opts.env ?? process.env;
  const candidates: Array<{ path: string; source: FfmpegSource }> = [];
  if (configured) candidates.push({ path: configured, source: 'config' });
  const fromEnv = env[ENV[tool]];
  if (fromEnv) candidates.push({ path: fromEnv, source: 'env' });
  for (const p of onPath(tool, env)) candidates.push({ path: p, source: 'path' });
  const b = bundled(tool);
  if (b) candidates.push({ path: b, source: 'bundled' });
  for (const c of candidates) {
    const version = await ffmpegVersion(c.path, opts.timeoutMs);
    if (version !== null) return { path: c.path, version, source: c.source };
  }
  return null;
}

/**
 * Find a working ffmpeg: the configured path, then FFMPEG_PATH, then PATH, then the bundled
 * @ffmpeg-installer binary. Each candidate must answer `-version`. Null when none does.
 */
export function locateFfmpeg(cfg: { ffmpeg?: string }, opts: LocateOptions = {}): Promise<FfmpegLocation | null> {
  return locate('ffmpeg', cfg.ffmpeg, opts);
}

/** Find a working ffprobe, in the same order as ffmpeg: cfg.ffprobe, FFPROBE_PATH, PATH, bundled. */
export function locateFfprobe(cfg: { ffprobe?: string }, opts: LocateOptions = {}): Promise<FfmpegLocation | null> {
  return locate('ffprobe', cfg.ffprobe, opts);
}

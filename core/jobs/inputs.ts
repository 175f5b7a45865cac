import { createWriteStream, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from './probe';

/**
 * Where a transcode may read from: a local file inside an allowed root, or an http(s) URL downloaded to
 * a scratch file with size and time limits.
 */

function inside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A user-given local path -> its real path, if it is a regular file inside one of `roots` (also after
 * resolving symlinks). `..` segments are refused outright. Missing file -> 'missing'; outside -> 'outside_roots'.
 */
export function resolveLocalInput(given: string, roots: readonly string[]): string {
  if (given.includes('\0')) throw new InputError('bad_request', 'path contains a NUL byte');
  if (given.split(/[\\/]+/).includes('..')) throw new InputError('outside_roots', 'path must not contain ".." segments');
  if (!path.isAbsolute(given)) throw new InputError('bad_request', 'path must be absolute');
  if (roots.length === 0) throw new InputError('outside_roots', 'local paths are disabled (jobs.allowed_roots is empty)');
  const lexical = path.resolve(given);
  const realRoots = roots.flatMap((r) => {
    try {
      return [realpathSync(path.resolve(r))];
    } catch {
      return [];
    }
  });
  // refuse before touching the file system when even the spelled-out path is outside every root
  if (!roots.some((r) => inside(lexical, path.resolve(r))) && !realRoots.some((r) => inside(lexical, r))) {
    throw new InputError('outside_roots', 'path is outside the allowed folders');
  }
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch (e) {
    throw new InputError('missing', `file not found: ${path.basename(lexical)}`, e);
  }
  if (!realRoots.some((r) => inside(real, r))) throw new InputError('outside_roots', 'path leads outside the allowed folders (symlink)');
  let isFile = false;
  try {
    isFile = statSync(real).isFile();
  } catch {}
  if (!isFile) throw new InputError('missing', `not a file: ${path.basename(lexical)}`);
  return real;
}

export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Parse and check a download URL: http/https only. */
export function parseDownloadUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InputError('download', 'not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InputError('download', `only http and https URLs can be downloaded (got ${u.protocol})`);
  if (u.username || u.password) throw new InputError('download', 'URLs with credentials are not accepted');
  return u;
}

/**
 * Stream a URL to `dest`. Non-2xx, a body over `maxBytes`, an empty body, or taking longer than
 * `timeoutMs` -> InputError('download') (or 'too_large'); `dest` is removed on any failure.
 */
export async function downloadToFile(raw: string, dest: string, limits: DownloadLimits): Promise<{ bytes: number; contentType: string | null }> {
  const url = parseDownloadUrl(raw);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
  let bytes = 0;
  try {
    const res = await fetch(url, { signal, redirect: 'follow', headers: { 'user-agent': 'OnAir-Studio' } });
    if (res.url && !/^https?:/.test(res.url)) throw new InputError('download', 'redirected to a non-http URL');
    if (!res.ok || !res.body) throw new InputError('download', `download failed: HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes) throw new InputError('too_large', `download is ${declared} bytes, over the ${limits.maxBytes} byte limit`);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) cb(new InputError('too_large', `download over the ${limits.maxBytes} byte limit`));
        else cb(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, createWriteStream(dest), { signal });
    if (bytes === 0) throw new InputError('download', 'download was empty (0 bytes)');
    return { bytes, contentType: res.headers.get('content-type') };
  } catch (e) {
    rmSync(dest, { force: true });
    if (e instanceof InputError) throw e;
    if (timeout.aborted) throw new InputError('download', `download took longer than ${limits.timeoutMs} ms`, e);
    if (limits.signal?.aborted) throw new InputError('download', 'download cancelled', e);
    throw new InputError('download', `download failed: ${(e as Error).message}`, e);
  }
}

import { createWriteStream, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutboundError, outboundRequest, parseOutboundUrl, type OutboundPolicy, type OutboundResponse } from '../net/outbound';
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
  /** aborted when the studio stops or the client that asked went away */
  signal?: AbortSignal;
  /** which addresses may be reached (net.allow_private) and how names resolve */
  policy: OutboundPolicy;
}

/** Parse and check a download URL: http/https only, no credentials. */
export function parseDownloadUrl(raw: string): URL {
  try {
    return parseOutboundUrl(raw, 'download');
  } catch (e) {
    throw new InputError('download', (e as Error).message, e);
  }
}

/**
 * Stream a URL to `dest` through the outbound guard (private addresses refused, redirects checked
 * hop by hop). Non-2xx, a body over `maxBytes`, an empty body, or taking longer than `timeoutMs`
 * -> InputError('download') (or 'too_large'); `dest` is removed on any failure, including a cancel.
 * Messages are short and never carry the remote's answer or a local path.
 */
export async function downloadToFile(raw: string, dest: string, limits: DownloadLimits): Promise<{ bytes: number; contentType: string | null }> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
  let bytes = 0;
  let res: OutboundResponse | null = null;
  try {
    res = await outboundRequest(raw, limits.policy, { signal, label: 'download' });
    const { status, headers, body } = res;
    if (status < 200 || status > 299) throw new InputError('download', `download failed: HTTP ${status}`);
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBytes) throw new InputError('too_large', `download is ${declared} bytes, over the ${limits.maxBytes} byte limit`);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) cb(new InputError('too_large', `download over the ${limits.maxBytes} byte limit`));
        else cb(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(dest), { signal });
    if (bytes === 0) throw new InputError('download', 'download was empty (0 bytes)');
    const ct = headers['content-type'];
    return { bytes, contentType: typeof ct === 'string' ? ct : null };
  } catch (e) {
    res?.body.destroy();
    rmSync(dest, { force: true });
    if (e instanceof InputError) throw e;
    if (timeout.aborted) throw new InputError('download', 'download failed: timeout', e);
    if (limits.signal?.aborted) throw new InputError('download', 'download cancelled', e);
    if (e instanceof OutboundError) throw new InputError('download', e.message, e);
    throw new InputError('download', 'download failed: connection lost', e);
  }
}

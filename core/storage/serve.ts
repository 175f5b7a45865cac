import type { IncomingMessage, ServerResponse } from 'node:http';
import { suffixPlaylistUris } from '../auth/media-sign';
import { sendError } from '../http/util';
import type { UploadRow } from '../store/uploads-repo';
import type { ObjectStore } from './s3';

/** how long a presigned GET stays valid: enough to start a download, too short to share the link around */
export const PRESIGN_SECONDS = 300;

const notFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
};

/** A single `bytes=` range is passed on to the bucket; anything else is answered whole (as media-static does). */
function rangeOf(req: IncomingMessage): string | undefined {
  const h = req.headers.range;
  return h && /^bytes=\d*-\d*$/.test(h.trim()) ? h.trim() : undefined;
}

/**
 * Answer a request for a file that moved to the bucket. The caller has already passed the same auth gate as for
 * the local file. Playlists are always proxied (small, and their relative segment URIs must keep pointing at
 * this studio, carrying the request's sign/token); other files: 302 to a short-lived presigned GET, or proxied
 * with Range support.
 */
export async function serveStored(store: ObjectStore, row: UploadRow, req: IncomingMessage, res: ServerResponse, suffix: string): Promise<void> {
  const ctl = new AbortController();
  res.on('close', () => ctl.abort());
  try {
    if (row.key.endsWith('.m3u8')) {
      const o = await store.get(row.key, undefined, ctl.signal);
      const text = suffixPlaylistUris(await streamText(o.body), suffix);
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (store.s.serve === 'redirect') {
      const url = await store.presignGet(row.key, PRESIGN_SECONDS);
      res.writeHead(302, { location: url, 'cache-control': 'private, no-store', 'content-length': 0 });
      res.end();
      return;
    }
    const o = await store.get(row.key, rangeOf(req), ctl.signal);
    const headers: Record<string, string | number> = {
      'content-type': o.type ?? row.content_type ?? 'application/octet-stream', 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=86400',
    };
    if (o.length !== undefined) headers['content-length'] = o.length;
    if (o.range) headers['content-range'] = o.range;
    if (o.etag) headers.etag = o.etag;
    if (o.lastModified) headers['last-modified'] = o.lastModified.toUTCString();
    res.writeHead(o.status === 206 ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      o.body.destroy();
      res.end();
      return;
    }
    o.body.on('error', () => res.destroy());
    o.body.pipe(res);
  } catch (e) {
    if (res.headersSent || ctl.signal.aborted) return void res.destroy();
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (notFound(e)) return sendError(res, 404, 'NOT_FOUND', 'no such media file (not in the bucket either)');
    if (err.$metadata?.httpStatusCode === 416 || err.name === 'InvalidRange') {
      res.writeHead(416, { 'content-range': `bytes */${row.size}`, 'content-length': 0 });
      return void res.end();
    }
    sendError(res, 502, 'STORAGE_UNAVAILABLE', 'the file is in object storage, which does not answer right now');
  }
}

async function streamText(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > 16 * 1024 * 1024) throw new Error('playlist too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

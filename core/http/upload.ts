import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { OnAirError } from '../errors';
import { boundaryOf, multipartError, MultipartParser, type PartHeaders } from './multipart';

export interface UploadLimits {
  /** bytes per file part */
  maxFileBytes: number;
  /** bytes per plain field (default 64 KiB) */
  maxFieldBytes?: number;
  /** parts in one body (default 64) */
  maxParts?: number;
  /** file parts in one body (default 4) */
  maxFiles?: number;
  /**
   * Called with the fields read so far when a file part begins, before a byte of it is written; throwing
   * refuses the upload (how the seed's `key` field is checked before the file it precedes is stored).
   */
  beforeFile?: (fields: ReadonlyMap<string, string[]>) => void;
}

export interface ReceivedFile {
  field: string;
  /** the client's file name (only for display: never used as a path) */
  filename: string;
  contentType: string | null;
  /** where the bytes are on disk (a scratch file the caller owns now) */
  path: string;
  size: number;
}

export interface ReceivedForm {
  fields: Map<string, string[]>;
  files: ReceivedFile[];
}

/**
 * Resolves when a stream that refused a write can take more. A stream ended meanwhile (the part finished in
 * the same chunk) never emits 'drain' again, so finishing, closing or failing also count.
 */
function writable(ws: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const ev of ['drain', 'finish', 'close', 'error'] as const) ws.off(ev, done);
      resolve();
    };
    for (const ev of ['drain', 'finish', 'close', 'error'] as const) ws.on(ev, done);
  });
}

/** Delete the scratch files of a form (after a refusal). */
export function discardForm(form: ReceivedForm): void {
  for (const f of form.files) rmSync(f.path, { force: true });
}

/**
 * Read a multipart/form-data request: file parts stream to scratch files in `dir` (with backpressure),
 * plain fields are collected. Any limit or syntax error removes every file written and throws
 * (VALIDATION for bad bodies, LIMIT for sizes).
 */
export async function receiveMultipart(req: IncomingMessage, dir: string, limits: UploadLimits): Promise<ReceivedForm> {
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) throw multipartError('Content-Type must be multipart/form-data with a boundary');
  mkdirSync(dir, { recursive: true });
  const form: ReceivedForm = { fields: new Map(), files: [] };
  const maxField = limits.maxFieldBytes ?? 64 * 1024;
  let parts = 0;
  let cur: { h: PartHeaders; file: ReceivedFile | null; ws: WriteStream | null; field: Buffer[]; size: number } | null = null;
  let drain: Promise<void> | null = null;
  let writeError = null as Error | null;
  const streams: WriteStream[] = [];

  const parser = new MultipartParser(boundary, {
    onPart(h) {
      if (++parts > (limits.maxParts ?? 64)) throw new OnAirError('LIMIT', 'multipart: too many parts');
      if (h.filename !== null) {
        if (form.files.length >= (limits.maxFiles ?? 4)) throw new OnAirError('LIMIT', 'multipart: too many files');
        limits.beforeFile?.(form.fields);
        const file: ReceivedFile = { field: h.name, filename: h.filename, contentType: h.contentType, path: path.join(dir, `${randomBytes(12).toString('hex')}.part`), size: 0 };
        form.files.push(file);
        const ws = createWriteStream(file.path, { flags: 'wx' });
        ws.on('error', (e) => {
          writeError = e;
        });
        streams.push(ws);
        cur = { h, file, ws, field: [], size: 0 };
      } else {
        cur = { h, file: null, ws: null, field: [], size: 0 };
      }
    },
    onData(chunk) {
      if (!cur) return;
      cur.size += chunk.length;
      if (cur.file && cur.ws) {
        if (cur.size > limits.maxFileBytes) throw new OnAirError('LIMIT', `upload over the ${limits.maxFileBytes} byte limit`);
        cur.file.size = cur.size;
        const ws = cur.ws;
        if (!ws.write(chunk) && !drain) drain = writable(ws);
      } else {
        if (cur.size > maxField) throw new OnAirError('LIMIT', `multipart: field "${cur.h.name.slice(0, 64)}" over ${maxField} bytes`);
        cur.field.push(Buffer.from(chunk));
      }
    },
    onPartEnd() {
      if (!cur) return;
      if (cur.ws) cur.ws.end();
      else {
        const list = form.fields.get(cur.h.name) ?? [];
        list.push(Buffer.concat(cur.field).toString('utf8'));
        form.fields.set(cur.h.name, list);
      }
      cur = null;
    },
  });

  try {
    await new Promise<void>((resolve, reject) => {
      let over = false;
      const fail = (e: unknown): void => {
        if (over) return;
        over = true;
        req.off('data', onData);
        reject(e);
      };
      const onData = (chunk: Buffer): void => {
        try {
          parser.write(chunk);
        } catch (e) {
          return fail(e);
        }
        if (writeError) return fail(new OnAirError('IO', `upload: cannot write: ${writeError.message}`));
        if (drain) {
          req.pause();
          void drain.then(() => {
            drain = null;
            if (!over) req.resume();
          });
        }
      };
      req.on('data', onData);
      req.once('end', () => {
        try {
          parser.end();
        } catch (e) {
          return fail(e);
        }
        over = true;
        resolve();
      });
      req.once('error', (e) => fail(new OnAirError('IO', `upload: ${e.message}`, e)));
      req.once('close', () => fail(new OnAirError('IO', 'upload: the client went away')));
    });
    await Promise.all(
      streams.map((ws) =>
        ws.closed
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => {
              ws.once('close', () => resolve());
              ws.once('error', reject);
            }),
      ),
    );
    if (writeError) throw new OnAirError('IO', `upload: cannot write: ${(writeError as Error).message}`);
    return form;
  } catch (e) {
    for (const ws of streams) ws.destroy();
    discardForm(form);
    if (!req.complete) drainRequest(req);
    throw e;
  }
}

/** Read and discard the rest of a refused body (bounded), so the client gets our answer instead of a reset. */
export function drainRequest(req: IncomingMessage, maxBytes = 64 * 1024 * 1024): void {
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
    if (n > maxBytes) req.destroy();
  });
  req.on('error', () => {});
  req.resume();
}

import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { OnAirError } from '../errors';

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
  /** the part's Content-Type (busboy reports text/plain when the part has none) */
  contentType: string | null;
  /** where the bytes are on disk (a scratch file the caller owns now) */
  path: string;
  size: number;
}

export interface ReceivedForm {
  fields: Map<string, string[]>;
  files: ReceivedFile[];
}

const multipartError = (message: string): OnAirError => new OnAirError('VALIDATION', `multipart: ${message}`);

/** True when a Content-Type is multipart/form-data with a boundary RFC 2046 allows. */
function hasValidBoundary(contentType: string | undefined): boolean {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return false;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const b = m ? (m[1] ?? m[2]) : null;
  return b !== null && /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(b) && !b.endsWith(' ');
}

/** Resolves once a write stream has closed (its file descriptor released), however it ended. */
function closed(ws: WriteStream): Promise<void> {
  return ws.closed ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}

/** Delete the scratch files of a form (after a refusal). */
export function discardForm(form: ReceivedForm): void {
  for (const f of form.files) rmSync(f.path, { force: true });
}

/**
 * Read a multipart/form-data request with busboy: file parts stream to scratch files in `dir` (with
 * backpressure all the way back to the socket), plain fields are collected. Any limit or syntax error
 * removes every file written and throws (VALIDATION for bad bodies, LIMIT for sizes and counts, IO for
 * the disk or a client that went away).
 */
export async function receiveMultipart(req: IncomingMessage, dir: string, limits: UploadLimits): Promise<ReceivedForm> {
  if (!hasValidBoundary(req.headers['content-type'])) throw multipartError('Content-Type must be multipart/form-data with a boundary');
  const maxField = limits.maxFieldBytes ?? 64 * 1024;
  const maxParts = limits.maxParts ?? 64;
  const maxFiles = limits.maxFiles ?? 4;
  let bb: busboy.Busboy;
  try {
    // one byte over each limit, so "over" is told apart from "exactly at" (busboy truncates at the limit)
    bb = busboy({
      headers: req.headers,
      preservePath: true, // the client's file name as sent (display only)
      defParamCharset: 'utf8', // browsers send names and file names as raw UTF-8
      limits: { fileSize: limits.maxFileBytes + 1, fieldSize: maxField + 1, parts: maxParts + 1 },
    });
  } catch (e) {
    throw multipartError((e as Error).message);
  }
  mkdirSync(dir, { recursive: true });
  const form: ReceivedForm = { fields: new Map(), files: [] };
  const streams: WriteStream[] = [];
  const writes: Array<Promise<void>> = [];
  let parts = 0;
  let writeError: OnAirError | null = null;

  try {
    await new Promise<void>((resolve, reject) => {
      let over = false;
      const fail = (e: unknown): void => {
        if (over) return;
        over = true;
        req.unpipe(bb);
        for (const ws of streams) ws.destroy();
        // not from inside busboy's own callbacks (it still touches its part state after emitting them)
        process.nextTick(() => bb.destroy());
        reject(e);
      };
      const addField = (name: string, value: string): void => {
        const list = form.fields.get(name) ?? [];
        list.push(value);
        form.fields.set(name, list);
      };
      bb.on('field', (name: string | undefined, value, info) => {
        if (over) return;
        if (name === undefined) return fail(multipartError('part without a name'));
        if (++parts > maxParts) return fail(new OnAirError('LIMIT', 'multipart: too many parts'));
        if (info.valueTruncated) return fail(new OnAirError('LIMIT', `multipart: field "${name.slice(0, 64)}" over ${maxField} bytes`));
        addField(name, value);
      });
      bb.on('file', (name: string | undefined, stream, info) => {
        stream.on('error', () => {}); // destroyed with busboy when the form is refused; the refusal is the error
        if (over) return void stream.resume();
        if (name === undefined) return fail(multipartError('part without a name'));
        if (++parts > maxParts) return fail(new OnAirError('LIMIT', 'multipart: too many parts'));
        if (form.files.length >= maxFiles) return fail(new OnAirError('LIMIT', 'multipart: too many files'));
        try {
          limits.beforeFile?.(form.fields);
        } catch (e) {
          return fail(e);
        }
        const file: ReceivedFile = {
          field: name, filename: info.filename ?? '', contentType: info.mimeType || null,
          path: path.join(dir, `${randomBytes(12).toString('hex')}.part`), size: 0,
        };
        form.files.push(file);
        const ws = createWriteStream(file.path, { flags: 'wx' });
        streams.push(ws);
        stream.once('limit', () => fail(new OnAirError('LIMIT', `upload over the ${limits.maxFileBytes} byte limit`)));
        writes.push(
          pipeline(stream, ws).then(
            async () => {
              await closed(ws);
              file.size = ws.bytesWritten;
            },
            (e: Error) => {
              writeError ??= new OnAirError('IO', `upload: cannot write: ${e.message}`, e);
              fail(writeError);
            },
          ),
        );
      });
      bb.on('partsLimit', () => fail(new OnAirError('LIMIT', 'multipart: too many parts')));
      bb.on('error', (e: Error) => fail(multipartError(e.message)));
      bb.on('finish', () => {
        if (over) return;
        over = true;
        resolve();
      });
      req.once('error', (e) => fail(new OnAirError('IO', `upload: ${e.message}`, e)));
      req.once('close', () => {
        if (!req.complete) fail(new OnAirError('IO', 'upload: the client went away'));
      });
      req.pipe(bb);
    });
    // every file flushed and closed; a write that failed after the body ended still refuses the form
    await Promise.all(writes);
    if (writeError) throw writeError;
    return form;
  } catch (e) {
    for (const ws of streams) ws.destroy();
    await Promise.all(streams.map(closed));
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

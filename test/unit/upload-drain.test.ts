import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { receiveMultipart } from '../../core/http/upload';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-upload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A request whose whole multipart body arrives as ONE chunk (what a loaded machine can deliver). */
function oneChunkRequest(body: Buffer, boundary: string): IncomingMessage {
  const req = new PassThrough() as unknown as IncomingMessage & PassThrough;
  Object.assign(req, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, complete: true });
  setImmediate(() => req.end(body));
  return req;
}

describe('multipart upload to disk', () => {
  it('finishes when a file part larger than the write buffer ends inside the same chunk', async () => {
    const boundary = '----WebKitFormBoundaryOnAirTest01';
    const file = Buffer.alloc(2 * 1024 * 1024, 7); // far over the stream's 16 KiB high-water mark: write() says "wait"
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n{}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const form = await Promise.race([
      receiveMultipart(oneChunkRequest(body, boundary), dir, { maxFileBytes: 10 * 1024 * 1024 }),
      new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('receiveMultipart hung')), 5000)),
    ]);
    expect(form.fields.get('options')).toEqual(['{}']);
    expect(form.files).toHaveLength(1);
    expect(form.files[0].size).toBe(file.length);
    expect(readFileSync(form.files[0].path).equals(file)).toBe(true);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { discardForm, receiveMultipart, type UploadLimits } from '../../core/http/upload';
import { memRequest } from '../helpers/mem-request';

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
    discardForm(form);
  });
});

describe('multipart parsing (busboy) and its refusals', () => {
  afterEach(() => expect(readdirSync(dir)).toEqual([])); // every test leaves no scratch file behind
  const type = (b: string): string => `multipart/form-data; boundary=${b}`;
  const receive = (body: Buffer, boundary: string, cut = 0, limits: UploadLimits = { maxFileBytes: 1 << 20 }) => {
    const chunks: Buffer[] = [];
    if (cut > 0) for (let i = 0; i < body.length; i += cut) chunks.push(body.subarray(i, i + cut));
    else chunks.push(body);
    return receiveMultipart(memRequest(chunks, type(boundary)), dir, limits);
  };
  const refusal = async (p: Promise<unknown>): Promise<OnAirError> => {
    const e = await p.then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(OnAirError);
    return e as OnAirError;
  };
  const body = Buffer.from(
    'preamble\r\n--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n' +
      '--XyZ\r\ncontent-disposition: form-data; name="file"; filename="x \\"y\\" é.mp4"\r\nContent-Type: video/mp4\r\n\r\n\r\n--XyQ--XyZ\r\n-XyZ\r\n--Xy\r\n' +
      '--XyZ--\r\nepilogue',
    'utf8',
  );

  it('parses fields and files, whole or a few bytes at a time, boundary look-alikes inside data', async () => {
    for (const cut of [0, 1, 2, 3, 7]) {
      const form = await receive(body, 'XyZ', cut);
      expect(form.fields).toEqual(new Map([['a', ['1']]]));
      expect(form.files.map((f) => [f.field, f.filename, f.contentType, f.size])).toEqual([['file', 'x "y" é.mp4', 'video/mp4', 24]]);
      expect(readFileSync(form.files[0].path, 'latin1')).toBe('\r\n--XyQ--XyZ\r\n-XyZ\r\n--Xy');
      discardForm(form);
    }
  });

  it('refuses truncated bodies, parts without a name, bad boundaries and malformed part headers (VALIDATION)', async () => {
    for (const cut of [0, 5]) expect((await refusal(receive(body.subarray(0, body.length - 20), 'XyZ', cut))).code).toBe('VALIDATION');
    expect((await refusal(receive(Buffer.from('--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--'), 'b'))).message).toMatch(/without a name/);
    expect((await refusal(receive(Buffer.from('--b\r\nno colon here\r\n\r\nx\r\n--b--'), 'b'))).code).toBe('VALIDATION');
    expect((await refusal(receive(Buffer.from('--bjunk\r\n'), 'b'))).code).toBe('VALIDATION'); // never really starts
    for (const ct of ['application/json', 'multipart/form-data', 'multipart/form-data; boundary=a\u0001b', 'multipart/form-data; boundary="a "']) {
      expect((await refusal(receiveMultipart(memRequest([body], ct), dir, { maxFileBytes: 10 }))).code).toBe('VALIDATION');
    }
  });

  it('limits: file bytes (exactly at the limit is fine), field bytes, parts and files (LIMIT); no file stays behind', async () => {
    const file = (n: number, name = 'f'): string => `--b\r\nContent-Disposition: form-data; name="${name}"; filename="x.bin"\r\n\r\n${'z'.repeat(n)}\r\n`;
    const field = (n: number): string => `--b\r\nContent-Disposition: form-data; name="t"\r\n\r\n${'y'.repeat(n)}\r\n`;
    const at = await receive(Buffer.from(`${file(1000)}--b--`), 'b', 100, { maxFileBytes: 1000 });
    expect(at.files[0].size).toBe(1000);
    discardForm(at);
    expect((await refusal(receive(Buffer.from(`${file(1001)}--b--`), 'b', 100, { maxFileBytes: 1000 }))).code).toBe('LIMIT');
    expect((await refusal(receive(Buffer.from(`${field(11)}--b--`), 'b', 0, { maxFileBytes: 1, maxFieldBytes: 10 }))).code).toBe('LIMIT');
    expect((await refusal(receive(Buffer.from(`${field(1).repeat(4)}--b--`), 'b', 0, { maxFileBytes: 1, maxParts: 3 }))).code).toBe('LIMIT');
    expect((await refusal(receive(Buffer.from(`${field(1)}${file(10)}${file(10)}--b--`), 'b', 3, { maxFileBytes: 100, maxFiles: 1 }))).message).toMatch(/too many files/);
    const three = await receive(Buffer.from(`${field(1).repeat(3)}--b--`), 'b', 0, { maxFileBytes: 1, maxParts: 3 });
    expect(three.fields.get('t')).toEqual(['y', 'y', 'y']);
  });

  it('beforeFile sees the fields before the file and can refuse it before a byte is written', async () => {
    const b = Buffer.from('--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nk1\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nDATA\r\n--b--');
    const seen: string[][] = [];
    const e = await refusal(receive(b, 'b', 2, {
      maxFileBytes: 100,
      beforeFile: (f) => {
        seen.push(f.get('key') ?? []);
        throw new OnAirError('AUTH', 'wrong key');
      },
    }));
    expect([e.code, seen]).toEqual(['AUTH', [['k1']]]);
  });
});

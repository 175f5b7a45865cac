import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { discardForm, receiveMultipart, type ReceivedForm } from '../../core/http/upload';
import { mutate } from '../helpers/format-fuzz';
import { memRequest } from '../helpers/mem-request';
import { fuzzCases, pick, prng, randInt, randomBuffer, randomSlices, type Rand } from '../helpers/prng';

/** The upload path as the routes use it: receiveMultipart (busboy) over a request stream, to scratch files. */
const CASES = fuzzCases(2000);
const TIMEOUT = Math.max(60_000, CASES * 10);
const BCHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?";
const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-mp-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Part {
  name: string;
  filename: string | null;
  data: Buffer;
}

function randomBoundary(rand: Rand): string {
  let b = '';
  for (let n = randInt(rand, 1, 70); n > 0; n--) b += pick(rand, [...BCHARS]);
  return b.replace(/ +$/, '') || 'b';
}

/** Names with quotes, backslashes, separators and UTF-8; never empty (busboy reads name="" as no name). */
function randomName(rand: Rand, min = 1): string {
  let s = '';
  for (let n = randInt(rand, min, 12); n > 0; n--) s += pick(rand, [...'abcXYZ09_- .;=é"\\']);
  return s;
}

/** Part data full of near-misses: CRLFs, dashes, boundary prefixes; never the delimiter itself (RFC 2046 §5.1.1). */
function randomData(rand: Rand, boundary: string, delim: Buffer): Buffer {
  for (;;) {
    const pieces: Buffer[] = [];
    for (let n = randInt(rand, 0, 6); n > 0; n--) {
      switch (randInt(rand, 0, 4)) {
        case 0:
          pieces.push(randomBuffer(rand, randInt(rand, 0, 300)));
          break;
        case 1:
          pieces.push(Buffer.from(`\r\n--${boundary.slice(0, randInt(rand, 0, boundary.length - 1))}`));
          break;
        case 2:
          pieces.push(Buffer.from(`--${boundary}x`));
          break;
        case 3:
          pieces.push(Buffer.from(pick(rand, ['\r\n', '\r', '--', '\r\n\r\n', '-'])));
          break;
        default:
          pieces.push(Buffer.alloc(randInt(rand, 0, 2000), randInt(rand, 0, 255)));
      }
    }
    const d = Buffer.concat(pieces);
    // the first delimiter must be the one the encoder puts after the data (the CRLF ending the headers counts)
    if (Buffer.concat([Buffer.from('\r\n'), d, delim]).indexOf(delim) === d.length + 2) return d;
  }
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function encode(parts: readonly Part[], boundary: string, rand: Rand, pad = false): Buffer {
  const out: Buffer[] = [];
  if (rand() < 0.3) out.push(Buffer.from('this is the preamble\r\n'));
  for (const p of parts) {
    let h = `--${boundary}${pad && rand() < 0.2 ? ' \t ' : ''}\r\nContent-Disposition: form-data; name=${quote(p.name)}`;
    if (p.filename !== null) h += `; filename=${quote(p.filename)}\r\nContent-Type: application/octet-stream`;
    out.push(Buffer.from(`${h}\r\n\r\n`, 'utf8'), p.data, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--`));
  if (rand() < 0.3) out.push(Buffer.from('\r\nepilogue --whatever'));
  return Buffer.concat(out);
}

/** receiveMultipart with a watchdog: it must settle (never hang) and refuse only with an OnAirError. */
async function receive(label: string, chunks: readonly Buffer[], boundary: string, maxFileBytes = 1 << 20): Promise<ReceivedForm | OnAirError> {
  const req = memRequest(chunks, `multipart/form-data; boundary="${boundary}"`);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      receiveMultipart(req, dir, { maxFileBytes, maxFiles: 8 }),
      new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${label}: receiveMultipart hung`)), 10_000))),
    ]);
  } catch (e) {
    if (e instanceof OnAirError) {
      expect(['VALIDATION', 'LIMIT'], `${label}: ${e.message}`).toContain(e.code);
      expect(readdirSync(dir), `${label}: scratch files left after a refusal`).toEqual([]);
      return e;
    }
    throw new Error(`${label}: threw a non-OnAirError: ${String(e)}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

describe('multipart upload fuzz (receiveMultipart over busboy)', () => {
  it(`round-trips ${CASES} random bodies cut into random chunks`, async () => {
    const rand = prng(0x6d70);
    for (let c = 0; c < CASES; c++) {
      const boundary = randomBoundary(rand);
      const delim = Buffer.from(`\r\n--${boundary}`);
      const parts: Part[] = [];
      for (let n = randInt(rand, 0, 5); n > 0; n--) {
        parts.push({ name: randomName(rand), filename: rand() < 0.5 ? randomName(rand, 0) : null, data: randomData(rand, boundary, delim) });
      }
      const form = await receive(`case ${c}`, randomSlices(rand, encode(parts, boundary, rand), 512), boundary);
      if (form instanceof OnAirError) throw new Error(`case ${c}: refused a valid body: ${form.message}`);
      const files = parts.filter((p) => p.filename !== null);
      expect(form.files.map((f) => [f.field, f.filename]), `case ${c}`).toEqual(files.map((p) => [p.name, p.filename]));
      files.forEach((p, i) => expect(readFileSync(form.files[i].path).equals(p.data), `case ${c} file ${i}`).toBe(true));
      const fields = new Map<string, string[]>();
      for (const p of parts) if (p.filename === null) fields.set(p.name, [...(fields.get(p.name) ?? []), p.data.toString('utf8')]);
      expect(form.fields, `case ${c}`).toEqual(fields);
      discardForm(form);
    }
  }, TIMEOUT);

  it(`mutated bodies: ${CASES} cases end in a form or an OnAirError, never more bytes than were sent, no files left`, async () => {
    const rand = prng(0x6d71);
    for (let c = 0; c < CASES; c++) {
      const boundary = randomBoundary(rand);
      const delim = Buffer.from(`\r\n--${boundary}`);
      const parts: Part[] = [{ name: 'file', filename: 'a.mp4', data: randomData(rand, boundary, delim) }, { name: 'cover', filename: null, data: Buffer.from('1,2') }];
      const body = mutate(encode(parts, boundary, rand, true), rand);
      const r = await receive(`case ${c}`, randomSlices(rand, body, 256), boundary, rand() < 0.3 ? randInt(rand, 0, 2000) : 1 << 20);
      if (r instanceof OnAirError) continue;
      expect(r.files.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(body.length);
      for (const f of r.files) expect(readFileSync(f.path).length).toBe(f.size);
      discardForm(r);
    }
    expect(readdirSync(dir)).toEqual([]);
  }, TIMEOUT);

  it('random bytes and huge header blocks are refused without buffering without bound', async () => {
    const rand = prng(0x6d72);
    for (let c = 0; c < 200; c++) {
      const body = randomBuffer(rand, randInt(rand, 0, 4096));
      const r = await receive(`random ${c}`, randomSlices(rand, body), 'xyz');
      if (!(r instanceof OnAirError)) discardForm(r);
    }
    const huge = [Buffer.from('--b\r\n'), ...Array.from({ length: 40 }, () => Buffer.alloc(1024, 0x41))];
    const r = await receive('huge header', huge, 'b');
    expect(r).toBeInstanceOf(OnAirError);
    expect((r as OnAirError).code).toBe('VALIDATION');
  });
});

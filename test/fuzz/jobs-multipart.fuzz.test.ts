import { describe, expect, it } from 'vitest';
import { MultipartParser, type PartHeaders } from '../../core/http/multipart';
import { allowFormatError, mutate } from '../helpers/format-fuzz';
import { fuzzCases, pick, prng, randInt, randomBuffer, randomSlices, type Rand } from '../helpers/prng';

const CASES = fuzzCases(2000);
const TIMEOUT = Math.max(60_000, CASES * 3);
const BCHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?";

interface Part {
  name: string;
  filename: string | null;
  data: Buffer;
}

function randomBoundary(rand: Rand): string {
  let b = '';
  for (let n = randInt(rand, 1, 70); n > 0; n--) b += pick(rand, [...BCHARS]);
  return b;
}

function randomName(rand: Rand): string {
  let s = '';
  for (let n = randInt(rand, 0, 12); n > 0; n--) s += pick(rand, [...'abcXYZ09_- .;=é"\\']);
  return s;
}

/** True when `data` holds something the parser must take as a boundary (which a sender may not put in a part). */
function hasRealDelimiter(data: Buffer, delim: Buffer): boolean {
  for (let i = data.indexOf(delim); i >= 0; i = data.indexOf(delim, i + 1)) {
    let j = i + delim.length;
    if (j + 1 >= data.length) return true; // could complete into one with what follows
    if (data[j] === 0x2d && data[j + 1] === 0x2d) return true;
    while (j < data.length && (data[j] === 0x20 || data[j] === 0x09)) j++;
    if (j >= data.length - 1 || (data[j] === 0x0d && data[j + 1] === 0x0a)) return true;
  }
  return false;
}

/** Part data full of near-misses: CRLFs, dashes, and the boundary with the wrong ending. */
function randomData(rand: Rand, boundary: string, delim: Buffer): Buffer {
  for (;;) {
    const pieces: Buffer[] = [];
    for (let n = randInt(rand, 0, 6); n > 0; n--) {
      switch (randInt(rand, 0, 4)) {
        case 0:
          pieces.push(randomBuffer(rand, randInt(rand, 0, 300)));
          break;
        case 1:
          pieces.push(Buffer.from(`\r\n--${boundary.slice(0, randInt(rand, 0, boundary.length))}`));
          break;
        case 2:
          pieces.push(Buffer.from(`\r\n--${boundary}x`));
          break;
        case 3:
          pieces.push(Buffer.from(pick(rand, ['\r\n', '\r', '--', '\r\n\r\n', '-'])));
          break;
        default:
          pieces.push(Buffer.alloc(randInt(rand, 0, 2000), randInt(rand, 0, 255)));
      }
    }
    const d = Buffer.concat(pieces);
    if (!hasRealDelimiter(Buffer.concat([d, Buffer.from('\r\n')]), delim) || d.length === 0) return d;
  }
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function encode(parts: readonly Part[], boundary: string, rand: Rand): Buffer {
  const out: Buffer[] = [];
  if (rand() < 0.3) out.push(Buffer.from('this is the preamble\r\n'));
  for (const p of parts) {
    const pad = rand() < 0.2 ? ' \t ' : '';
    let h = `--${boundary}${pad}\r\nContent-Disposition: form-data; name=${quote(p.name)}`;
    if (p.filename !== null) h += `; filename=${quote(p.filename)}\r\nContent-Type: application/octet-stream`;
    out.push(Buffer.from(`${h}\r\n\r\n`, 'utf8'), p.data, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--`));
  if (rand() < 0.3) out.push(Buffer.from('\r\nepilogue --whatever'));
  return Buffer.concat(out);
}

function parseAll(chunks: readonly Buffer[], boundary: string): Part[] {
  const parts: Array<{ h: PartHeaders; data: Buffer[] }> = [];
  let ended = 0;
  const p = new MultipartParser(boundary, {
    onPart: (h) => parts.push({ h, data: [] }),
    onData: (c) => parts[parts.length - 1].data.push(Buffer.from(c)),
    onPartEnd: () => ended++,
  });
  for (const c of chunks) p.write(c);
  p.end();
  expect(ended).toBe(parts.length);
  return parts.map((x) => ({ name: x.h.name, filename: x.h.filename, data: Buffer.concat(x.data) }));
}

describe('multipart parser fuzz', () => {
  it(`round-trips ${CASES} random bodies cut into random chunks`, () => {
    const rand = prng(0x6d70);
    for (let c = 0; c < CASES; c++) {
      const boundary = randomBoundary(rand).replace(/ +$/, '') || 'b';
      const delim = Buffer.from(`\r\n--${boundary}`);
      const parts: Part[] = [];
      for (let n = randInt(rand, 0, 5); n > 0; n--) {
        parts.push({ name: randomName(rand), filename: rand() < 0.5 ? randomName(rand) : null, data: randomData(rand, boundary, delim) });
      }
      const body = encode(parts, boundary, rand);
      const got = parseAll(randomSlices(rand, body, 512), boundary);
      expect(got.length, `case ${c}`).toBe(parts.length);
      got.forEach((g, i) => {
        expect(g.name).toBe(parts[i].name);
        expect(g.filename).toBe(parts[i].filename);
        expect(g.data.equals(parts[i].data), `case ${c} part ${i}`).toBe(true);
      });
    }
  }, TIMEOUT);

  it(`mutated bodies: ${CASES} cases end in parts or an OnAirError, never more data than was sent`, () => {
    const rand = prng(0x6d71);
    for (let c = 0; c < CASES; c++) {
      const boundary = randomBoundary(rand).replace(/ +$/, '') || 'b';
      const delim = Buffer.from(`\r\n--${boundary}`);
      const parts: Part[] = [{ name: 'file', filename: 'a.mp4', data: randomData(rand, boundary, delim) }, { name: 'cover', filename: null, data: Buffer.from('1,2') }];
      const body = mutate(encode(parts, boundary, rand), rand);
      const r = allowFormatError(`case ${c}`, body, () => parseAll(randomSlices(rand, body, 256), boundary));
      if (Array.isArray(r)) expect(r.reduce((n, p) => n + p.data.length, 0)).toBeLessThanOrEqual(body.length);
    }
  }, TIMEOUT);

  it('random bytes and huge header blocks are refused without buffering without bound', () => {
    const rand = prng(0x6d72);
    for (let c = 0; c < 200; c++) {
      const body = randomBuffer(rand, randInt(rand, 0, 4096));
      allowFormatError(`random ${c}`, body, () => parseAll(randomSlices(rand, body), 'xyz'));
    }
    const p = new MultipartParser('b', { onPart() {}, onData() {}, onPartEnd() {} });
    p.write(Buffer.from('--b\r\n'));
    expect(() => {
      for (let i = 0; i < 40; i++) p.write(Buffer.alloc(1024, 0x41));
    }).toThrow(/headers too large/);
  });
});

/** Test helpers: random AMF values and a small AMF3 encoder (with string, object and traits references). */
import type { AmfObject, AmfValue } from '../../core/format/amf/amf';
import { pick, randInt, type Rand } from './prng';

const KEYS = ['app', 'tcUrl', 'code', 'level', '', 'ключ', '😀', '__proto__', 'toString', 'hasOwnProperty', 'a', 'b', 'duration'];

export function randomString(rand: Rand, max = 40): string {
  const n = randInt(rand, 0, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.7) s += String.fromCharCode(randInt(rand, 0x20, 0x7e));
    else if (r < 0.9) s += String.fromCharCode(randInt(rand, 0xa0, 0xd7ff));
    else s += '😀';
  }
  return s;
}

export function randomNumber(rand: Rand): number {
  return pick(rand, [
    0,
    -0,
    1,
    -1,
    0.5,
    268435455,
    -268435456,
    268435456,
    2 ** 53,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Infinity,
    -Infinity,
    NaN,
    randInt(rand, -1e6, 1e6),
    (rand() - 0.5) * 1e12,
  ]);
}

export function randomAmfValue(rand: Rand, depth = 0): AmfValue {
  const r = rand();
  const leaf = depth >= 4 || r < 0.6;
  if (leaf) {
    switch (randInt(rand, 0, 5)) {
      case 0:
        return randomNumber(rand);
      case 1:
        return rand() < 0.5;
      case 2:
        return randomString(rand);
      case 3:
        return null;
      case 4:
        return undefined;
      default:
        return new Date(Math.floor((rand() - 0.5) * 4e12));
    }
  }
  if (rand() < 0.4) {
    const arr: AmfValue[] = [];
    for (let i = randInt(rand, 0, 6); i > 0; i--) arr.push(randomAmfValue(rand, depth + 1));
    return arr;
  }
  const obj: AmfObject = {};
  for (let i = randInt(rand, 0, 6); i > 0; i--) {
    const key = rand() < 0.5 ? pick(rand, KEYS) : randomString(rand, 10);
    if (key === '') continue; // an empty key is the AMF0 object end
    Object.defineProperty(obj, key, { value: randomAmfValue(rand, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return obj;
}

/** AMF3 encoder for tests. Strings and objects seen twice are written as references. */
export class Amf3Writer {
  private readonly parts: number[] = [];
  private readonly strings = new Map<string, number>();
  private readonly objects = new Map<object, number>();
  private objectCount = 0;

  bytes(): Buffer {
    return Buffer.from(this.parts);
  }

  u29(v: number): void {
    const x = v & 0x1fffffff;
    if (x < 0x80) this.parts.push(x);
    else if (x < 0x4000) this.parts.push((x >> 7) | 0x80, x & 0x7f);
    else if (x < 0x200000) this.parts.push((x >> 14) | 0x80, ((x >> 7) & 0x7f) | 0x80, x & 0x7f);
    else this.parts.push((x >> 22) | 0x80, ((x >> 15) & 0x7f) | 0x80, ((x >> 8) & 0x7f) | 0x80, x & 0xff);
  }

  string(s: string): void {
    if (s === '') return this.u29(1);
    const ref = this.strings.get(s);
    if (ref !== undefined) return this.u29(ref << 1);
    this.strings.set(s, this.strings.size);
    const b = Buffer.from(s, 'utf8');
    this.u29((b.length << 1) | 1);
    this.parts.push(...b);
  }

  private ref(o: object): boolean {
    const idx = this.objects.get(o);
    if (idx !== undefined) {
      this.u29(idx << 1);
      return true;
    }
    this.objects.set(o, this.objectCount++);
    return false;
  }

  value(v: AmfValue): void {
    if (v === undefined) this.parts.push(0x00);
    else if (v === null) this.parts.push(0x01);
    else if (v === false) this.parts.push(0x02);
    else if (v === true) this.parts.push(0x03);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -268435456 && v <= 268435455 && !Object.is(v, -0)) {
        this.parts.push(0x04);
        this.u29(v);
      } else {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v);
        this.parts.push(0x05, ...b);
      }
    } else if (typeof v === 'string') {
      this.parts.push(0x06);
      this.string(v);
    } else if (v instanceof Date) {
      this.parts.push(0x08);
      if (this.ref(v)) return;
      this.u29(1);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v.getTime());
      this.parts.push(...b);
    } else if (Array.isArray(v)) {
      this.parts.push(0x09);
      if (this.ref(v)) return;
      this.u29((v.length << 1) | 1);
      this.u29(1); // no associative part
      for (const x of v) this.value(x);
    } else {
      this.parts.push(0x0a);
      if (this.ref(v)) return;
      this.u29(0x0b); // inline traits, dynamic, no sealed members
      this.u29(1); // anonymous class
      for (const k of Object.keys(v)) {
        if (k === '') continue;
        this.string(k);
        this.value(v[k]);
      }
      this.u29(1);
    }
  }
}

export function encodeAmf3Value(v: AmfValue): Buffer {
  const w = new Amf3Writer();
  w.value(v);
  return w.bytes();
}

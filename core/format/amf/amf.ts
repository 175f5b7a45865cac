/**
 * AMF0 (Action Message Format 0) encoding and decoding, with the AMF3 switch (avmplus marker 0x11).
 * Pure: no I/O. Decoding never trusts a declared count or length beyond the bytes present.
 */
import { AMF_MAX_DEPTH, AmfBudget, M0, amfError, setAmfProp, type AmfObject, type AmfValue } from './amf-shared';
import { decodeAmf3At } from './amf3';

export { AmfEcmaArray } from './amf-shared';
export type { AmfObject, AmfValue } from './amf-shared';
export { encodeAmf0 } from './amf0-encode';

class Amf0Decoder {
  /** Complex values (objects, typed objects, ECMA and strict arrays) in order, for 0x07 references. */
  private readonly refs: AmfValue[] = [];
  private readonly building = new Set<unknown>();
  /** budget weight of each finished complex value, charged again when it is referenced */
  private readonly weights = new Map<unknown, number>();
  private readonly budget: AmfBudget;

  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {
    this.budget = new AmfBudget(buf.length - pos);
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) throw amfError('truncated AMF0 value');
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  private utf8(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    this.budget.add(s.length);
    return s;
  }

  /**
   * Key/value pairs up to the empty key + 0x09 end marker. With `endOptional` (ECMA arrays) the buffer
   * may also simply end where the next key would start: some encoders omit the terminator there.
   */
  private props(obj: AmfObject, depth: number, endOptional: boolean): void {
    for (;;) {
      if (endOptional && this.pos === this.buf.length) return;
      const key = this.utf8(this.u16());
      if (key === '') {
        this.need(1);
        if (this.buf[this.pos] === M0.OBJECT_END) {
          this.pos++;
          return;
        }
      }
      setAmfProp(obj, key, this.value(depth + 1));
    }
  }

  private container(depth: number, typed: boolean, count: number): AmfObject {
    if (depth >= AMF_MAX_DEPTH) throw amfError(`nesting deeper than ${AMF_MAX_DEPTH}`);
    if (typed) this.utf8(this.u16()); // class name: decodes to a plain object
    const start = this.budget.used;
    const obj: AmfObject = {};
    this.refs.push(obj);
    this.building.add(obj);
    this.props(obj, depth, count >= 0);
    this.building.delete(obj);
    this.weights.set(obj, this.budget.used - start + 1);
    return obj;
  }

  value(depth: number): AmfValue {
    this.budget.add(1);
    this.need(1);
    const marker = this.buf[this.pos++];
    switch (marker) {
      case M0.NUMBER:
        return this.f64();
      case M0.BOOLEAN:
        this.need(1);
        return this.buf[this.pos++] !== 0;
      case M0.STRING:
        return this.utf8(this.u16());
      case M0.LONG_STRING:
      case M0.XML_DOC:
        return this.utf8(this.u32());
      case M0.OBJECT:
        return this.container(depth, false, -1);
      case M0.TYPED_OBJECT:
        return this.container(depth, true, -1);
      case M0.ECMA_ARRAY:
        return this.container(depth, false, this.u32());
      case M0.NULL:
        return null;
      case M0.UNDEFINED:
      case M0.UNSUPPORTED:
        return undefined;
      case M0.REFERENCE: {
        const idx = this.u16();
        if (idx >= this.refs.length) throw amfError(`reference ${idx} out of range`);
        const v = this.refs[idx];
        if (this.building.has(v)) throw amfError('circular reference');
        this.budget.add(this.weights.get(v) ?? 1);
        return v;
      }
      case M0.STRICT_ARRAY: {
        if (depth >= AMF_MAX_DEPTH) throw amfError(`nesting deeper than ${AMF_MAX_DEPTH}`);
        const count = this.u32();
        // each element takes at least one byte: an impossible count fails before any work
        if (count > this.buf.length - this.pos) throw amfError(`strict array declares ${count} elements, buffer is shorter`);
        const start = this.budget.used;
        const arr: AmfValue[] = [];
        this.refs.push(arr);
        this.building.add(arr);
        for (let i = 0; i < count; i++) arr.push(this.value(depth + 1));
        this.building.delete(arr);
        this.weights.set(arr, this.budget.used - start + 1);
        return arr;
      }
      case M0.DATE: {
        const ms = this.f64();
        this.u16(); // time zone: reserved, ignored
        return new Date(ms);
      }
      case M0.AVMPLUS: {
        const r = decodeAmf3At(this.buf, this.pos, depth, this.budget);
        this.pos = r.next;
        return r.value;
      }
      default:
        throw amfError(`unknown or unsupported AMF0 marker 0x${marker.toString(16)}`);
    }
  }
}

function checkOffset(buf: Buffer, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) throw amfError(`bad offset ${offset}`);
}

/** Decode every value from `offset` to the end of the buffer. ECMA arrays decode to plain objects. */
export function decodeAmf0(buf: Buffer, offset = 0): AmfValue[] {
  checkOffset(buf, offset);
  const d = new Amf0Decoder(buf, offset);
  const out: AmfValue[] = [];
  while (d.pos < buf.length) out.push(d.value(0));
  return out;
}

/** Decode one AMF0 value at `offset`; `next` is the offset just after it. */
export function decodeAmf0One(buf: Buffer, offset: number): { value: AmfValue; next: number } {
  checkOffset(buf, offset);
  const d = new Amf0Decoder(buf, offset);
  const value = d.value(0);
  return { value, next: d.pos };
}

/** Decode one AMF3 value at `offset` with fresh reference tables; `next` is the offset just after it. */
export function decodeAmf3(buf: Buffer, offset: number): { value: AmfValue; next: number } {
  return decodeAmf3At(buf, offset, 0);
}

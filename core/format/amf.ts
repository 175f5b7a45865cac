/**
 * AMF0 (Action Message Format 0) encoding and decoding, with the AMF3 switch (avmplus marker 0x11).
 * Pure: no I/O. Decoding never trusts a declared count or length beyond the bytes present.
 */
import { AMF_MAX_DEPTH, amfError, decodeAmf3At, setAmfProp } from './amf3';

export type AmfObject = { [k: string]: AmfValue };
export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject;

/** Marks an object to be encoded as an AMF0 ECMA array (0x08), as onMetaData is. */
export class AmfEcmaArray {
  constructor(readonly value: AmfObject) {}
}

const M0 = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  MOVIECLIP: 0x04,
  NULL: 0x05,
  UNDEFINED: 0x06,
  REFERENCE: 0x07,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
  UNSUPPORTED: 0x0d,
  RECORDSET: 0x0e,
  XML_DOC: 0x0f,
  TYPED_OBJECT: 0x10,
  AVMPLUS: 0x11,
} as const;

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  u32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  f64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /** UTF-8 bytes prefixed by a 16-bit (short) or 32-bit (long) length. */
  utf8(s: string, long: boolean): void {
    const len = Buffer.byteLength(s, 'utf8');
    if (long) this.u32(len);
    else if (len > 0xffff) throw amfError(`string of ${len} bytes does not fit a 16-bit length`);
    else this.u16(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }
}

function encodeProps(w: Writer, obj: AmfObject, depth: number): void {
  for (const key of Object.keys(obj)) {
    w.utf8(key, false);
    encodeValue(w, obj[key], depth + 1);
  }
  w.u16(0);
  w.u8(M0.OBJECT_END);
}

function encodeValue(w: Writer, v: AmfValue | AmfEcmaArray, depth: number): void {
  if (typeof v === 'number') {
    w.u8(M0.NUMBER);
    w.f64(v);
  } else if (typeof v === 'boolean') {
    w.u8(M0.BOOLEAN);
    w.u8(v ? 1 : 0);
  } else if (typeof v === 'string') {
    const long = Buffer.byteLength(v, 'utf8') > 0xffff;
    w.u8(long ? M0.LONG_STRING : M0.STRING);
    w.utf8(v, long);
  } else if (v === null) {
    w.u8(M0.NULL);
  } else if (v === undefined) {
    w.u8(M0.UNDEFINED);
  } else if (v instanceof Date) {
    w.u8(M0.DATE);
    w.f64(v.getTime());
    w.u16(0);
  } else {
    if (depth >= AMF_MAX_DEPTH) throw amfError(`nesting deeper than ${AMF_MAX_DEPTH} (or a cycle)`);
    if (Array.isArray(v)) {
      w.u8(M0.STRICT_ARRAY);
      w.u32(v.length);
      for (let i = 0; i < v.length; i++) encodeValue(w, v[i], depth + 1);
    } else if (v instanceof AmfEcmaArray) {
      w.u8(M0.ECMA_ARRAY);
      w.u32(Object.keys(v.value).length);
      encodeProps(w, v.value, depth);
    } else {
      w.u8(M0.OBJECT);
      encodeProps(w, v, depth);
    }
  }
}

/** Encode values one after another (a command: name, transaction id, command object, args...). */
export function encodeAmf0(values: Array<AmfValue | AmfEcmaArray>): Buffer {
  const w = new Writer();
  for (const v of values) encodeValue(w, v, 0);
  return w.buf.subarray(0, w.pos);
}

// ---------------------------------------------------------------------------------------------
// Decoding

class Amf0Decoder {
  /** Complex values (objects, typed objects, ECMA and strict arrays) in order, for 0x07 references. */
  private readonly refs: AmfValue[] = [];
  private readonly building = new Set<unknown>();

  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}

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
    const obj: AmfObject = {};
    this.refs.push(obj);
    this.building.add(obj);
    this.props(obj, depth, count >= 0);
    this.building.delete(obj);
    return obj;
  }

  value(depth: number): AmfValue {
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
        return v;
      }
      case M0.STRICT_ARRAY: {
        if (depth >= AMF_MAX_DEPTH) throw amfError(`nesting deeper than ${AMF_MAX_DEPTH}`);
        const count = this.u32();
        // each element takes at least one byte: an impossible count fails before any work
        if (count > this.buf.length - this.pos) throw amfError(`strict array declares ${count} elements, buffer is shorter`);
        const arr: AmfValue[] = [];
        this.refs.push(arr);
        this.building.add(arr);
        for (let i = 0; i < count; i++) arr.push(this.value(depth + 1));
        this.building.delete(arr);
        return arr;
      }
      case M0.DATE: {
        const ms = this.f64();
        this.u16(); // time zone: reserved, ignored
        return new Date(ms);
      }
      case M0.AVMPLUS: {
        const r = decodeAmf3At(this.buf, this.pos, depth);
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

/** AMF0 encoding. Pure. */
import { AMF_MAX_DEPTH, AmfEcmaArray, M0, amfError, type AmfObject, type AmfValue } from './amf-shared';

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


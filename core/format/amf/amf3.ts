/**
 * AMF3 decoding (Action Message Format 3), used inside AMF0 through the avmplus marker (0x11).
 * Pure: no I/O. Every length and count declared by the peer is checked against the bytes that
 * are actually present before anything is allocated, so a hostile count fails fast.
 */
import { AMF_MAX_DEPTH, AmfBudget, amfError, setAmfProp, type AmfObject, type AmfValue } from './amf-shared';

interface Traits {
  dynamic: boolean;
  names: string[];
}

const M = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INTEGER: 0x04,
  DOUBLE: 0x05,
  STRING: 0x06,
  XML_DOC: 0x07,
  DATE: 0x08,
  ARRAY: 0x09,
  OBJECT: 0x0a,
  XML: 0x0b,
  BYTE_ARRAY: 0x0c,
  VECTOR_INT: 0x0d,
  VECTOR_UINT: 0x0e,
  VECTOR_DOUBLE: 0x0f,
  VECTOR_OBJECT: 0x10,
  DICTIONARY: 0x11,
} as const;

/** One AMF3 context: the three reference tables live exactly as long as one decoder. */
export class Amf3Decoder {
  private readonly strings: string[] = [];
  private readonly objects: AmfValue[] = [];
  private readonly traits: Traits[] = [];
  /** Containers still being filled: a reference to one of them would build a cycle. */
  private readonly building = new Set<unknown>();
  /** budget weight of each object-table entry, charged again when it is referenced */
  private readonly weights = new Map<unknown, number>();

  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly budget: AmfBudget = new AmfBudget(buf.length - pos),
  ) {}

  /** Store a finished object-table entry with the weight it added since `start`. */
  private done<T extends AmfValue>(value: T, start: number): T {
    this.weights.set(value, this.budget.used - start);
    return value;
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) throw amfError('truncated AMF3 value');
  }

  private remaining(): number {
    return this.buf.length - this.pos;
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  /** Variable-length unsigned 29-bit integer. */
  u29(): number {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8();
      if (b < 0x80) return (v << 7) | b;
      v = (v << 7) | (b & 0x7f);
    }
    return (v << 8) | this.u8();
  }

  private utf8(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** UTF-8-vr: a string or a reference into the string table; "" is never stored. */
  string(): string {
    const h = this.u29();
    if ((h & 1) === 0) {
      const idx = h >> 1;
      if (idx >= this.strings.length) throw amfError(`string reference ${idx} out of range`);
      this.budget.add(this.strings[idx].length);
      return this.strings[idx];
    }
    const s = this.utf8(h >> 1);
    this.budget.add(s.length);
    if (s.length > 0) this.strings.push(s);
    return s;
  }

  /** Reads a U29 "reference or inline" header; returns the inline length/count, or the referenced value. */
  private refOrInline(): { ref: true; value: AmfValue } | { ref: false; n: number } {
    const h = this.u29();
    if ((h & 1) === 1) return { ref: false, n: h >> 1 };
    return { ref: true, value: this.objectRef(h >> 1) };
  }

  private objectRef(idx: number): AmfValue {
    if (idx >= this.objects.length) throw amfError(`object reference ${idx} out of range`);
    const value = this.objects[idx];
    if (this.building.has(value)) throw amfError('circular object reference');
    this.budget.add(this.weights.get(value) ?? 1);
    return value;
  }

  value(depth: number): AmfValue {
    this.budget.add(1);
    const start = this.budget.used;
    const marker = this.u8();
    switch (marker) {
      case M.UNDEFINED:
        return undefined;
      case M.NULL:
        return null;
      case M.FALSE:
        return false;
      case M.TRUE:
        return true;
      case M.INTEGER: {
        const v = this.u29();
        return v & 0x10000000 ? v - 0x20000000 : v;
      }
      case M.DOUBLE: {
        this.need(8);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case M.STRING:
        return this.string();
      case M.XML_DOC:
      case M.XML: {
        const r = this.refOrInline();
        if (r.ref) return r.value;
        const s = this.utf8(r.n);
        this.budget.add(s.length);
        this.objects.push(s);
        return this.done(s, start);
      }
      case M.DATE: {
        const r = this.refOrInline();
        if (r.ref) return r.value;
        this.need(8);
        const d = new Date(this.buf.readDoubleBE(this.pos));
        this.pos += 8;
        this.objects.push(d);
        return this.done(d, start);
      }
      case M.ARRAY:
        return this.array(depth, start);
      case M.OBJECT:
        return this.object(depth, start);
      case M.BYTE_ARRAY: {
        const r = this.refOrInline();
        if (r.ref) return r.value;
        this.need(r.n);
        const bytes = Array.from(this.buf.subarray(this.pos, this.pos + r.n));
        this.pos += r.n;
        this.budget.add(r.n);
        this.objects.push(bytes);
        return this.done(bytes, start);
      }
      case M.VECTOR_INT:
      case M.VECTOR_UINT:
      case M.VECTOR_DOUBLE:
        return this.numberVector(marker, start);
      case M.VECTOR_OBJECT:
        return this.objectVector(depth, start);
      case M.DICTIONARY:
        throw amfError('AMF3 Dictionary is not supported');
      default:
        throw amfError(`unknown AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  private enter(depth: number): void {
    if (depth >= AMF_MAX_DEPTH) throw amfError(`nesting deeper than ${AMF_MAX_DEPTH}`);
  }

  private array(depth: number, start: number): AmfValue {
    this.enter(depth);
    const r = this.refOrInline();
    if (r.ref) return r.value;
    const count = r.n;
    // Every dense element takes at least one byte: a count the buffer cannot hold fails now.
    if (count > this.remaining()) throw amfError(`array declares ${count} elements, buffer is shorter`);
    let key = this.string();
    if (key === '') {
      const arr: AmfValue[] = [];
      this.objects.push(arr);
      this.building.add(arr);
      for (let i = 0; i < count; i++) arr.push(this.value(depth + 1));
      this.building.delete(arr);
      return this.done(arr, start);
    }
    // Associative part present: the result is an object holding both parts (dense under "0", "1", ...).
    const obj: AmfObject = {};
    this.objects.push(obj);
    this.building.add(obj);
    while (key !== '') {
      setAmfProp(obj, key, this.value(depth + 1));
      key = this.string();
    }
    for (let i = 0; i < count; i++) setAmfProp(obj, String(i), this.value(depth + 1));
    this.building.delete(obj);
    return this.done(obj, start);
  }

  private object(depth: number, start: number): AmfValue {
    this.enter(depth);
    const h = this.u29();
    if ((h & 1) === 0) return this.objectRef(h >> 1);
    let traits: Traits;
    if ((h & 2) === 0) {
      const idx = h >> 2;
      if (idx >= this.traits.length) throw amfError(`traits reference ${idx} out of range`);
      traits = this.traits[idx];
    } else {
      if ((h & 4) !== 0) throw amfError('externalizable AMF3 objects are not supported');
      const sealed = h >> 4;
      this.string(); // class name: not kept, the value decodes to a plain object
      if (sealed > this.remaining()) throw amfError(`object declares ${sealed} sealed members, buffer is shorter`);
      const names: string[] = [];
      for (let i = 0; i < sealed; i++) names.push(this.string());
      traits = { dynamic: (h & 8) !== 0, names };
      this.traits.push(traits);
    }
    const obj: AmfObject = {};
    this.objects.push(obj);
    this.building.add(obj);
    if (traits.names.length > this.remaining()) throw amfError('object members exceed buffer');
    for (const name of traits.names) setAmfProp(obj, name, this.value(depth + 1));
    if (traits.dynamic) {
      for (let key = this.string(); key !== ''; key = this.string()) setAmfProp(obj, key, this.value(depth + 1));
    }
    this.building.delete(obj);
    return this.done(obj, start);
  }

  private numberVector(marker: number, start: number): AmfValue {
    const r = this.refOrInline();
    if (r.ref) return r.value;
    const width = marker === M.VECTOR_DOUBLE ? 8 : 4;
    this.need(1);
    this.pos += 1; // fixed-length flag
    if (r.n > this.remaining() / width) throw amfError(`vector declares ${r.n} elements, buffer is shorter`);
    const out: number[] = [];
    for (let i = 0; i < r.n; i++, this.pos += width) {
      if (marker === M.VECTOR_INT) out.push(this.buf.readInt32BE(this.pos));
      else if (marker === M.VECTOR_UINT) out.push(this.buf.readUInt32BE(this.pos));
      else out.push(this.buf.readDoubleBE(this.pos));
    }
    this.budget.add(r.n);
    this.objects.push(out);
    return this.done(out, start);
  }

  private objectVector(depth: number, start: number): AmfValue {
    this.enter(depth);
    const r = this.refOrInline();
    if (r.ref) return r.value;
    this.need(1);
    this.pos += 1; // fixed-length flag
    this.string(); // element type name
    if (r.n > this.remaining()) throw amfError(`vector declares ${r.n} elements, buffer is shorter`);
    const out: AmfValue[] = [];
    this.objects.push(out);
    this.building.add(out);
    for (let i = 0; i < r.n; i++) out.push(this.value(depth + 1));
    this.building.delete(out);
    return this.done(out, start);
  }
}

/** Decode one AMF3 value at `offset` with fresh reference tables, at nesting `depth`, charging `budget`. */
export function decodeAmf3At(
  buf: Buffer,
  offset: number,
  depth: number,
  budget?: AmfBudget,
): { value: AmfValue; next: number } {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) throw amfError(`bad offset ${offset}`);
  const d = new Amf3Decoder(buf, offset, budget);
  const value = d.value(depth);
  return { value, next: d.pos };
}

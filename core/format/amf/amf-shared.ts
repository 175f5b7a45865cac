/** Shared by the AMF0 and AMF3 codecs: value types, the ECMA array marker, limits and errors. */
import { OnAirError } from '../../errors';

export type AmfObject = { [k: string]: AmfValue };
export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject;

/** Marks an object to be encoded as an AMF0 ECMA array (0x08), as onMetaData is. */
export class AmfEcmaArray {
  constructor(readonly value: AmfObject) {}
}

/** AMF0 type markers */
export const M0 = {
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

/** Containers may nest this deep (a top-level object counts as one level). */
export const AMF_MAX_DEPTH = 64;

export function amfError(message: string): OnAirError {
  return new OnAirError('FORMAT', `AMF: ${message}`);
}

/** Assign without ever touching the prototype chain (a key named "__proto__" stays a plain key). */
export function setAmfProp(obj: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Bounds the size of what a decode produces *as a tree*: each value weighs 1 and each string its
 * length, and a reference weighs what it points to. Without references the weight never exceeds the
 * input length; references (AMF0 0x07, AMF3 tables) could otherwise make a few hundred bytes expand
 * to 2^64 nodes for whoever walks or serializes the result (logging a connect command, JSON.stringify).
 */
export class AmfBudget {
  used = 0;
  readonly max: number;

  constructor(inputLength: number) {
    this.max = 16 * inputLength + 4096;
  }

  add(n: number): void {
    this.used += n;
    if (this.used > this.max) throw amfError(`references expand the value beyond ${this.max} units`);
  }
}


import { describe, expect, it } from 'vitest';
import { decodeAmf0, decodeAmf3, type AmfValue } from '../../../core/format/amf/amf';
import { prng } from '../../helpers/prng';
import { Amf3Writer, encodeAmf3Value, randomAmfValue } from '../../helpers/amf-gen';
import { expectFormat } from '../../helpers/expect-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const one = (s: string): AmfValue => {
  const buf = hex(s);
  const r = decodeAmf3(buf, 0);
  expect(r.next).toBe(buf.length);
  return r.value;
};

describe('AMF3 known vectors', () => {
  it('decodes simple markers', () => {
    expect(one('00')).toBe(undefined);
    expect(one('01')).toBe(null);
    expect(one('02')).toBe(false);
    expect(one('03')).toBe(true);
    expect(one('05 400921fb54442d18')).toBe(Math.PI);
  });

  it('decodes U29 integers in all four lengths, sign-extended', () => {
    expect(one('04 00')).toBe(0);
    expect(one('04 7f')).toBe(127);
    expect(one('04 8100')).toBe(128);
    expect(one('04 ff7f')).toBe(16383);
    expect(one('04 818000')).toBe(16384);
    expect(one('04 ffff7f')).toBe(2097151);
    expect(one('04 80c08000')).toBe(2097152);
    expect(one('04 bfffffff')).toBe(268435455);
    expect(one('04 c0808000')).toBe(-268435456);
    expect(one('04 ffffffff')).toBe(-1);
  });

  it('decodes strings and string references; "" is never a reference target', () => {
    expect(one('06 0b 68656c6c6f')).toBe('hello');
    // [ "hello", "", ref 0 ]
    expect(one('09 07 01 06 0b 68656c6c6f 06 01 06 00')).toStrictEqual(['hello', '', 'hello']);
    expectFormat(() => one('09 05 01 06 01 06 00'));
  });

  it('decodes sealed traits, traits references and object references', () => {
    // [ Point{x:1,y:2}, Point{x:3,y:4} (traits ref 0), ref to object 1 ]
    const v = one('09 07 01  0a 23 0b 506f696e74 03 78 03 79 04 01 04 02  0a 01 04 03 04 04  0a 02') as AmfValue[];
    expect(v).toStrictEqual([{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 1, y: 2 }]);
    expect(v[2]).toBe(v[0]);
    // dynamic object with a sealed member and dynamic members
    expect(one('0a 1b 01 03 61 04 01  03 62 06 03 63 01')).toStrictEqual({ a: 1, b: 'c' });
  });

  it('decodes dates, xml, byte arrays and vectors', () => {
    const d = one('08 01 4270000000000000');
    expect(d).toBeInstanceOf(Date);
    expect((d as Date).getTime()).toBe(2 ** 40);
    expect(one('0b 07 3c613e')).toBe('<a>');
    expect(one('07 07 3c613e')).toBe('<a>');
    expect(one('0c 07 010203')).toStrictEqual([1, 2, 3]);
    expect(one('0d 05 00 ffffffff 00000001')).toStrictEqual([-1, 1]);
    expect(one('0e 05 00 ffffffff 00000001')).toStrictEqual([4294967295, 1]);
    expect(one('0f 03 00 3ff0000000000000')).toStrictEqual([1]);
    expect(one('10 05 00 01 04 01 06 03 78')).toStrictEqual([1, 'x']);
  });

  it('decodes arrays with an associative part into an object', () => {
    expect(one('09 05 03 6b 06 03 76 01 04 01 04 02')).toStrictEqual({ k: 'v', 0: 1, 1: 2 });
  });

  it('is reachable through AMF0 avmplus with fresh tables per switch', () => {
    expect(decodeAmf0(hex('11 06 0b 68656c6c6f 11 06 0b 68656c6c6f'))).toStrictEqual(['hello', 'hello']);
    // the second switch may not refer to the first one's string table
    expectFormat(() => decodeAmf0(hex('11 06 0b 68656c6c6f 11 06 00')));
  });
});

describe('AMF3 errors', () => {
  it('rejects externalizable objects, dictionaries, unknown markers and truncation', () => {
    expectFormat(() => one('0a 07 07 466f6f'));
    expectFormat(() => one('11 01 00'));
    expectFormat(() => one('12'));
    expectFormat(() => one('05 4009'));
    expectFormat(() => one('06 0b 6865'));
    expectFormat(() => one('04 ff'));
    expectFormat(() => one('0a 01'));
    expectFormat(() => one('0a 04'));
  });

  it('fails fast on counts the buffer cannot hold', () => {
    // array declaring 2^28 - 1 elements, then nothing
    expectFormat(() => one('09 ffffffff 01'));
    expectFormat(() => one('0c ffffffff'));
    expectFormat(() => one('0d ffffffff 00 00000000'));
    expectFormat(() => one('10 ffffffff 00 01'));
    // traits declaring 2^24 sealed members
    expectFormat(() => one('0a ffffff f3 01'));
  });

  it('refuses references that expand exponentially', () => {
    // [ {}, [r1, r1], [r2, r2], ... ] through the object table
    let body = '0a 0b 01 01 ';
    for (let k = 1; k <= 50; k++) body += `09 05 01 09 ${(k << 1).toString(16).padStart(2, '0')} 09 ${(k << 1).toString(16).padStart(2, '0')} `;
    expectFormat(() => one(`09 ${(51 * 2 + 1).toString(16)} 01 ` + body));
    // one 1000-character string referenced 5000 times
    const refs = '06 00 '.repeat(5000);
    const count = 5001 * 2 + 1; // U29 in two bytes
    const u29 = `${((count >> 7) | 0x80).toString(16)} ${(count & 0x7f).toString(16).padStart(2, '0')}`;
    const long = Buffer.alloc(1000, 0x61).toString('hex');
    expectFormat(() => one(`09 ${u29} 01 06 8f 51 ${long} ${refs}`));
    expect((one(`09 07 01 06 8f 51 ${long} 06 00 06 00`) as string[])[2]).toHaveLength(1000);
  });

  it('rejects circular references and nesting deeper than 64', () => {
    expectFormat(() => one('09 03 01 09 00'));
    const nested = (n: number): string => '09 03 01 '.repeat(n) + '01';
    expect(() => one(nested(64))).not.toThrow();
    expectFormat(() => one(nested(65)));
  });
});

describe('AMF3 round trips', () => {
  it('decodes what a reference-using encoder writes', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const v = randomAmfValue(rand);
      const w = new Amf3Writer();
      w.value([v, v, 'shared', 'shared']); // the second copy becomes references
      const r = decodeAmf3(w.bytes(), 0);
      expect(r.value).toStrictEqual([v, v, 'shared', 'shared']);
      expect(decodeAmf3(encodeAmf3Value(v), 0).value).toStrictEqual(v);
    }
  });
});

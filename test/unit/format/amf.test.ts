import { describe, expect, it } from 'vitest';
import { AmfEcmaArray, decodeAmf0, decodeAmf0One, encodeAmf0, type AmfObject, type AmfValue } from '../../../core/format/amf/amf';
import { prng } from '../../helpers/prng';
import { randomAmfValue } from '../../helpers/amf-gen';
import { expectFormat } from '../../helpers/expect-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// connect command as ffmpeg 5.1 sends it (bytes from play-ffmpeg5.c2s.bin), written out by hand
const CONNECT_HEX = `
02 0007 636f6e6e656374
00 3ff0000000000000
03
  0003 617070 02 0004 6c697665
  0008 666c61736856657202 000d 4c4e5820392c302c3132342c32
  0005 746355726c 02 001b 72746d703a2f2f3132372e302e302e313a31393336342f6c697665
  0004 66706164 01 00
  000c 6361706162696c6974696573 00 402e000000000000
  000b 617564696f436f64656373 00 40afce0000000000
  000b 766964656f436f64656373 00 406f800000000000
  000d 766964656f46756e6374696f6e 00 3ff0000000000000
  0000 09`;

const CONNECT_VALUES: AmfValue[] = [
  'connect',
  1,
  {
    app: 'live',
    flashVer: 'LNX 9,0,124,2',
    tcUrl: 'rtmp://127.0.0.1:19364/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  },
];

describe('AMF0 known vectors', () => {
  it('encodes the connect command byte for byte', () => {
    expect(encodeAmf0(CONNECT_VALUES).toString('hex')).toBe(hex(CONNECT_HEX).toString('hex'));
  });

  it('decodes the connect command', () => {
    expect(decodeAmf0(hex(CONNECT_HEX))).toStrictEqual(CONNECT_VALUES);
  });

  it('encodes scalars with the right markers', () => {
    expect(encodeAmf0(['a', 1, null, undefined, true, false]).toString('hex')).toBe(
      '02000161' + '003ff0000000000000' + '05' + '06' + '0101' + '0100',
    );
    expect(encodeAmf0([new Date(0)]).toString('hex')).toBe('0b00000000000000000000');
    expect(encodeAmf0([[1, 'x']]).toString('hex')).toBe('0a00000002' + '003ff0000000000000' + '02000178');
    expect(encodeAmf0([new AmfEcmaArray({ duration: 5 })]).toString('hex')).toBe(
      '0800000001' + '0008' + Buffer.from('duration').toString('hex') + '004014000000000000' + '000009',
    );
  });

  it('uses the long string marker above 65535 bytes', () => {
    const short = 'x'.repeat(0xffff);
    const long = 'x'.repeat(0x10000);
    expect(encodeAmf0([short])[0]).toBe(0x02);
    const enc = encodeAmf0([long]);
    expect(enc[0]).toBe(0x0c);
    expect(enc.readUInt32BE(1)).toBe(0x10000);
    expect(decodeAmf0(enc)).toStrictEqual([long]);
    // multi-byte characters: the byte length decides, not the character count
    const wide = 'é'.repeat(40000);
    expect(encodeAmf0([wide])[0]).toBe(0x0c);
    expect(decodeAmf0(encodeAmf0([wide]))).toStrictEqual([wide]);
  });

  it('decodes ECMA arrays to plain objects, with or without the end marker', () => {
    const withEnd = encodeAmf0(['onMetaData', new AmfEcmaArray({ width: 640, height: 360 })]);
    expect(decodeAmf0(withEnd)).toStrictEqual(['onMetaData', { width: 640, height: 360 }]);
    expect(decodeAmf0(withEnd.subarray(0, withEnd.length - 3))).toStrictEqual(['onMetaData', { width: 640, height: 360 }]);
  });

  it('decodes typed objects, xml documents, unsupported, references and dates', () => {
    const typed = hex('10 0005 506f696e74 0001 78 003ff0000000000000 000009');
    expect(decodeAmf0(typed)).toStrictEqual([{ x: 1 }]);
    expect(decodeAmf0(hex('0f 00000003 3c613e'))).toStrictEqual(['<a>']);
    expect(decodeAmf0(hex('0d'))).toStrictEqual([undefined]);
    const date = decodeAmf0(hex('0b 4270000000000000 ffc4'))[0];
    expect(date).toBeInstanceOf(Date);
    expect((date as Date).getTime()).toBe(2 ** 40);
    // [ {a:1}, ref 1 ] : the strict array is reference 0, the object reference 1
    const withRef = hex('0a 00000002 03 0001 61 003ff0000000000000 000009 07 0001');
    const [arr] = decodeAmf0(withRef) as [AmfValue[]];
    expect(arr).toStrictEqual([{ a: 1 }, { a: 1 }]);
    expect(arr[0]).toBe(arr[1]);
  });

  it('switches to AMF3 on the avmplus marker', () => {
    // 0x11 then AMF3 object {a: 1} then AMF3 string "hello"
    const buf = hex('02 0001 78 11 0a 0b 01 03 61 04 01 01 11 06 0b 68656c6c6f');
    expect(decodeAmf0(buf)).toStrictEqual(['x', { a: 1 }, 'hello']);
  });

  it('decodeAmf0One returns the next offset', () => {
    const buf = encodeAmf0(['ab', 2]);
    expect(decodeAmf0One(buf, 0)).toStrictEqual({ value: 'ab', next: 5 });
    expect(decodeAmf0One(buf, 5)).toStrictEqual({ value: 2, next: 14 });
    expect(decodeAmf0(buf, 5)).toStrictEqual([2]);
  });
});

describe('AMF0 errors', () => {
  it('rejects unknown markers, truncation and bad references', () => {
    expectFormat(() => decodeAmf0(hex('04')));
    expectFormat(() => decodeAmf0(hex('0e')));
    expectFormat(() => decodeAmf0(hex('09')));
    expectFormat(() => decodeAmf0(hex('12')));
    expectFormat(() => decodeAmf0(hex('ff')));
    expectFormat(() => decodeAmf0(hex('00 3ff0')));
    expectFormat(() => decodeAmf0(hex('02 0005 6162')));
    expectFormat(() => decodeAmf0(hex('03 0001 61 00')));
    expectFormat(() => decodeAmf0(hex('03 0001 61 003ff0000000000000')));
    expectFormat(() => decodeAmf0(hex('07 0000')));
    // a reference to the object still being decoded would build a cycle
    expectFormat(() => decodeAmf0(hex('03 0001 61 07 0000 000009')));
    expectFormat(() => decodeAmf0One(hex('05'), 2));
  });

  it('fails fast on a strict array declaring more elements than bytes', () => {
    expectFormat(() => decodeAmf0(hex('0a ffffffff 05 05')));
    expectFormat(() => decodeAmf0(hex('0c ffffffff 41')));
  });

  it('limits nesting to 64 levels', () => {
    const nest = (n: number): Buffer => Buffer.concat([...Array.from({ length: n }, () => hex('0a 00000001')), hex('05')]);
    expect(() => decodeAmf0(nest(64))).not.toThrow();
    expectFormat(() => decodeAmf0(nest(65)));
    let deep: AmfValue = null;
    for (let i = 0; i < 65; i++) deep = { k: deep };
    expectFormat(() => encodeAmf0([deep]));
    const cyc: AmfObject = {};
    cyc.self = cyc;
    expectFormat(() => encodeAmf0([cyc]));
  });

  it('refuses references that expand exponentially, accepts modest reuse', () => {
    // [ {}, [r1, r1], [r2, r2], ... ]: each level doubles the tree through 0x07 references
    const doubling = (levels: number): Buffer => {
      const parts = [hex('0a'), Buffer.from([0, 0, 0, levels + 1]), hex('03 000009')];
      for (let k = 1; k <= levels; k++) parts.push(hex('0a 00000002'), Buffer.from([7, 0, k, 7, 0, k]));
      return Buffer.concat(parts);
    };
    expectFormat(() => decodeAmf0(doubling(60)));
    const [arr] = decodeAmf0(doubling(3)) as [AmfValue[]];
    expect(arr[3]).toStrictEqual([
      [
        [{}, {}],
        [{}, {}],
      ],
      [
        [{}, {}],
        [{}, {}],
      ],
    ]);
  });

  it('keeps "__proto__" an own key and never touches the prototype', () => {
    const buf = hex('03 0009 5f5f70726f746f5f5f 03 0005 706f6c6c64 0101 000009 000009');
    const [obj] = decodeAmf0(buf) as [AmfObject];
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.keys(obj)).toStrictEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polld).toBeUndefined();
    expect(decodeAmf0(encodeAmf0([obj]))).toStrictEqual([obj]);
  });

  it('keeps "constructor" an ordinary key', () => {
    const [obj] = decodeAmf0(encodeAmf0([{ constructor: { a: 1 } }])) as [AmfObject];
    expect(Object.keys(obj)).toStrictEqual(['constructor']);
    expect(JSON.stringify(obj)).toBe('{"constructor":{"a":1}}');
  });
});

describe('AMF0 round trips', () => {
  it('round-trips 2000 random values', () => {
    const rand = prng(42);
    for (let i = 0; i < 2000; i++) {
      const values = [randomAmfValue(rand), randomAmfValue(rand)];
      expect(decodeAmf0(encodeAmf0(values))).toStrictEqual(values);
    }
  });
});

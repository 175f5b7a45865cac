import { describe, expect, it } from 'vitest';
import { BitReader, removeEmulationPrevention } from '../../../core/format/codec/bit-reader';
import { BitWriter } from '../../helpers/format-media';
import { expectFormat as formatError } from '../../helpers/expect-error';

describe('BitReader', () => {
  it('reads MSB-first fields across byte boundaries', () => {
    const r = new BitReader(Buffer.from([0b10110011, 0b01011100, 0xff, 0xff, 0xff, 0xff]));
    expect(r.bitsLeft).toBe(48);
    expect(r.readBit()).toBe(1);
    expect(r.readBits(3)).toBe(0b011);
    expect(r.readBits(6)).toBe(0b001101);
    expect(r.bitsLeft).toBe(38);
    r.skipBits(6);
    expect(r.readBits(32)).toBe(0xffffffff); // unsigned, not -1
    expect(r.bitsLeft).toBe(0);
  });

  it('reads 0 bits as 0 and 32-bit values above 2^31 unsigned', () => {
    const r = new BitReader(Buffer.from([0x80, 0, 0, 1]));
    expect(r.readBits(0)).toBe(0);
    expect(r.readBits(32)).toBe(0x80000001);
  });

  it('decodes Exp-Golomb ue/se against a writer', () => {
    const ues = [0, 1, 2, 3, 7, 8, 255, 65535, 1 << 20, 2 ** 31 - 1];
    const ses = [0, 1, -1, 2, -2, 127, -128, 100000, -100000];
    const w = new BitWriter();
    ues.forEach((v) => w.ue(v));
    ses.forEach((v) => w.se(v));
    const r = new BitReader(w.trailing().toBuffer());
    expect(ues.map(() => r.readUE())).toEqual(ues);
    expect(ses.map(() => r.readSE())).toEqual(ses);
    expect(r.readBit()).toBe(1); // trailing stop bit
  });

  it('throws FORMAT when reading past the end, and on runaway Exp-Golomb prefixes', () => {
    const r = new BitReader(Buffer.from([0xab]));
    r.readBits(5);
    formatError(() => r.readBits(4));
    expect(r.bitsLeft).toBe(3); // a failed read consumes nothing
    formatError(() => r.skipBits(4));
    formatError(() => new BitReader(Buffer.alloc(0)).readBit());
    formatError(() => new BitReader(Buffer.alloc(3)).readUE());
    formatError(() => new BitReader(Buffer.alloc(8)).readUE()); // 64 zero bits: more than 31 leading zeros
    formatError(() => new BitReader(Buffer.alloc(8)).readBits(33));
  });

  it('aligns to bytes', () => {
    const r = new BitReader(Buffer.from([0xff, 0x42]));
    r.readBits(3);
    r.byteAlign();
    expect(r.readBits(8)).toBe(0x42);
    r.byteAlign();
    expect(r.bitsLeft).toBe(0);
  });
});

describe('removeEmulationPrevention', () => {
  it('turns 00 00 03 into 00 00 and leaves other bytes alone', () => {
    const cases: Array<[number[], number[]]> = [
      [[0x67, 0x00, 0x00, 0x03, 0x01], [0x67, 0x00, 0x00, 0x01]],
      [[0x00, 0x00, 0x03, 0x00, 0x00, 0x03], [0x00, 0x00, 0x00, 0x00]],
      [[0x00, 0x00, 0x03, 0x03], [0x00, 0x00, 0x03]], // the 03 after a removed 03 starts a new run
      [[0x00, 0x03, 0x00, 0x00, 0x03, 0x02], [0x00, 0x03, 0x00, 0x00, 0x02]],
      [[0x00, 0x00, 0x00, 0x03, 0x00], [0x00, 0x00, 0x00, 0x00]],
      [[0x01, 0x02, 0x03], [0x01, 0x02, 0x03]],
      [[], []],
    ];
    for (const [input, expected] of cases) {
      expect([...removeEmulationPrevention(Buffer.from(input))]).toEqual(expected);
    }
  });

  it('returns the same buffer when there is nothing to remove', () => {
    const b = Buffer.from([0x67, 0x64, 0x00, 0x1f, 0x00, 0x00, 0x01]);
    expect(removeEmulationPrevention(b)).toBe(b);
  });
});

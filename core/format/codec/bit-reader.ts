import { OnAirError } from '../../errors';

/**
 * MSB-first bit reader over a Buffer (H.264/HEVC RBSP, AAC AudioSpecificConfig, AV1 OBUs).
 * Every read past the end throws OnAirError('FORMAT'); nothing is ever returned from beyond the buffer.
 */
export class BitReader {
  private readonly buf: Buffer;
  private readonly totalBits: number;
  private pos = 0; // absolute bit position

  constructor(buf: Buffer) {
    this.buf = buf;
    this.totalBits = buf.length * 8;
  }

  get bitsLeft(): number {
    return this.totalBits - this.pos;
  }

  /** Current position in bits from the start of the buffer. */
  get bitPosition(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (n > this.totalBits - this.pos) {
      throw new OnAirError('FORMAT', `bit reader: need ${n} bits, ${this.totalBits - this.pos} left`);
    }
  }

  /** Reads n bits (0..32) as an unsigned number. */
  readBits(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 32) {
      throw new OnAirError('FORMAT', `bit reader: cannot read ${n} bits at once`);
    }
    this.need(n);
    let value = 0;
    let left = n;
    while (left > 0) {
      const byte = this.buf[this.pos >>> 3];
      const offset = this.pos & 7; // bits already consumed in this byte
      const avail = 8 - offset;
      const take = left < avail ? left : avail;
      const bits = (byte >>> (avail - take)) & ((1 << take) - 1);
      // multiplication keeps the value unsigned for n == 32
      value = value * (1 << take) + bits;
      left -= take;
      this.pos += take;
    }
    return value;
  }

  readBit(): number {
    this.need(1);
    const bit = (this.buf[this.pos >>> 3] >>> (7 - (this.pos & 7))) & 1;
    this.pos += 1;
    return bit;
  }

  readFlag(): boolean {
    return this.readBit() === 1;
  }

  /** Unsigned Exp-Golomb ue(v); at most 31 leading zeros (values up to 2^32 - 2). */
  readUE(): number {
    let zeros = 0;
    while (this.readBit() === 0) {
      zeros += 1;
      if (zeros > 31) throw new OnAirError('FORMAT', 'bit reader: Exp-Golomb code too long');
    }
    if (zeros === 0) return 0;
    return 2 ** zeros - 1 + this.readBits(zeros);
  }

  /** Signed Exp-Golomb se(v). */
  readSE(): number {
    const k = this.readUE();
    if (k === 0) return 0;
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  skipBits(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new OnAirError('FORMAT', `bit reader: cannot skip ${n} bits`);
    this.need(n);
    this.pos += n;
  }

  /** Skips to the next byte boundary (no-op when already aligned). */
  byteAlign(): void {
    const rem = this.pos & 7;
    if (rem !== 0) this.skipBits(8 - rem);
  }
}

/**
 * Removes H.264/HEVC emulation prevention bytes: every 00 00 03 becomes 00 00.
 * Returns the input itself (no copy) when there is nothing to remove.
 */
export function removeEmulationPrevention(nal: Buffer): Buffer {
  const first = findEpb(nal, 0);
  if (first < 0) return nal;
  const out = Buffer.allocUnsafe(nal.length - 1);
  let w = 0;
  let r = 0;
  let epb = first;
  while (epb >= 0) {
    w += nal.copy(out, w, r, epb);
    r = epb + 1; // drop the 03
    epb = findEpb(nal, r);
  }
  w += nal.copy(out, w, r, nal.length);
  return out.subarray(0, w);
}

/** Index of the 03 of the next 00 00 03 at or after `from`; the zero run restarts at `from` (a removed 03 ends the run). */
function findEpb(nal: Buffer, from: number): number {
  let zeros = 0;
  for (let i = from; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) return i;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return -1;
}

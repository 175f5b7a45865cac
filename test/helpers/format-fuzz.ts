/** Byte mutators and the "result or OnAirError" harness for the core/format fuzz tests. */
import { OnAirError } from '../../core/errors';
import { pick, randInt, randomBuffer, type Rand } from './prng';

const INTERESTING = [0x00, 0x01, 0x03, 0x1f, 0x7f, 0x80, 0xfe, 0xff];

/**
 * Applies 1..3 random mutations to a copy of `input`: bit flips, truncation, inserts, deletes,
 * interesting bytes, huge size fields (anywhere, or at the known `sizeOffsets`), duplicated ranges.
 */
export function mutate(input: Buffer, rand: Rand, sizeOffsets: readonly number[] = []): Buffer {
  let b = Buffer.from(input);
  const int = (n: number): number => Math.floor(rand() * n);
  for (let k = randInt(rand, 1, 3); k > 0; k--) {
    const at = int(b.length);
    switch (int(9)) {
      case 0: // bit flips
        for (let i = randInt(rand, 1, 8); i > 0 && b.length > 0; i--) b[int(b.length)] ^= 1 << int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, int(b.length + 1));
        break;
      case 2: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), randomBuffer(rand, randInt(rand, 1, 16)), b.subarray(at)]);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + randInt(rand, 1, 32)))]);
        break;
      case 4: // interesting byte
        if (b.length > 0) b[at] = pick(rand, INTERESTING);
        break;
      case 5: { // huge or random size field at a random offset
        const width = randInt(rand, 1, 4);
        if (at + width <= b.length) b.writeUIntBE(rand() < 0.5 ? 2 ** (8 * width) - 1 : int(2 ** (8 * width)), at, width);
        break;
      }
      case 6: { // size field at a known structural offset (FLV DataSize, record lengths)
        if (sizeOffsets.length === 0) break;
        const o = pick(rand, sizeOffsets);
        const width = randInt(rand, 2, 3);
        if (o + width <= b.length) b.writeUIntBE(pick(rand, [0, 1, 2 ** (8 * width) - 1, int(2 ** (8 * width))]), o, width);
        break;
      }
      case 7: { // duplicate a range
        const end = Math.min(b.length, at + randInt(rand, 1, 64));
        b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        break;
      }
      default: // random bytes
        for (let i = randInt(rand, 1, 8); i > 0 && b.length > 0; i--) b[int(b.length)] = int(256);
        break;
    }
  }
  return b;
}

/** Runs fn; an OnAirError is an allowed outcome, anything else is rethrown with the input for reproduction. */
export function allowFormatError<T>(label: string, input: Buffer, fn: () => T): T | OnAirError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OnAirError) return e;
    throw new Error(`${label}: non-OnAirError ${String(e)} on input ${input.subarray(0, 256).toString('hex')}`, { cause: e });
  }
}

export function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** Byte-level mutations for fuzzing: deterministic given the generator. */
import { pick, randInt, randomBuffer, type Rand } from './prng';

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x10, 0x11, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff];

export type Mutation = (rand: Rand, b: Buffer, donors: readonly Buffer[]) => Buffer;

export const MUTATIONS: Record<string, Mutation> = {
  bitFlips(rand, b) {
    if (b.length === 0) return b;
    const out = Buffer.from(b);
    for (let n = randInt(rand, 1, 8); n > 0; n--) out[randInt(rand, 0, out.length - 1)] ^= 1 << randInt(rand, 0, 7);
    return out;
  },
  interestingBytes(rand, b) {
    if (b.length === 0) return b;
    const out = Buffer.from(b);
    for (let n = randInt(rand, 1, 4); n > 0; n--) out[randInt(rand, 0, out.length - 1)] = pick(rand, INTERESTING);
    return out;
  },
  insert(rand, b) {
    const at = randInt(rand, 0, b.length);
    return Buffer.concat([b.subarray(0, at), randomBuffer(rand, randInt(rand, 1, 16)), b.subarray(at)]);
  },
  remove(rand, b) {
    if (b.length === 0) return b;
    const at = randInt(rand, 0, b.length - 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + randInt(rand, 1, 32)))]);
  },
  truncate(rand, b) {
    return b.subarray(0, randInt(rand, 0, b.length));
  },
  duplicate(rand, b) {
    if (b.length === 0) return b;
    const at = randInt(rand, 0, b.length - 1);
    const piece = b.subarray(at, at + randInt(rand, 1, 256));
    const to = randInt(rand, 0, b.length);
    return Buffer.concat([b.subarray(0, to), piece, b.subarray(to)]);
  },
  splice(rand, b, donors) {
    const d = pick(rand, donors);
    const at = randInt(rand, 0, b.length);
    const from = randInt(rand, 0, d.length);
    return Buffer.concat([b.subarray(0, at), d.subarray(from, from + randInt(rand, 1, 4096))]);
  },
  hugeLength(rand, b) {
    // a 24-bit or 32-bit length-like field forced to a huge value
    if (b.length < 4) return b;
    const out = Buffer.from(b);
    const at = randInt(rand, 0, out.length - 4);
    if (rand() < 0.5) out.writeUIntBE(pick(rand, [0xffffff, 0x7fffff, 0x800000, 0x010000]), at, 3);
    else out.writeUInt32BE(pick(rand, [0xffffffff, 0x7fffffff, 0x10000000, 0x0fffffff]), at);
    return out;
  },
};

const NAMES = Object.keys(MUTATIONS);

/** Apply 1..maxOps random mutations. */
export function mutate(rand: Rand, b: Buffer, donors: readonly Buffer[], maxOps = 4): Buffer {
  let out = b;
  for (let n = randInt(rand, 1, maxOps); n > 0; n--) out = MUTATIONS[pick(rand, NAMES)](rand, out, donors);
  return out;
}

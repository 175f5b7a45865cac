/** Deterministic pseudo-random numbers for tests and fuzzing (mulberry32): same seed, same sequence. */
export type Rand = () => number;

/** A generator of numbers in [0, 1). */
export function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max] (both inclusive). */
export function randInt(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

export function randomBuffer(rand: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Cut `buf` into consecutive slices of 1..maxSlice bytes (sizes skewed towards small ones). */
export function randomSlices(rand: Rand, buf: Buffer, maxSlice = 4096): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const r = rand();
    const n = Math.max(1, Math.floor(r * r * r * maxSlice));
    out.push(buf.subarray(off, Math.min(buf.length, off + n)));
    off += n;
  }
  return out;
}

/** Number of fuzz cases for one fuzz file: ONAIR_FUZZ_CASES if set, else `fallback`. */
export function fuzzCases(fallback = 2000): number {
  const v = Number(process.env.ONAIR_FUZZ_CASES);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Fuzz the RTMP handshake, chunk reader and message decoders with mutated real sessions.
 * The only acceptable outcomes are messages or an OnAirError. Cases: ONAIR_FUZZ_CASES (default 2000).
 */
import { describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import { ServerHandshake } from '../../core/format/rtmp/rtmp-handshake';
import { MSG, decodeCommand, decodeData, setChunkSizeMsg, splitAggregate } from '../../core/format/rtmp/rtmp-messages';
import { fixtureChunkStream, fixtureNames, readFixture } from '../helpers/fixtures';
import { mutate } from '../helpers/mutate';
import { fuzzCases, pick, prng, randInt, randomSlices, type Rand } from '../helpers/prng';
import { TestChunkWriter } from '../helpers/rtmp-chunk-writer';

const CASES = fuzzCases(2000);
const RSS_LIMIT = 200 * 1024 * 1024;

/** Decode what a server would decode; throws whatever the decoders throw. */
function decodeAll(msgs: RtmpMessage[]): void {
  for (const m of msgs) {
    if (m.type === MSG.COMMAND_AMF0 || m.type === MSG.COMMAND_AMF3) decodeCommand(m);
    else if (m.type === MSG.DATA_AMF0 || m.type === MSG.DATA_AMF3) decodeData(m);
    else if (m.type === MSG.AGGREGATE) decodeAll(splitAggregate(m));
  }
}

interface Outcome {
  msgs: string[];
  error: string | null;
}

/** Feed `bytes` (in the given slices) and return the messages seen and the error code, if any. */
function run(slices: Buffer[], maxMessageSize: number): Outcome {
  const reader = new ChunkReader({ maxMessageSize });
  const msgs: string[] = [];
  try {
    for (const s of slices) {
      const got = reader.push(s);
      for (const m of got) msgs.push(`${m.csid}/${m.type}/${m.streamId}/${m.timestamp}/${m.payload.length}`);
      try {
        decodeAll(got);
      } catch (e) {
        if (!(e instanceof OnAirError)) throw e;
      }
    }
  } catch (e) {
    if (e instanceof OnAirError) return { msgs, error: e.code };
    throw e;
  }
  return { msgs, error: null };
}

/** Fixture chunk streams, plus each re-chunked with compressed headers at a random chunk size. */
function corpus(rand: Rand): Buffer[] {
  const out: Buffer[] = [];
  for (const name of fixtureNames()) {
    const raw = fixtureChunkStream(name);
    out.push(raw);
    const msgs = new ChunkReader().push(raw).filter((m) => m.type !== MSG.SET_CHUNK_SIZE);
    for (const size of [1, pick(rand, [64, 128, 1000, 4096])]) {
      const w = new TestChunkWriter(size, { repeatExtendedInContinuation: rand() < 0.5 });
      // tiny chunks only for the command phase: a whole session in 1-byte chunks is slow and adds nothing
      const some = size === 1 ? msgs.slice(0, 40) : msgs;
      out.push(Buffer.concat([encodeChunks(setChunkSizeMsg(size), 128), ...some.map((m) => w.write(m))]));
    }
  }
  return out;
}

function describeCase(i: number, seed: number): string {
  return `case ${i} (seed ${seed})`;
}

describe('RTMP chunk stream fuzz', () => {
  it(`survives ${CASES} mutated sessions with only OnAirErrors, slicing-independent`, () => {
    const rand = prng(0xc0ffee);
    const seeds = corpus(rand);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const codes: Record<string, number> = {};
    for (let i = 0; i < CASES; i++) {
      const seed = 1000 + i;
      const r = prng(seed);
      const base = pick(r, seeds);
      const window = r() < 0.8 ? base.subarray(0, randInt(r, 1, Math.min(base.length, 24_000))) : base;
      const input = mutate(r, window, seeds, 5);
      const maxMessageSize = pick(r, [8 * 1024 * 1024, 65536, 1000]);
      let whole: Outcome;
      let sliced: Outcome;
      try {
        whole = run([input], maxMessageSize);
        sliced = run(randomSlices(r, input, input.length > 30_000 ? pick(r, [2000, 65536]) : pick(r, [7, 300, 5000])), maxMessageSize);
      } catch (e) {
        throw new Error(`${describeCase(i, seed)}: non-OnAirError ${String(e)}`, { cause: e });
      }
      // the reader must not depend on how the bytes were cut
      if (whole.error === null || sliced.error === null) {
        expect(sliced, describeCase(i, seed)).toStrictEqual(whole);
      } else {
        expect(sliced.error, describeCase(i, seed)).toBe(whole.error);
      }
      codes[whole.error ?? 'ok'] = (codes[whole.error ?? 'ok'] ?? 0) + 1;
      if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(peak - rss0).toBeLessThan(RSS_LIMIT);
    if (process.env.ONAIR_FUZZ_VERBOSE) console.log('outcomes', codes, 'rss growth MB', ((peak - rss0) / 1048576).toFixed(1));
    // the fuzzer must reach both the happy path and the error paths
    expect(codes.ok ?? 0).toBeGreaterThan(0);
    expect(codes.FORMAT ?? 0).toBeGreaterThan(0);
  });

  it(`survives ${Math.max(1, CASES >> 2)} mutated handshakes`, () => {
    const files = fixtureNames().map(readFixture);
    const heads = files.map((f) => f.subarray(0, 3073 + 200));
    let completed = 0;
    for (let i = 0; i < Math.max(1, CASES >> 2); i++) {
      const seed = 5000 + i;
      const r = prng(seed);
      const input = mutate(r, pick(r, heads), heads, 3);
      const hs = new ServerHandshake();
      try {
        for (const s of randomSlices(r, input, 2000)) {
          const step = hs.push(s);
          if (step.done) {
            completed++;
            break;
          }
        }
      } catch (e) {
        if (!(e instanceof OnAirError)) throw new Error(`${describeCase(i, seed)}: non-OnAirError ${String(e)}`, { cause: e });
        expect(e.code).toBe('FORMAT');
      }
    }
    expect(completed).toBeGreaterThan(0);
  });
});

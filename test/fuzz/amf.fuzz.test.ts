/**
 * Fuzz the AMF0/AMF3 decoders with mutated real command/data payloads and generated values.
 * Decoding may only return values or throw an OnAirError; whatever decodes must re-encode.
 * Cases: ONAIR_FUZZ_CASES (default 2000).
 */
import { describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { decodeAmf0, decodeAmf0One, decodeAmf3, encodeAmf0, type AmfValue } from '../../core/format/amf/amf';
import { ChunkReader } from '../../core/format/rtmp/rtmp-chunk';
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { Amf3Writer, encodeAmf3Value, randomAmfValue } from '../helpers/amf-gen';
import { fixtureChunkStream, fixtureNames } from '../helpers/fixtures';
import { mutate } from '../helpers/mutate';
import { fuzzCases, pick, prng, randInt } from '../helpers/prng';

const CASES = fuzzCases(2000);
const RSS_LIMIT = 200 * 1024 * 1024;

function amf0Corpus(): Buffer[] {
  const out: Buffer[] = [];
  for (const name of fixtureNames()) {
    for (const m of new ChunkReader().push(fixtureChunkStream(name))) {
      if (m.type === MSG.COMMAND_AMF0 || m.type === MSG.DATA_AMF0) out.push(m.payload);
    }
  }
  const rand = prng(99);
  for (let i = 0; i < 50; i++) out.push(encodeAmf0([randomAmfValue(rand), randomAmfValue(rand)]));
  // AMF3 inside AMF0 (avmplus), with references
  for (let i = 0; i < 20; i++) {
    const v = randomAmfValue(rand);
    const w = new Amf3Writer();
    w.value([v, v, 'k', 'k']);
    out.push(Buffer.concat([encodeAmf0(['cmd', 1]), Buffer.from([0x11]), w.bytes()]));
  }
  return out;
}

function amf3Corpus(): Buffer[] {
  const rand = prng(98);
  const out: Buffer[] = [];
  for (let i = 0; i < 60; i++) out.push(encodeAmf3Value(randomAmfValue(rand)));
  out.push(Buffer.from('09070106 0b68656c6c6f 0601 0600'.replace(/ /g, ''), 'hex'));
  out.push(Buffer.from('0907010a230b506f696e7403780379040104020a01040304040a02', 'hex'));
  out.push(Buffer.from('0d0500ffffffff00000001', 'hex'));
  return out;
}

/** Runs fn; an OnAirError counts as a rejection, anything else fails the case. */
function attempt<T>(label: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OnAirError) {
      expect(e.code, label).toBe('FORMAT');
      return null;
    }
    throw new Error(`${label}: non-OnAirError ${String(e)}`, { cause: e });
  }
}

describe('AMF fuzz', () => {
  it(`decodes ${CASES} mutated AMF0 payloads with only OnAirErrors`, () => {
    const seeds = amf0Corpus();
    const rss0 = process.memoryUsage().rss;
    let decoded = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = 2000 + i;
      const r = prng(seed);
      const input = mutate(r, pick(r, seeds), seeds, 4);
      const label = `AMF0 case ${i} (seed ${seed})`;
      const values = attempt(label, () => decodeAmf0(input));
      if (values !== null) {
        decoded++;
        // a decoded value is a finite tree: it re-encodes (or is refused by a limit) and stringifies
        const enc = attempt(label, () => encodeAmf0(values));
        if (enc !== null) expect(enc.length, label).toBeLessThan(64 * input.length + 65536);
        JSON.stringify(values);
      }
      if (input.length > 0) attempt(label, () => decodeAmf0One(input, randInt(r, 0, input.length - 1)));
    }
    expect(decoded).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(RSS_LIMIT);
  });

  it(`decodes ${CASES} mutated AMF3 values with only OnAirErrors`, () => {
    const seeds = amf3Corpus();
    const rss0 = process.memoryUsage().rss;
    let decoded = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = 3000 + i;
      const r = prng(seed);
      const input = mutate(r, pick(r, seeds), seeds, 4);
      const label = `AMF3 case ${i} (seed ${seed})`;
      const res = attempt(label, () => decodeAmf3(input, 0));
      if (res !== null) {
        decoded++;
        expect(res.next, label).toBeLessThanOrEqual(input.length);
        attempt(label, () => encodeAmf0([res.value]));
        JSON.stringify(res.value);
      }
    }
    expect(decoded).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(RSS_LIMIT);
  });

  it(`round-trips ${CASES} random values through AMF0 and AMF3`, () => {
    const rand = prng(4242);
    for (let i = 0; i < CASES; i++) {
      const v: AmfValue = randomAmfValue(rand);
      expect(decodeAmf0(encodeAmf0([v]))).toStrictEqual([v]);
      expect(decodeAmf3(encodeAmf3Value(v), 0).value).toStrictEqual(v);
    }
  });
});

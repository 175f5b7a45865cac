import { beforeAll, describe, expect, it } from 'vitest';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, FlvDemuxer, flvHeader, flvTag, type FlvTag } from '../../../core/format/flv/flv';
import { makeTestFlv, useMediaDir } from '../../helpers/format-media';
import { pick, prng, randInt, randomBuffer, randomSlices } from '../../helpers/prng';
import { expectFormat } from '../../helpers/expect-error';

/** Tag lists are equal (Buffer.equals: vitest's deep equality is far too slow for megabytes of bodies). */
function expectSameTags(actual: FlvTag[], expected: FlvTag[]): void {
  expect(actual.map((t) => [t.type, t.timestamp, t.body.length])).toEqual(expected.map((t) => [t.type, t.timestamp, t.body.length]));
  actual.forEach((t, i) => {
    if (!t.body.equals(expected[i].body)) throw new Error(`tag ${i} body differs`);
  });
}

function demuxAll(chunks: Buffer[], d = new FlvDemuxer()): FlvTag[] {
  const tags: FlvTag[] = [];
  for (const c of chunks) tags.push(...d.push(c));
  return tags;
}

describe('flvHeader / flvTag', () => {
  it('writes the 13-byte file header with the audio/video flags', () => {
    expect(flvHeader(true, true).toString('hex')).toBe('464c5601050000000900000000');
    expect(flvHeader(true, false)[4]).toBe(0x04);
    expect(flvHeader(false, true)[4]).toBe(0x01);
    expect(flvHeader(false, false)[4]).toBe(0x00);
  });

  it('writes header, body and PreviousTagSize with the extended timestamp byte', () => {
    const body = Buffer.from('abcdef');
    const t = flvTag(FLV_VIDEO, 0x12345678, body);
    expect(t.length).toBe(11 + 6 + 4);
    expect(t.subarray(0, 11).toString('hex')).toBe('09' + '000006' + '345678' + '12' + '000000');
    expect(t.subarray(11, 17).toString()).toBe('abcdef');
    expect(t.readUInt32BE(17)).toBe(17);
    // the tag owns its bytes
    body[0] = 0x7a;
    expect(t[11]).toBe(0x61);
  });

  it('wraps timestamps modulo 2^32 and accepts an empty body', () => {
    const t = flvTag(FLV_AUDIO, 2 ** 32 + 5, Buffer.alloc(0));
    expect(t.toString('hex')).toBe('08' + '000000' + '000005' + '00' + '000000' + '0000000b');
  });

  it('rejects a body that does not fit DataSize (24 bits)', () => {
    expectFormat(() => flvTag(FLV_VIDEO, 0, Buffer.alloc(0x1000000)));
  });
});

describe('FlvDemuxer', () => {
  const rand = prng(0xf1f1);
  const tags: FlvTag[] = [];
  for (let i = 0; i < 200; i++) {
    const type = pick(rand, [FLV_AUDIO, FLV_VIDEO, FLV_SCRIPT, 0x1f]);
    const size = rand() < 0.1 ? 0 : randInt(rand, 0, rand() < 0.1 ? 70000 : 300);
    tags.push({ type, timestamp: rand() < 0.1 ? 0xffffff00 + i : i * 33, body: randomBuffer(rand, size) });
  }
  const stream = Buffer.concat([flvHeader(true, true), ...tags.map((t) => flvTag(t.type, t.timestamp, t.body))]);

  it('round-trips flvTag output pushed whole', () => {
    const d = new FlvDemuxer();
    expect(d.header).toBeNull();
    const out = d.push(stream);
    expect(d.header).toEqual({ hasAudio: true, hasVideo: true });
    expectSameTags(out, tags);
  });

  it('round-trips under random slicing, including 1-byte pieces', () => {
    const d = new FlvDemuxer();
    const oneByOne: FlvTag[] = [];
    for (let i = 0; i < stream.length; i++) oneByOne.push(...d.push(stream.subarray(i, i + 1)));
    expectSameTags(oneByOne, tags);
    for (const max of [3, 11, 15, 100, 4096, 100000]) {
      expectSameTags(demuxAll(randomSlices(rand, stream, max)), tags);
    }
  });

  it('returns nothing until the PreviousTagSize of a tag has arrived', () => {
    const d = new FlvDemuxer();
    const one = Buffer.concat([flvHeader(false, true), flvTag(FLV_VIDEO, 7, Buffer.from([1, 2, 3]))]);
    expect(d.push(one.subarray(0, one.length - 1))).toEqual([]);
    expect(d.push(one.subarray(one.length - 1))).toEqual([{ type: FLV_VIDEO, timestamp: 7, body: Buffer.from([1, 2, 3]) }]);
    expect(d.header).toEqual({ hasAudio: false, hasVideo: true });
  });

  it('keeps unknown tag types and the filter bit as they are', () => {
    const s = Buffer.concat([flvHeader(true, true), flvTag(0x28, 1, Buffer.from([9])), flvTag(3, 2, Buffer.alloc(0))]);
    expect(new FlvDemuxer().push(s).map((t) => t.type)).toEqual([0x28, 3]);
  });

  it('skips header padding when DataOffset is larger than 9', () => {
    const h = Buffer.from('464c5601050000000c' + 'aabbcc' + '00000000', 'hex');
    const s = Buffer.concat([h, flvTag(FLV_AUDIO, 0, Buffer.from([0xaf, 1]))]);
    expect(demuxAll(randomSlices(rand, s, 2)).length).toBe(1);
  });

  it('rejects a bad signature', () => {
    expectFormat(() => new FlvDemuxer().push(Buffer.from('GET / HTTP/1.1\r\n')));
    expectFormat(() => new FlvDemuxer().push(Buffer.from('464c5601050000000800000000', 'hex'))); // DataOffset 8
  });

  it('rejects an oversized DataSize before any body byte arrives, and stays failed', () => {
    const d = new FlvDemuxer({ maxTagSize: 1000 });
    const header = Buffer.from('09' + '0003e9' + '000000' + '00' + '000000', 'hex'); // 1001 bytes
    d.push(flvHeader(false, true));
    const err = expectFormat(() => d.push(header));
    expect(err.message).toMatch(/1001/);
    expect(() => d.push(Buffer.alloc(10))).toThrow(err);
    // exactly the limit is fine
    const ok = new FlvDemuxer({ maxTagSize: 1000 });
    expect(ok.push(Buffer.concat([flvHeader(false, true), flvTag(FLV_VIDEO, 0, Buffer.alloc(1000))])).length).toBe(1);
  });

  it('uses an 8 MiB default limit', () => {
    const d = new FlvDemuxer();
    d.push(flvHeader(false, true));
    expect(d.push(Buffer.from('09800000000000000000000', 'hex').subarray(0, 11))).toEqual([]); // 8 MiB exactly
    const e = new FlvDemuxer();
    e.push(flvHeader(false, true));
    expectFormat(() => e.push(Buffer.from('0980000100000000000000', 'hex')));
  });

  it('rejects a PreviousTagSize that does not match, and a non-zero PreviousTagSize0', () => {
    const t = flvTag(FLV_AUDIO, 0, Buffer.from([1, 2, 3]));
    t.writeUInt32BE(15, t.length - 4);
    expectFormat(() => new FlvDemuxer().push(Buffer.concat([flvHeader(true, false), t])));
    const h = flvHeader(true, false);
    h.writeUInt32BE(5, 9);
    expectFormat(() => new FlvDemuxer().push(h));
  });
});

describe('FlvDemuxer on an ffmpeg FLV', () => {
  const m = useMediaDir();
  let file: Buffer;
  beforeAll(() => {
    file = makeTestFlv(m);
  });

  it('demuxes every tag under random slicing and re-muxes byte-exactly', () => {
    const whole = new FlvDemuxer().push(file);
    expect(whole.length).toBeGreaterThan(70); // 30 video frames + ~47 AAC frames + metadata + seq headers
    expect(whole[0].type).toBe(FLV_SCRIPT);
    expect(whole.filter((t) => t.type === FLV_VIDEO).length).toBe(32); // seq header + 30 frames + end of sequence
    expect(whole.filter((t) => t.type === FLV_AUDIO).length).toBeGreaterThanOrEqual(48);
    const rand = prng(42);
    for (let i = 0; i < 20; i++) {
      expectSameTags(demuxAll(randomSlices(rand, file, pick(rand, [7, 64, 1500, 65536]))), whole);
    }
    const remuxed = Buffer.concat([flvHeader(true, true), ...whole.map((t) => flvTag(t.type, t.timestamp, t.body))]);
    expect(remuxed.equals(file)).toBe(true);
    const ts = whole.filter((t) => t.type === FLV_VIDEO).map((t) => t.timestamp);
    expect(Math.max(...ts)).toBeGreaterThan(900);
  });
});

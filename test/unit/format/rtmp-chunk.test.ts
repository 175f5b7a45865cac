import { describe, expect, it } from 'vitest';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../../core/format/rtmp/rtmp-chunk';
import { setChunkSizeMsg } from '../../../core/format/rtmp/rtmp-messages';
import { pick, prng, randInt, randomBuffer, randomSlices, type Rand } from '../../helpers/prng';
import { TestChunkWriter, interleave } from '../../helpers/rtmp-chunk-writer';
import { expectCode } from '../../helpers/expect-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function feed(reader: ChunkReader, bytes: Buffer, rand: Rand, maxSlice = 2000): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  for (const s of randomSlices(rand, bytes, maxSlice)) out.push(...reader.push(s));
  return out;
}

const plain = (m: RtmpMessage) => ({ ...m, payload: m.payload.toString('hex') });

function randomMessage(rand: Rand, chunkSize: number): RtmpMessage {
  const size = pick(rand, [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize, randInt(rand, 0, 3000), randInt(rand, 0, 70000)]);
  return {
    csid: pick(rand, [2, 3, 4, 63, 64, 65, 319, 320, 321, 65599, randInt(rand, 2, 65599)]),
    type: pick(rand, [8, 9, 18, 20, 22]),
    streamId: pick(rand, [0, 1, 0xffffffff, randInt(rand, 0, 0xffffffff)]),
    timestamp: pick(rand, [0, 1, 0xfffffe, 0xffffff, 0x1000000, 0xffffffff, randInt(rand, 0, 0xffffffff)]),
    payload: randomBuffer(rand, Math.max(0, Math.min(size, 0xffffff))),
  };
}

describe('encodeChunks', () => {
  it('writes fmt 0 then fmt 3 chunks with 1, 2 and 3 byte basic headers', () => {
    expect(encodeChunks(setChunkSizeMsg(4096), 128).toString('hex')).toBe('02 000000 000004 01 00000000 00001000'.replace(/ /g, ''));
    const payload = hex('aabbcc');
    const m = { type: 9, streamId: 1, timestamp: 0x10, payload };
    expect(encodeChunks({ ...m, csid: 3 }, 2).toString('hex')).toBe('03 000010 000003 09 01000000 aabb c3 cc'.replace(/ /g, ''));
    expect(encodeChunks({ ...m, csid: 64 }, 2).toString('hex')).toBe('0000 000010 000003 09 01000000 aabb c000 cc'.replace(/ /g, ''));
    expect(encodeChunks({ ...m, csid: 319 }, 2).toString('hex')).toBe('00ff 000010 000003 09 01000000 aabb c0ff cc'.replace(/ /g, ''));
    expect(encodeChunks({ ...m, csid: 320 }, 2).toString('hex')).toBe('010001 000010 000003 09 01000000 aabb c10001 cc'.replace(/ /g, ''));
    expect(encodeChunks({ ...m, csid: 65599 }, 2).toString('hex')).toBe('01ffff 000010 000003 09 01000000 aabb c1ffff cc'.replace(/ /g, ''));
  });

  it('writes the extended timestamp after fmt 0 and repeats it in fmt 3 chunks', () => {
    const msg = { csid: 4, type: 8, streamId: 1, timestamp: 0x01000000, payload: hex('aabbcc') };
    expect(encodeChunks(msg, 2).toString('hex')).toBe('04 ffffff 000003 08 01000000 01000000 aabb c4 01000000 cc'.replace(/ /g, ''));
    expect(encodeChunks({ ...msg, timestamp: 0xffffff }, 4).toString('hex')).toBe('04 ffffff 000003 08 01000000 00ffffff aabbcc'.replace(/ /g, ''));
    expect(encodeChunks({ ...msg, timestamp: 0xfffffe }, 4).toString('hex')).toBe('04 fffffe 000003 08 01000000 aabbcc'.replace(/ /g, ''));
  });

  it('rejects csids outside 2..65599 and impossible sizes', () => {
    const m = { csid: 1, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(1) };
    expectCode(() => encodeChunks(m, 128), 'FORMAT');
    expectCode(() => encodeChunks({ ...m, csid: 65600 }, 128), 'FORMAT');
    expectCode(() => encodeChunks({ ...m, csid: 3 }, 0), 'FORMAT');
    expectCode(() => encodeChunks({ ...m, csid: 3, payload: Buffer.alloc(0x1000000) }, 128), 'LIMIT');
  });
});

describe('ChunkReader round trips', () => {
  it('reads back what encodeChunks wrote, for chunk sizes 1..65536, in random slices', () => {
    const rand = prng(1);
    const sizes = [1, 2, 3, 7, 127, 128, 129, 1000, 4096, 60000, 65536, randInt(rand, 1, 65536)];
    for (const chunkSize of sizes) {
      const msgs = Array.from({ length: chunkSize < 8 ? 6 : 25 }, () => randomMessage(rand, chunkSize));
      if (chunkSize < 8) for (const m of msgs) m.payload = m.payload.subarray(0, 2000);
      const bytes = Buffer.concat([encodeChunks(setChunkSizeMsg(chunkSize), 128), ...msgs.map((m) => encodeChunks(m, chunkSize))]);
      const reader = new ChunkReader();
      const got = feed(reader, bytes, rand);
      expect(reader.chunkSize).toBe(chunkSize);
      expect(reader.bytesRead).toBe(bytes.length);
      expect(got.length).toBe(msgs.length + 1);
      expect(got.slice(1).map(plain)).toStrictEqual(msgs.map(plain));
    }
  });

  it('decodes fmt 1/2/3 header compression with accumulating deltas', () => {
    const rand = prng(2);
    const w = new TestChunkWriter(128);
    const msgs: RtmpMessage[] = [];
    for (let i = 0; i < 150; i++) {
      msgs.push({ csid: 4, type: 8, streamId: 1, timestamp: 1000 + i * 23, payload: randomBuffer(rand, 300) });
      const len = i % 10 === 0 ? 5000 : i % 10 < 5 ? 300 : randInt(rand, 1, 900);
      msgs.push({ csid: 6, type: 9, streamId: 1, timestamp: 1000 + i * 33 + (i % 3 === 0 ? 1 : 0), payload: randomBuffer(rand, len) });
    }
    msgs.sort((a, b) => a.timestamp - b.timestamp);
    const bytes = Buffer.concat(msgs.map((m) => w.write(m)));
    for (const c of [1, 2, 3]) expect(w.stats.fmt[c]).toBeGreaterThan(5);
    const got = feed(new ChunkReader(), bytes, rand);
    expect(got.map(plain)).toStrictEqual(msgs.map(plain));
  });

  it('interleaves chunks of messages on different chunk streams', () => {
    const rand = prng(3);
    const w = new TestChunkWriter(100);
    const msgs: RtmpMessage[] = [];
    const lists: Buffer[][] = [];
    for (const csid of [4, 6, 70, 400]) {
      const m = { csid, type: 9, streamId: 1, timestamp: csid * 10, payload: randomBuffer(rand, 1000 + csid) };
      msgs.push(m);
      lists.push(w.chunks(m));
    }
    const bytes = Buffer.concat([encodeChunks(setChunkSizeMsg(100), 128), interleave(lists)]);
    const got = feed(new ChunkReader(), bytes, rand, 64).slice(1);
    expect(got.map(plain).sort((a, b) => a.csid - b.csid)).toStrictEqual(msgs.map(plain));
  });

  it('handles extended timestamps whether or not fmt 3 continuation chunks repeat them', () => {
    for (const repeat of [true, false]) {
      const rand = prng(repeat ? 4 : 5);
      const w = new TestChunkWriter(128, { repeatExtendedInContinuation: repeat });
      const msgs: RtmpMessage[] = [];
      let ts = 0xfffff0;
      for (let i = 0; i < 60; i++) {
        ts += Math.floor(i / 5) % 2 === 0 ? 0x1000000 : 40;
        const len = i % 10 < 7 ? 500 : randInt(rand, 1, 700);
        msgs.push({ csid: 6, type: 9, streamId: 1, timestamp: ts >>> 0, payload: randomBuffer(rand, len) });
      }
      const bytes = Buffer.concat(msgs.map((m) => w.write(m)));
      expect(w.stats.fmt[2]).toBeGreaterThan(3);
      expect(w.stats.fmt[3]).toBeGreaterThan(5);
      const got = feed(new ChunkReader(), bytes, rand, 50);
      expect(got.map(plain)).toStrictEqual(msgs.map(plain));
    }
  });

  it('wraps timestamps modulo 2^32 when deltas accumulate', () => {
    const w = new TestChunkWriter(128);
    const msgs = [0xfffffff0, 0x10, 0x30, 0x50].map((timestamp) => ({ csid: 4, type: 8, streamId: 1, timestamp, payload: Buffer.alloc(10, 1) }));
    const bytes = Buffer.concat(msgs.map((m) => w.write(m)));
    expect(w.stats.fmt[0]).toBe(1);
    expect(new ChunkReader().push(bytes).map((m) => m.timestamp)).toStrictEqual([0xfffffff0, 0x10, 0x30, 0x50]);
  });

  it('a fmt 3 new message right after fmt 0 adds the fmt 0 timestamp field again (ffmpeg/SRS semantics)', () => {
    const bytes = hex('04 000064 000001 08 01000000 aa  c4 bb');
    expect(new ChunkReader().push(bytes).map((m) => m.timestamp)).toStrictEqual([100, 200]);
  });

  it('returns zero-length messages', () => {
    const bytes = Buffer.concat([encodeChunks({ csid: 3, type: 18, streamId: 1, timestamp: 5, payload: Buffer.alloc(0) }, 128), hex('c3')]);
    const got = new ChunkReader().push(bytes);
    expect(got.map(plain)).toStrictEqual([
      { csid: 3, type: 18, streamId: 1, timestamp: 5, payload: '' },
      { csid: 3, type: 18, streamId: 1, timestamp: 10, payload: '' },
    ]);
  });

  it('payloads survive later mutation of small pushed buffers', () => {
    const chunk = encodeChunks({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: Buffer.from('hello') }, 128);
    const [m] = new ChunkReader().push(chunk);
    chunk.fill(0);
    expect(m.payload.toString()).toBe('hello');
  });
});

describe('ChunkReader control messages and errors', () => {
  it('applies Abort: the partial message on that chunk stream is dropped', () => {
    const w = new TestChunkWriter(128);
    const big = { csid: 6, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(300, 1) };
    const firstChunk = w.chunks(big)[0];
    const abort = encodeChunks({ csid: 2, type: 2, streamId: 0, timestamp: 0, payload: hex('00000006') }, 128);
    const next = { csid: 6, type: 9, streamId: 1, timestamp: 40, payload: Buffer.alloc(10, 2) };
    const reader = new ChunkReader();
    const got = reader.push(Buffer.concat([firstChunk, abort, encodeChunks(next, 128)]));
    expect(got.map((m) => [m.type, m.csid, m.payload.length])).toStrictEqual([
      [2, 2, 4],
      [9, 6, 10],
    ]);
  });

  it('throws LIMIT as soon as a header declares too long a message, then stays dead', () => {
    const reader = new ChunkReader({ maxMessageSize: 1000 });
    const header = hex('06 000000 0003e9 09 01000000');
    expectCode(() => reader.push(header), 'LIMIT');
    expectCode(() => reader.push(hex('c6')), 'LIMIT');
    const ok = new ChunkReader({ maxMessageSize: 1000 });
    expect(ok.push(hex('06 000000 0003e8 09 01000000'))).toStrictEqual([]);
    // split header: the limit is still detected before any body byte
    const split = new ChunkReader({ maxMessageSize: 1000 });
    split.push(hex('06 0000'));
    expectCode(() => split.push(hex('00 ffffff 09')), 'LIMIT');
  });

  it('throws LIMIT when partial messages hold too many bytes across chunk streams', () => {
    const reader = new ChunkReader({ maxMessageSize: 1000, maxBufferedBytes: 1500 });
    const w = new TestChunkWriter(600);
    const a = w.chunks({ csid: 4, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(1000) })[0];
    const b = w.chunks({ csid: 5, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(1000) })[0];
    const c = w.chunks({ csid: 7, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(1000) })[0];
    reader.push(Buffer.concat([a, b]));
    expectCode(() => reader.push(c), 'LIMIT');
  });

  it('throws FORMAT on headers with no previous header, bad chunk sizes and headers inside a message', () => {
    expectCode(() => new ChunkReader().push(hex('43 000000 000001 08 aa')), 'FORMAT');
    expectCode(() => new ChunkReader().push(hex('83 000000 aa')), 'FORMAT');
    expectCode(() => new ChunkReader().push(hex('c3 aa')), 'FORMAT');
    expectCode(() => new ChunkReader().push(hex('02 000000 000004 01 00000000 00000000')), 'FORMAT');
    expectCode(() => new ChunkReader().push(hex('02 000000 000004 01 00000000 80000000')), 'FORMAT');
    expectCode(() => new ChunkReader().push(hex('02 000000 000002 01 00000000 0001')), 'FORMAT');
    const mid = Buffer.concat([encodeChunks({ csid: 4, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(200) }, 128).subarray(0, 140), hex('04 000000 000001 08 01000000 aa')]);
    expectCode(() => new ChunkReader().push(mid), 'FORMAT');
  });

  it('accepts librtmp\'s fmt 1 ping on a fresh chunk stream 2', () => {
    const got = new ChunkReader().push(hex('42 000000 000006 04 0006 00000d0f'));
    expect(got.map(plain)).toStrictEqual([{ csid: 2, type: 4, streamId: 0, timestamp: 0, payload: '000600000d0f' }]);
  });

  it('applies Set Chunk Size to the chunks that follow', () => {
    const msg = { csid: 3, type: 20, streamId: 0, timestamp: 0, payload: Buffer.alloc(5000, 3) };
    const bytes = Buffer.concat([encodeChunks(setChunkSizeMsg(4096), 128), encodeChunks(msg, 4096)]);
    const reader = new ChunkReader();
    const got = reader.push(bytes);
    expect(got.map((m) => m.type)).toStrictEqual([1, 20]);
    expect(got[1].payload.equals(msg.payload)).toBe(true);
    expect(reader.chunkSize).toBe(4096);
  });
});

/** ChunkReader budgets: chunk-stream counts, halting between messages, and what partial messages keep alive. */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OnAirError } from '../../../core/errors';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../../core/format/rtmp/rtmp-chunk';
import { commandMsg, setChunkSizeMsg } from '../../../core/format/rtmp/rtmp-messages';
import { TestChunkWriter } from '../../helpers/rtmp-chunk-writer';

/** A full GC, twice with a pause: V8 frees ArrayBuffer memory on a background sweeper after the GC itself. */
async function gcNow(): Promise<void> {
  let g = (globalThis as { gc?: () => void }).gc;
  if (!g) {
    v8.setFlagsFromString('--expose-gc');
    g = vm.runInNewContext('gc') as () => void;
  }
  g();
  await new Promise((r) => setTimeout(r, 50));
  g();
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof OnAirError) return e.code;
    throw e;
  }
  return 'none';
}

const video = (csid: number, len: number, fill = 1): RtmpMessage => ({ csid, type: 9, streamId: 1, timestamp: 0, payload: Buffer.alloc(len, fill) });
/** the first chunk of a message on its own chunk stream: opens it and leaves the message partial */
const firstChunk = (csid: number, len = 300): Buffer => new TestChunkWriter(128).chunks(video(csid, len))[0];

describe('ChunkReader limits', () => {
  it('maxChunkStreams counts every chunk-stream id opened', () => {
    const r = new ChunkReader({ maxChunkStreams: 4 });
    for (const csid of [3, 4, 70, 400]) r.push(encodeChunks(video(csid, 10), 128));
    expect(code(() => r.push(encodeChunks(video(5, 10), 128)))).toBe('LIMIT');
  });

  it('maxPartialStreams counts only streams with a partial message', () => {
    const r = new ChunkReader({ maxPartialStreams: 2 });
    for (let csid = 3; csid < 300; csid++) r.push(encodeChunks(video(csid, 10), 128)); // complete: fine
    r.push(firstChunk(3));
    r.push(firstChunk(4));
    expect(code(() => r.push(firstChunk(5)))).toBe('LIMIT');
  });

  it('setLimits widens the message size for what follows', () => {
    const r = new ChunkReader({ maxMessageSize: 1024 });
    expect(code(() => new ChunkReader({ maxMessageSize: 1024 }).push(firstChunk(3, 5000)))).toBe('LIMIT');
    r.push(encodeChunks(video(3, 1000), 128));
    r.setLimits({ maxMessageSize: 1 << 20 });
    expect(r.push(encodeChunks(video(3, 5000), 128)).map((m) => m.payload.length)).toStrictEqual([5000]);
  });
});

describe('ChunkReader haltAfter / release', () => {
  it('stops after the message the predicate picks and reads the rest only on release', () => {
    const connect = commandMsg(0, ['connect', 1, { app: 'live' }]);
    const tail = [setChunkSizeMsg(4096), video(6, 9000, 7), video(6, 20, 8)];
    const bytes = Buffer.concat([encodeChunks(video(4, 50), 128), encodeChunks(connect, 128), encodeChunks(tail[0], 128), ...tail.slice(1).map((m) => encodeChunks(m, 4096))]);
    for (const cut of [bytes.length, 100, 300, 7]) {
      const r = new ChunkReader({ maxMessageSize: 1000 });
      r.haltAfter((m) => m.type === 20);
      const got: RtmpMessage[] = [];
      for (let i = 0; i < bytes.length; i += cut) got.push(...r.push(bytes.subarray(i, i + cut)));
      expect(got.map((m) => m.type), `cut ${cut}`).toStrictEqual([9, 20]);
      r.setLimits({ maxMessageSize: 1 << 20 }); // the 9000-byte message is read under the new limit
      r.haltAfter(null);
      const rest = r.release();
      expect(rest.map((m) => [m.type, m.payload.length])).toStrictEqual([[1, 4], [9, 9000], [9, 20]]);
      expect(rest[1].payload.equals(Buffer.alloc(9000, 7))).toBe(true);
      expect(r.bytesRead).toBe(bytes.length);
      expect(r.push(encodeChunks(video(6, 10, 9), 4096)).length).toBe(1);
    }
  });
});

describe('ChunkReader: what a partial message keeps alive', () => {
  it('a few body bytes per push do not pin the whole pushed buffer', async () => {
    const w = new TestChunkWriter(4096);
    const partial = w.chunks(video(4, 4096 * 600, 3)); // 600 chunks of 4 KiB
    const r = new ChunkReader({ maxMessageSize: 16 << 20 });
    r.push(encodeChunks(setChunkSizeMsg(4096), 128));
    await gcNow();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 500; i++) {
      // a fresh ~64 KiB push: a complete 60 KB message, then one 4 KiB chunk of the long partial one
      const push = Buffer.concat([encodeChunks(video(5, 60_000, 4), 4096), partial[i]]);
      expect(r.push(push).length).toBe(1);
    }
    await gcNow();
    const held = process.memoryUsage().arrayBuffers - before;
    // 2 MB of body is partial; keeping every pushed buffer alive would be ~32 MB
    expect(held).toBeLessThan(8 * 1024 * 1024);
    let done: RtmpMessage[] = [];
    for (let i = 500; i < 600; i++) done = r.push(partial[i]);
    expect(done.length).toBe(1);
    expect(done[0].payload.equals(Buffer.alloc(4096 * 600, 3))).toBe(true);
  });

  it('one body byte per push (chunk size 1) does not grow one object per byte', async () => {
    const r = new ChunkReader();
    r.push(encodeChunks(setChunkSizeMsg(1), 128));
    r.push(new TestChunkWriter(1).chunks(video(4, 300_000, 5))[0]);
    await gcNow();
    const m0 = process.memoryUsage();
    for (let i = 1; i < 200_000; i++) r.push(Buffer.from([0xc4, 5]));
    await gcNow();
    const m1 = process.memoryUsage();
    // 200 KB of body; one Buffer object per byte would be well over 10 MB of heap
    expect(m1.heapUsed - m0.heapUsed).toBeLessThan(3 * 1024 * 1024);
    expect(m1.arrayBuffers - m0.arrayBuffers).toBeLessThan(3 * 1024 * 1024);
  });
});

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlvPlayer } from '../../core/flv/player';
import { FlvDemuxer, flvHeader } from '../../core/format/flv/flv';
import type { ByteSink } from '../../core/media/byte-sink';
import type { MediaPacket } from '../../core/media/packet';
import { Stream } from '../../core/media/stream';
import { parseConfig } from '../../core/config';

const log = pino({ level: 'silent' });

function recorder(): ByteSink & { writes: Buffer[]; queuedBytes: number } {
  const r = {
    writes: [] as Buffer[],
    queuedBytes: 0,
    write(b: Buffer) {
      r.writes.push(b);
    },
    get queued() {
      return r.queuedBytes;
    },
    close() {},
  };
  return r;
}

const avcConfig = Buffer.from('17000000000164001fffe1001967640028acd940780227e5c044000003000400000300c83c60c65801000568ebecb22c', 'hex');
const video = (ts: number, key: boolean): MediaPacket => ({ kind: 'video', timestamp: ts, cts: 0, keyframe: key, seqHeader: false, body: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 1, ts & 0xff]) });
const audio = (ts: number): MediaPacket => ({ kind: 'audio', timestamp: ts, cts: 0, keyframe: false, seqHeader: false, body: Buffer.from([0xaf, 1, ts & 0xff]) });

function liveStream(flushMs = 0): Stream {
  const s = new Stream('live', 'x', { gopCache: true, gopMaxBytes: 1 << 20, gopMaxPackets: 1000, reconnectWindowMs: 0, flushMs });
  s.setVideoConfig({ kind: 'video', timestamp: 0, cts: 0, keyframe: false, seqHeader: true, body: avcConfig }, { codec: 'H264', profile: 'High', level: 4, width: 1920, height: 1080 });
  s.push(video(0, true));
  return s;
}

describe('fan-out', () => {
  it('players in step write the burst once, sharing one Buffer; a player that dropped writes its own', async () => {
    const s = liveStream();
    const sinks = [recorder(), recorder(), recorder()];
    sinks.forEach((sink, i) => s.addSubscriber(new FlvPlayer({ id: `p${i}`, ip: '', protocol: 'http', sink, policy: { maxBytes: 1000, stallMs: 60_000 }, log }, () => {})));
    for (const sink of sinks) sink.writes.length = 0;
    sinks[2].queuedBytes = 5000; // over its queue limit: it drops until the next keyframe
    s.push(video(33, false));
    s.push(audio(40));
    s.push(video(66, false));
    s.flush();
    expect(sinks[0].writes).toHaveLength(1);
    expect(sinks[1].writes).toHaveLength(1);
    expect(sinks[0].writes[0]).toBe(sinks[1].writes[0]); // the same Buffer object, encoded once
    expect(sinks[2].writes).toHaveLength(0);
    sinks[2].queuedBytes = 0;
    s.push(video(100, true));
    s.flush();
    expect(sinks[2].writes).toHaveLength(1);
    expect(sinks[2].writes[0]).toBe(sinks[0].writes[1]); // back in step from the keyframe
  });

  it('audio alone waits for the next video frame and goes out in the same write; video is never held', async () => {
    const s = liveStream();
    const sink = recorder();
    s.addSubscriber(new FlvPlayer({ id: 'p', ip: '', protocol: 'http', sink, policy: { maxBytes: 1 << 20, stallMs: 60_000 }, log }, () => {}));
    sink.writes.length = 0;
    s.push(audio(10));
    s.flush();
    expect(sink.writes).toHaveLength(0);
    s.push(video(33, false));
    s.flush();
    expect(sink.writes).toHaveLength(1);
    s.push(audio(50));
    s.flush();
    await new Promise((r) => setTimeout(r, 60)); // the hold never exceeds 40 ms
    expect(sink.writes).toHaveLength(2);
  });

  it('a joining player gets header, config and keyframe in its first write; the rest of the GOP one tick later', async () => {
    const s = liveStream();
    for (let i = 1; i < 30; i++) s.push(video(i * 33, false));
    s.flush();
    const sink = recorder();
    s.addSubscriber(new FlvPlayer({ id: 'p', ip: '', protocol: 'http', sink, policy: { maxBytes: 1 << 20, stallMs: 60_000 }, log }, () => {}));
    expect(sink.writes).toHaveLength(1);
    const first = sink.writes[0];
    expect(first.subarray(0, 3).toString()).toBe('FLV');
    expect(first.includes(avcConfig)).toBe(true);
    s.push(video(1000, false)); // live packets during the deferral keep their order after the GOP
    await new Promise((r) => setImmediate(r));
    expect(sink.writes).toHaveLength(2);
    const tags = new FlvDemuxer().push(Buffer.concat(sink.writes));
    expect(tags.map((t) => t.timestamp)).toEqual([0, 0, ...Array.from({ length: 29 }, (_v, i) => (i + 1) * 33), 1000]);
  });

  it('rtmp.flush_ms: defaults to 0 (every burst written at once) and is bounded', () => {
    expect(parseConfig({}).rtmp.flush_ms).toBe(0);
    expect(parseConfig({ rtmp: { flush_ms: 100 } }).rtmp.flush_ms).toBe(100);
    expect(() => parseConfig({ rtmp: { flush_ms: -1 } })).toThrow();
    expect(() => parseConfig({ rtmp: { flush_ms: 5000 } })).toThrow();
  });

  it('with flush_ms, players write once per flush_ms: every burst in one shared Buffer, in order, no later than flush_ms', async () => {
    const s = liveStream(60);
    const sinks = [recorder(), recorder()];
    sinks.forEach((sink, i) => s.addSubscriber(new FlvPlayer({ id: `p${i}`, ip: '', protocol: 'http', sink, policy: { maxBytes: 1 << 20, stallMs: 60_000 }, log }, () => {})));
    await new Promise((r) => setImmediate(r));
    for (const sink of sinks) sink.writes.length = 0;
    const t0 = performance.now();
    const at: number[] = [];
    const done = new Promise<void>((resolve) => {
      sinks[0].write = (b: Buffer) => {
        sinks[0].writes.push(b);
        at.push(performance.now() - t0);
        resolve();
      };
    });
    for (let i = 1; i <= 4; i++) {
      s.push(video(i * 10, false)); // four frame bursts, each flushed by its ingest
      s.push(audio(i * 10 + 5));
      s.flush();
      expect(sinks[0].writes).toHaveLength(0); // video is held too
    }
    await done;
    expect(at[0]).toBeGreaterThanOrEqual(55);
    expect(at[0]).toBeLessThan(60 + 200);
    expect(sinks[1].writes).toHaveLength(1);
    expect(sinks[0].writes[0]).toBe(sinks[1].writes[0]); // encoded once for both players
    const tags = new FlvDemuxer().push(Buffer.concat([flvHeader(true, true), sinks[0].writes[0]]));
    expect(tags.map((t) => t.timestamp)).toEqual([10, 15, 20, 25, 30, 35, 40, 45]);
    s.push(video(100, false)); // the next window starts with the next packet
    s.flush();
    expect(sinks[1].writes).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(sinks[1].writes).toHaveLength(2);
  });

  it('with flush_ms, an unpublish writes what is pending at once', () => {
    const s = liveStream(1000);
    const sink = recorder();
    s.addSubscriber(new FlvPlayer({ id: 'p', ip: '', protocol: 'http', sink, policy: { maxBytes: 1 << 20, stallMs: 60_000 }, log }, () => {}));
    sink.writes.length = 0;
    s.push(video(33, false));
    s.flush();
    expect(sink.writes).toHaveLength(0);
    s.detachPublisher('gone');
    expect(sink.writes).toHaveLength(1);
    expect(new FlvDemuxer().push(Buffer.concat([flvHeader(true, true), sink.writes[0]])).map((t) => t.timestamp)).toEqual([33]);
  });
});

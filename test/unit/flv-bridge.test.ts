import { describe, expect, it } from 'vitest';
import { audFrame, avcLengthSize, ConfigBridge } from '../../core/flv/bridge';
import type { MediaPacket } from '../../core/media/packet';

/** an FLV AVC sequence header body: AVCDecoderConfigurationRecord with lengthSizeMinusOne = `ls - 1` */
function avcConfig(tag: number, ls = 4): MediaPacket {
  const rec = Buffer.from([1, 0x64, 0, 0x1f, 0xfc | (ls - 1), 0xe1, 0, 4, 0x67, 0x64, 0, tag, 1, 0, 2, 0x68, 0xee]);
  return { kind: 'video', timestamp: 0, cts: 0, keyframe: true, seqHeader: true, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), rec]) };
}
const frame = (ts: number, key = false): MediaPacket => ({ kind: 'video', timestamp: ts, cts: 0, keyframe: key, seqHeader: false, body: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]) });
const audio = (ts: number): MediaPacket => ({ kind: 'audio', timestamp: ts, cts: 0, keyframe: false, seqHeader: false, body: Buffer.from([0xaf, 1, 0]) });

describe('FLV bridge frame across a new AVC configuration', () => {
  it('reads the NALU length size of an AVC sequence header, and nothing else', () => {
    expect(avcLengthSize(avcConfig(0x1f).body)).toBe(4);
    expect(avcLengthSize(avcConfig(0x1f, 2).body)).toBe(2);
    expect(avcLengthSize(frame(0).body)).toBeNull();
    expect(avcLengthSize(Buffer.from([0x1c, 0, 0, 0, 0, 1, 2, 3, 4, 5]))).toBeNull(); // HEVC (codec 12)
  });

  it('an AUD-only inter frame: one NAL of type 9, length-prefixed', () => {
    const f = audFrame(41, 4);
    expect([...f.body]).toEqual([0x27, 1, 0, 0, 0, 0, 0, 0, 2, 0x09, 0xf0]);
    expect(f).toMatchObject({ kind: 'video', timestamp: 41, keyframe: false, seqHeader: false });
  });

  it('holds a changed header until the next frame, then sends bridge (1 ms before it), header, frame', () => {
    const b = new ConfigBridge();
    b.started(avcConfig(0x1f));
    expect(b.map(frame(0, true))).toHaveLength(1);
    expect(b.map(frame(40))).toHaveLength(1);
    expect(b.map(avcConfig(0x1f))).toHaveLength(1); // the same configuration again passes
    const next = avcConfig(0x0d);
    expect(b.map(next)).toEqual([]);
    expect(b.map(audio(45))).toHaveLength(1); // audio is never held
    const k = frame(42, true);
    const out = b.map(k);
    expect(out.map((p) => [p.timestamp, p.seqHeader, p.keyframe])).toEqual([[41, false, false], [42, true, true], [42, false, true]]);
    expect(out[0].body[out[0].body.length - 2]).toBe(0x09);
    expect(out[1].body.equals(next.body)).toBe(true);
    expect(out[2]).toBe(k);
    // the new configuration is now the player's: the next change bridges again, a repeat does not
    expect(b.map(avcConfig(0x0d))).toHaveLength(1);
  });

  it('no room before the keyframe (same millisecond): header and frame, no bridge', () => {
    const b = new ConfigBridge();
    b.started(avcConfig(0x1f));
    b.map(frame(100, true));
    b.map(avcConfig(0x0d));
    expect(b.map(frame(101, true)).map((p) => p.seqHeader)).toEqual([true, false]);
  });
});

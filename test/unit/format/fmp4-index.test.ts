import { describe, expect, it } from 'vitest';
import { audioTrack, fragment, initSegment } from '../../../core/format/fmp4/fmp4';
import { INDEX_REFS, durationWrites, fragmentRef, indexWrites, layoutOf, recordingHead, type FragmentRef } from '../../../core/format/fmp4/fmp4-index';
import { boxes, find } from './mux-test-utils';

/** The recording head (64-bit durations, mehd, index reserve) and the in-place index written at close. */

const ASC = Buffer.from([0x12, 0x10]); // AAC LC, 44.1 kHz, stereo

function build(fragments: number, framesPer: number): { file: Buffer; refs: FragmentRef[]; headLen: number } {
  const track = audioTrack(ASC, 2);
  const head = recordingHead(initSegment([track]));
  const layout = layoutOf(head);
  if (!layout) throw new Error('no layout');
  const parts: Buffer[] = [head];
  const refs: FragmentRef[] = [];
  let off = head.length;
  for (let i = 0; i < fragments; i++) {
    const samples = Array.from({ length: framesPer }, () => ({ duration: 1024, data: Buffer.alloc(7, i), keyframe: true }));
    const f = fragment(i + 1, [{ trackId: 2, baseDecodeTime: i * framesPer * 1024, samples }]);
    const ref = fragmentRef(f, off, f.length, layout);
    if (!ref) throw new Error('fragment did not parse');
    refs.push(ref);
    parts.push(f);
    off += f.length;
  }
  return { file: Buffer.concat(parts), refs, headLen: head.length };
}

function apply(file: Buffer, writes: Array<{ offset: number; data: Buffer }>): Buffer {
  const out = Buffer.from(file);
  for (const w of writes) w.data.copy(out, w.offset);
  return out;
}

interface Sidx { id: number; timescale: number; ept: number; firstOffset: number; refs: Array<{ size: number; duration: number; sap: number }> }
function readSidx(b: Buffer, at: number): Sidx {
  expect(b.toString('latin1', at + 4, at + 8)).toBe('sidx');
  expect(b[at + 8]).toBe(1);
  const n = b.readUInt16BE(at + 38);
  const refs = Array.from({ length: n }, (_, i) => {
    const o = at + 40 + i * 12;
    return { size: b.readUInt32BE(o) & 0x7fffffff, duration: b.readUInt32BE(o + 4), sap: b.readUInt32BE(o + 8) >>> 28 };
  });
  return { id: b.readUInt32BE(at + 12), timescale: b.readUInt32BE(at + 16), ept: Number(b.readBigUInt64BE(at + 20)), firstOffset: Number(b.readBigUInt64BE(at + 28)), refs };
}

describe('fmp4 recording index', () => {
  it('the head has version 1 mvhd/tkhd/mdhd, an mehd first in mvex, and a free reserve after moov', () => {
    const head = recordingHead(initSegment([audioTrack(ASC, 2)]));
    expect(boxes(head).map((b) => b.type)).toEqual(['ftyp', 'moov', 'free']);
    for (const p of [['moov', 'mvhd'], ['moov', 'trak', 'tkhd'], ['moov', 'trak', 'mdia', 'mdhd'], ['moov', 'mvex', 'mehd']]) {
      const b = find(head, p);
      expect(b, p.join('/')).not.toBeNull();
      expect(head[b!.body], p.join('/')).toBe(1);
    }
    const mvex = find(head, ['moov', 'mvex'])!;
    expect(boxes(head, mvex.body, mvex.end).map((b) => b.type)).toEqual(['mehd', 'trex']);
    const l = layoutOf(head)!;
    expect(l.movieTimescale).toBe(1000);
    expect(l.tracks).toEqual([expect.objectContaining({ id: 2, timescale: 44100 })]);
    const free = boxes(head)[2];
    expect(l.reserve).toEqual({ offset: free.start, size: free.end - free.start });
    // the timescale and the matrix survive the widening
    const mdhd = find(head, ['moov', 'trak', 'mdia', 'mdhd'])!;
    expect(head.readUInt32BE(mdhd.body + 20)).toBe(44100);
    const tkhd = find(head, ['moov', 'trak', 'tkhd'])!;
    expect(head.readUInt32BE(tkhd.body + 20)).toBe(2); // track_ID
    expect(head.readUInt16BE(tkhd.body + 48)).toBe(0x0100); // audio volume 1.0
    expect(head.readUInt32BE(tkhd.body + 52)).toBe(0x00010000); // matrix a = 1.0
  });

  it('close writes the durations and a sidx covering every fragment to the end of the file', () => {
    const { file, refs, headLen } = build(5, 43);
    const l = layoutOf(file.subarray(0, headLen))!;
    const out = apply(file, indexWrites(l, refs));
    expect(out.length).toBe(file.length);
    const ticks = 5 * 43 * 1024;
    const ms = Math.round((ticks * 1000) / 44100);
    expect(Number(out.readBigUInt64BE(l.mvhd.offset))).toBe(ms);
    expect(Number(out.readBigUInt64BE(l.mehd!.offset))).toBe(ms);
    expect(Number(out.readBigUInt64BE(l.tracks[0].tkhd.offset))).toBe(ms);
    expect(Number(out.readBigUInt64BE(l.tracks[0].mdhd.offset))).toBe(ticks);
    const top = boxes(out);
    expect(top.map((b) => b.type).slice(0, 5)).toEqual(['ftyp', 'moov', 'sidx', 'free', 'moof']);
    const s = readSidx(out, top[2].start);
    expect(s).toMatchObject({ id: 2, timescale: 44100, ept: 0 });
    expect(s.refs).toHaveLength(5);
    expect(s.refs.every((r) => r.duration === 43 * 1024 && r.sap === 0b1001)).toBe(true);
    // ffmpeg's completeness rule: end of sidx + first_offset + referenced sizes = file size
    expect(top[2].end + s.firstOffset + s.refs.reduce((n, r) => n + r.size, 0)).toBe(out.length);
    expect(top[2].end + s.firstOffset).toBe(top[4].start);
  });

  it('more fragments than the reserve holds are grouped, and still cover the whole file', () => {
    const n = INDEX_REFS * 2 + 37;
    const { file, refs, headLen } = build(n, 2);
    const l = layoutOf(file.subarray(0, headLen))!;
    const out = apply(file, indexWrites(l, refs));
    const top = boxes(out);
    const s = readSidx(out, top[2].start);
    expect(s.refs.length).toBeLessThanOrEqual(INDEX_REFS);
    expect(s.refs.reduce((a, r) => a + r.duration, 0)).toBe(n * 2 * 1024);
    expect(top[2].end + s.firstOffset + s.refs.reduce((a, r) => a + r.size, 0)).toBe(out.length);
  });

  it('live duration writes touch only the duration fields', () => {
    const { file, headLen } = build(2, 10);
    const l = layoutOf(file.subarray(0, headLen))!;
    const w = durationWrites(l, new Map([[2, 44100 * 3]]));
    expect(w.map((x) => x.data.length)).toEqual([8, 8, 8, 8]);
    const out = apply(file, w);
    expect(Number(out.readBigUInt64BE(l.mvhd.offset))).toBe(3000);
    expect(out.subarray(headLen).equals(file.subarray(headLen))).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { audioInfoFromTag, videoInfoFromSeqHeader } from '../../core/format/codec/codec-info';
import { FLV_AUDIO, FLV_VIDEO, FlvDemuxer, flvHeader, type FlvTag } from '../../core/format/flv/flv';
import { parseAudioTag, parseVideoTag } from '../../core/format/flv/video-tag';
import { allowFormatError, mutate, rssMb } from '../helpers/format-fuzz';
import { makeTestFlv, mediaDir, type MediaDir } from '../helpers/format-media';
import { fuzzCases, pick, prng, randInt, randomSlices, type Rand } from '../helpers/prng';

const CASES = fuzzCases(2000);
/** generous per-test budget that scales with the case count (the dedicated run uses 100000) */
const TIMEOUT = Math.max(60_000, CASES * 3);
const MAX_TAG = 256 * 1024;

/** Everything downstream of the demuxer does with a tag; every outcome must be a value or an OnAirError. */
function describeTag(t: FlvTag): void {
  if (t.type === FLV_VIDEO) {
    const info = parseVideoTag(t.body);
    expect(info.dataOffset).toBeLessThanOrEqual(t.body.length);
    expect(info.dataEnd).toBeLessThanOrEqual(t.body.length);
    if (info.seqHeader) {
      const v = videoInfoFromSeqHeader(info, t.body);
      expect(Number.isFinite(v.width) && v.width >= 0 && Number.isFinite(v.height) && v.height >= 0).toBe(true);
    }
  } else if (t.type === FLV_AUDIO) {
    const info = parseAudioTag(t.body);
    expect(info.dataOffset).toBeLessThanOrEqual(t.body.length);
    const a = audioInfoFromTag(info, t.body);
    expect(Number.isFinite(a.samplerate) && a.samplerate >= 0).toBe(true);
  }
}

describe(`FLV fuzz (${CASES} cases)`, () => {
  let m: MediaDir;
  let file: Buffer;
  const tagStarts: number[] = []; // offsets of tag headers in `file`
  beforeAll(() => {
    m = mediaDir();
    file = makeTestFlv(m);
    for (let p = 13; p + 11 <= file.length; p += 11 + file.readUIntBE(p + 1, 3) + 4) tagStarts.push(p);
  });
  afterAll(() => m.cleanup());

  /** flv header + a run of consecutive tags from the ffmpeg file, with the DataSize offsets inside it. */
  function window(rand: Rand): { bytes: Buffer; sizeOffsets: number[] } {
    // a third of the windows start at the metadata / sequence headers, the rest anywhere
    const first = randInt(rand, 0, rand() < 0.33 ? 3 : tagStarts.length - 1);
    const count = randInt(rand, 1, 6);
    const start = tagStarts[first];
    const endIdx = Math.min(tagStarts.length, first + count);
    const end = endIdx < tagStarts.length ? tagStarts[endIdx] : file.length;
    const sizeOffsets = tagStarts.slice(first, endIdx).map((p) => p - start + 13 + 1);
    return { bytes: Buffer.concat([flvHeader(true, true), file.subarray(start, end)]), sizeOffsets };
  }

  it('mutated ffmpeg FLV: the only outcomes are tags or OnAirError', () => {
    const rss0 = rssMb();
    const rand = prng(0x5eed_f1f0);
    let ok = 0;
    let failed = 0;
    for (let c = 0; c < CASES; c++) {
      const { bytes, sizeOffsets } = window(rand);
      const input = rand() < 0.05 ? bytes : mutate(bytes, rand, [...sizeOffsets, 5, 9]);
      const d = new FlvDemuxer({ maxTagSize: MAX_TAG });
      const r = allowFormatError(`case ${c}`, input, () => {
        const tags: FlvTag[] = [];
        for (const piece of randomSlices(rand, input, pick(rand, [16, 512, 65536]))) tags.push(...d.push(piece));
        return tags;
      });
      if (r instanceof OnAirError) {
        failed++;
        expect(r.code).toBe('FORMAT');
        continue;
      }
      ok++;
      for (const t of r) {
        expect(t.body.length).toBeLessThanOrEqual(MAX_TAG);
        allowFormatError(`case ${c} tag`, t.body, () => describeTag(t));
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(rssMb() - rss0).toBeLessThan(200);
  }, TIMEOUT);

  it('random bytes after a valid header, and huge DataSize fields, never escape as other errors', () => {
    const rss0 = rssMb();
    const rand = prng(0xbadf1f);
    for (let c = 0; c < CASES; c++) {
      const header = flvHeader(rand() < 0.5, rand() < 0.5);
      const tagHeader = Buffer.alloc(11);
      tagHeader[0] = pick(rand, [8, 9, 18, randInt(rand, 0, 255)]);
      tagHeader.writeUIntBE(pick(rand, [0xffffff, MAX_TAG + 1, randInt(rand, 0, 0xffffff), randInt(rand, 0, 64)]), 1, 3);
      const tail = Buffer.allocUnsafe(randInt(rand, 0, 96));
      for (let i = 0; i < tail.length; i++) tail[i] = Math.floor(rand() * 256);
      const input = Buffer.concat([header, tagHeader, tail]);
      const d = new FlvDemuxer({ maxTagSize: MAX_TAG });
      allowFormatError(`case ${c}`, input, () => {
        for (const piece of randomSlices(rand, input, 32)) for (const t of d.push(piece)) describeTag(t);
      });
    }
    expect(rssMb() - rss0).toBeLessThan(200);
  }, TIMEOUT);
});

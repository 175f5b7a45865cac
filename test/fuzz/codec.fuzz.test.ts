import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { parseAacConfig } from '../../core/format/codec/aac';
import { parseAvcDecoderConfig, parseH264Sps } from '../../core/format/codec/avc';
import { BitReader, removeEmulationPrevention } from '../../core/format/codec/bit-reader';
import { audioInfoFromTag, parseAv1Config, parseVp9Config, videoInfoFromSeqHeader } from '../../core/format/codec/codec-info';
import type { AudioCodecInfo, VideoCodecInfo } from '../../core/format/codec/codec-types';
import { FLV_VIDEO, FlvDemuxer } from '../../core/format/flv/flv';
import { parseHevcDecoderConfig, parseHevcSps } from '../../core/format/codec/hevc';
import { parseAudioTag, parseVideoTag } from '../../core/format/flv/video-tag';
import { allowFormatError, mutate, rssMb } from '../helpers/format-fuzz';
import { findBox, makeTestFlv, mediaDir, type MediaDir } from '../helpers/format-media';
import { fuzzCases, pick, prng, randInt, randomBuffer } from '../helpers/prng';

const CASES = fuzzCases(2000);
/** generous per-test budget that scales with the case count (the dedicated run uses 100000) */
const TIMEOUT = Math.max(60_000, CASES * 3);

interface Target {
  name: string;
  seed: Buffer;
  /** byte offsets of length / count fields worth blowing up */
  sizeOffsets: number[];
  run(input: Buffer): unknown;
}

function checkVideo(v: VideoCodecInfo): void {
  for (const n of [v.width, v.height, v.level]) expect(Number.isFinite(n) && n >= 0).toBe(true);
}
function checkAudio(a: AudioCodecInfo): void {
  expect(Number.isFinite(a.samplerate) && a.samplerate >= 0 && Number.isInteger(a.channels) && a.channels >= 0).toBe(true);
}
/** Parameter sets must be views inside the record. */
function checkInside(rec: Buffer, nals: Buffer[]): void {
  for (const n of nals) {
    expect(n.buffer).toBe(rec.buffer);
    expect(n.byteOffset >= rec.byteOffset && n.byteOffset + n.length <= rec.byteOffset + rec.length).toBe(true);
  }
}

const cc = (s: string): Buffer => Buffer.from(s, 'latin1');

describe(`codec configuration fuzz (${CASES} cases per target)`, () => {
  let m: MediaDir;
  const targets: Target[] = [];
  beforeAll(() => {
    m = mediaDir();
    const seqTag = new FlvDemuxer().push(makeTestFlv(m)).find((t) => t.type === FLV_VIDEO);
    if (!seqTag) throw new Error('no video tag');
    const avcC = seqTag.body.subarray(5);
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30', '-frames:v', '1'];
    const hvcC = findBox(m.make([...src, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'mp4'], 'h.mp4'), 'hvcC');
    const small = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '1'];
    const av1C = findBox(m.make([...small, '-c:v', 'libaom-av1', '-strict', 'experimental', '-cpu-used', '8', '-f', 'mp4'], 'a.mp4'), 'av1C');
    const vpcC = findBox(m.make([...small, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-f', 'mp4'], 'v.mp4'), 'vpcC');
    const avc = parseAvcDecoderConfig(avcC);
    const hevc = parseHevcDecoderConfig(hvcC);
    const hvcOffsets = [21, 22, 23, 24, 25, 26, 27];
    const exTag = (b0: number, fourcc: string, payload: Buffer): Buffer => Buffer.concat([Buffer.from([b0]), cc(fourcc), payload]);

    targets.push(
      { name: 'avcC', seed: avcC, sizeOffsets: [4, 5, 6, 7], run: (b) => {
        const r = parseAvcDecoderConfig(b);
        checkVideo(r);
        checkInside(b, [...r.sps, ...r.pps]);
      } },
      { name: 'hvcC', seed: hvcC, sizeOffsets: hvcOffsets, run: (b) => {
        const r = parseHevcDecoderConfig(b);
        checkVideo(r);
        checkInside(b, [...r.vps, ...r.sps, ...r.pps]);
      } },
      { name: 'h264 sps', seed: avc.sps[0], sizeOffsets: [], run: (b) => checkVideo({ ...parseH264Sps(b), codec: 'H264', profile: '', level: 0 }) },
      { name: 'hevc sps', seed: hevc.sps[0], sizeOffsets: [], run: (b) => {
        const s = parseHevcSps(b);
        expect(s.width > 0 && s.height > 0).toBe(true);
      } },
      { name: 'av1C', seed: av1C, sizeOffsets: [5, 6], run: (b) => checkVideo(parseAv1Config(b)) },
      { name: 'vpcC', seed: vpcC, sizeOffsets: [10], run: (b) => checkVideo(parseVp9Config(b)) },
      { name: 'aac asc', seed: Buffer.from('131056e5988000', 'hex'), sizeOffsets: [], run: (b) => checkAudio(parseAacConfig(b)) },
      { name: 'aac he', seed: Buffer.from('eb098800', 'hex'), sizeOffsets: [], run: (b) => checkAudio(parseAacConfig(b)) },
      ...[
        seqTag.body,
        Buffer.concat([Buffer.from([0x1c, 0, 0, 0, 0]), hvcC]),
        exTag(0x90 | 0x10, 'hvc1', hvcC),
        exTag(0x90 | 0x10, 'av01', av1C),
        exTag(0x90 | 0x10, 'vp09', vpcC),
        // ModEx (2 data bytes) then CodedFrames
        Buffer.concat([Buffer.from([0x97, 1, 0xaa, 0xbb, 0x01]), cc('hvc1'), Buffer.from([0, 0, 5, 0, 0, 0, 1, 0x26])]),
        // Multitrack ManyTracksManyCodecs SequenceStart: FourCC, track id, UI24 size per track
        Buffer.concat([Buffer.from([0x96, 0x20]), cc('avc1'), Buffer.from([0, 0, avcC.length >> 8, avcC.length & 0xff]), avcC]),
        // ModEx, then Multitrack ManyTracks SequenceStart
        Buffer.concat([Buffer.from([0x97, 2, 1, 2, 3, 0x06, 0x10]), cc('av01'), Buffer.from([7, 0, 0, av1C.length]), av1C]),
      ].map((seed, i): Target => ({
        name: `video tag ${i}`, seed, sizeOffsets: [1, 2, 5, 6, 7, 8, 9], run: (b) => {
          const t = parseVideoTag(b);
          expect(t.dataOffset <= t.dataEnd && t.dataEnd <= b.length).toBe(true);
          if (t.seqHeader) checkVideo(videoInfoFromSeqHeader(t, b));
        },
      })),
      ...[
        Buffer.from('af0011900000', 'hex'),
        Buffer.from('af01210a', 'hex'),
        Buffer.concat([Buffer.from([0x90]), cc('Opus'), cc('OpusHead'), Buffer.from('0102380180bb000000000000', 'hex')]),
        Buffer.concat([Buffer.from([0x95, 0x20]), cc('mp4a'), Buffer.from([1, 0, 0, 2, 0x12, 0x10, 2, 0, 0, 1, 9])]),
        Buffer.concat([Buffer.from([0x97, 1, 9, 9, 0x00]), cc('mp4a'), Buffer.from('2b118800', 'hex')]),
      ].map((seed, i): Target => ({
        name: `audio tag ${i}`, seed, sizeOffsets: [1, 2, 6, 7], run: (b) => {
          const t = parseAudioTag(b);
          expect(t.dataOffset <= t.dataEnd && t.dataEnd <= b.length).toBe(true);
          checkAudio(audioInfoFromTag(t, b));
        },
      })),
    );
  });
  afterAll(() => m.cleanup());

  it('every target parses its own seed', () => {
    for (const t of targets) expect(allowFormatError(t.name, t.seed, () => t.run(t.seed))).not.toBeInstanceOf(OnAirError);
  });

  it('mutated records: the only outcomes are results or OnAirError', () => {
    const rss0 = rssMb();
    const rand = prng(0xc0dec);
    const errors = new Map<string, number>();
    for (const t of targets) {
      for (let c = 0; c < CASES; c++) {
        const input = mutate(t.seed, rand, t.sizeOffsets);
        const r = allowFormatError(`${t.name} case ${c}`, input, () => t.run(input));
        if (r instanceof OnAirError) errors.set(t.name, (errors.get(t.name) ?? 0) + 1);
      }
    }
    // the mutations do reach the error paths, and not every mutation is fatal
    for (const t of targets) {
      const n = errors.get(t.name) ?? 0;
      expect(n, t.name).toBeGreaterThan(0);
      expect(n, t.name).toBeLessThan(CASES);
    }
    expect(rssMb() - rss0).toBeLessThan(200);
  }, TIMEOUT);

  it('random bytes through the bit reader and the emulation-prevention remover', () => {
    const rand = prng(0xb17);
    for (let c = 0; c < CASES; c++) {
      const buf = randomBuffer(rand, randInt(rand, 0, 64));
      if (rand() < 0.5) for (let i = 0; i + 2 < buf.length; i += randInt(rand, 1, 6)) buf.fill(0, i, i + 2);
      const clean = removeEmulationPrevention(buf);
      expect(clean.length).toBeLessThanOrEqual(buf.length);
      const r = new BitReader(clean);
      allowFormatError(`bitreader case ${c}`, buf, () => {
        for (let k = 0; k < 64; k++) {
          const before = r.bitsLeft;
          const op = pick(rand, ['bits', 'ue', 'se', 'skip', 'bit'] as const);
          let v = 0;
          if (op === 'bits') v = r.readBits(randInt(rand, 0, 32));
          else if (op === 'ue') v = r.readUE();
          else if (op === 'se') v = Math.abs(r.readSE());
          else if (op === 'skip') r.skipBits(randInt(rand, 0, 40));
          else v = r.readBit();
          if (!Number.isInteger(v) || v < 0 || v > 2 ** 32 || r.bitsLeft > before || r.bitsLeft < 0) {
            throw new Error(`bit reader invariant broken: ${op} gave ${v}, bitsLeft ${before} -> ${r.bitsLeft}`);
          }
        }
      });
    }
  }, TIMEOUT);
});

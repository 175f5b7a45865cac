import { describe, expect, it } from 'vitest';
import { MULTITRACK, VIDEO_PACKET, parseVideoTag } from '../../../core/format/flv/video-tag';
import { expectFormat } from '../../helpers/expect-error';

const fourcc = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const b = (...parts: Array<number | number[]>): Buffer => Buffer.from(parts.flat());
/** Enhanced RTMP first byte: IsExHeader | FrameType << 4 | PacketType */
const ex = (frameType: number, packetType: number): number => 0x80 | (frameType << 4) | packetType;

describe('parseVideoTag: legacy FLV', () => {
  it('parses AVC sequence header, NALUs with a negative SI24 cts, and end of sequence', () => {
    const seq = parseVideoTag(b(0x17, 0, 0, 0, 0, 1, 0x64));
    expect(seq).toMatchObject({ codec: 'H264', frameType: 1, seqHeader: true, seqEnd: false, keyframe: false, cts: 0, dataOffset: 5, packetType: 0, enhanced: false });
    const key = parseVideoTag(b(0x17, 1, 0, 0, 0x42, 0, 0, 0, 1, 0x65));
    expect(key).toMatchObject({ codec: 'H264', keyframe: true, seqHeader: false, cts: 0x42, dataOffset: 5, packetType: 1 });
    const inter = parseVideoTag(b(0x27, 1, 0xff, 0xff, 0xdf, 0, 0, 0, 1, 0x41));
    expect(inter).toMatchObject({ frameType: 2, keyframe: false, cts: -33 });
    expect(parseVideoTag(b(0x17, 1, 0x7f, 0xff, 0xff)).cts).toBe(0x7fffff);
    expect(parseVideoTag(b(0x17, 1, 0x80, 0, 0)).cts).toBe(-0x800000);
    expect(parseVideoTag(b(0x17, 2, 0, 0, 0))).toMatchObject({ seqEnd: true, seqHeader: false, keyframe: false });
  });

  it('parses legacy HEVC (codec id 12) with the AVC layout', () => {
    expect(parseVideoTag(b(0x1c, 0, 0, 0, 0, 1))).toMatchObject({ codec: 'HEVC', seqHeader: true, dataOffset: 5 });
    expect(parseVideoTag(b(0x2c, 1, 0, 0, 0x21, 0))).toMatchObject({ codec: 'HEVC', keyframe: false, cts: 0x21 });
  });

  it('parses the older codecs and their payload offsets', () => {
    expect(parseVideoTag(b(0x12, 0xaa))).toMatchObject({ codec: 'SORENSON', keyframe: true, dataOffset: 1, packetType: -1 });
    expect(parseVideoTag(b(0x23, 0xaa))).toMatchObject({ codec: 'SCREEN', keyframe: false, dataOffset: 1 });
    expect(parseVideoTag(b(0x16, 0xaa))).toMatchObject({ codec: 'SCREEN', dataOffset: 1 });
    expect(parseVideoTag(b(0x14, 0x00, 0xaa))).toMatchObject({ codec: 'VP6', dataOffset: 2 });
    expect(parseVideoTag(b(0x15, 0x00, 0, 0, 4, 0xaa))).toMatchObject({ codec: 'VP6', dataOffset: 5 });
    expect(parseVideoTag(b(0x31, 0xaa))).toMatchObject({ codec: 'UNKNOWN', frameType: 3 });
    expect(parseVideoTag(b(0x57, 0x00))).toMatchObject({ codec: 'H264', frameType: 5, keyframe: false, dataOffset: 1 });
  });

  it('treats a generated keyframe (frame type 4) as a keyframe', () => {
    expect(parseVideoTag(b(0x47, 1, 0, 0, 0)).keyframe).toBe(true);
  });

  it('throws FORMAT on truncated bodies and unknown AVCPacketType', () => {
    expectFormat(() => parseVideoTag(Buffer.alloc(0)));
    expectFormat(() => parseVideoTag(b(0x17, 1, 0, 0)));
    expectFormat(() => parseVideoTag(b(0x1c, 0)));
    expectFormat(() => parseVideoTag(b(0x14)));
    expectFormat(() => parseVideoTag(b(0x15, 0, 0, 0)));
    expectFormat(() => parseVideoTag(b(0x17, 3, 0, 0, 0)));
  });
});

describe('parseVideoTag: Enhanced RTMP', () => {
  it('parses SequenceStart for every FourCC', () => {
    for (const [cc, codec] of [['hvc1', 'HEVC'], ['av01', 'AV1'], ['vp09', 'VP9'], ['avc1', 'H264']] as const) {
      const t = parseVideoTag(b(ex(1, VIDEO_PACKET.SequenceStart), fourcc(cc), 0x01, 0x02));
      expect(t).toMatchObject({ codec, fourcc: cc, frameType: 1, seqHeader: true, seqEnd: false, keyframe: false, cts: 0, dataOffset: 5, enhanced: true, packetType: 0 });
    }
  });

  it('reads the SI24 cts in CodedFrames only for hvc1/avc1', () => {
    expect(parseVideoTag(b(ex(1, 1), fourcc('hvc1'), 0xff, 0xff, 0xfe, 0, 0, 0, 9))).toMatchObject({ codec: 'HEVC', keyframe: true, cts: -2, dataOffset: 8 });
    expect(parseVideoTag(b(ex(2, 1), fourcc('avc1'), 0, 0, 40, 0))).toMatchObject({ codec: 'H264', keyframe: false, cts: 40, dataOffset: 8 });
    expect(parseVideoTag(b(ex(1, 1), fourcc('av01'), 0x12, 0))).toMatchObject({ codec: 'AV1', keyframe: true, cts: 0, dataOffset: 5 });
    expect(parseVideoTag(b(ex(2, 1), fourcc('vp09'), 0x82))).toMatchObject({ codec: 'VP9', keyframe: false, cts: 0, dataOffset: 5 });
    expectFormat(() => parseVideoTag(b(ex(1, 1), fourcc('hvc1'), 0, 0)));
  });

  it('parses CodedFramesX (no cts), SequenceEnd, Metadata and MPEG2TSSequenceStart', () => {
    expect(parseVideoTag(b(ex(1, 3), fourcc('hvc1'), 0, 0, 0, 5))).toMatchObject({ codec: 'HEVC', keyframe: true, cts: 0, dataOffset: 5, packetType: 3 });
    expect(parseVideoTag(b(ex(1, 2), fourcc('av01')))).toMatchObject({ seqEnd: true, seqHeader: false, keyframe: false, dataOffset: 5 });
    expect(parseVideoTag(b(ex(0, 4), fourcc('hvc1'), 0x02, 0x00, 0x09))).toMatchObject({ packetType: VIDEO_PACKET.Metadata, keyframe: false, seqHeader: false, dataOffset: 5 });
    // Metadata with frame type 5 is still metadata, not a command
    expect(parseVideoTag(b(ex(5, 4), fourcc('hvc1'), 0x02))).toMatchObject({ packetType: 4, fourcc: 'hvc1' });
    expect(parseVideoTag(b(ex(1, 5), fourcc('av01'), 0x80))).toMatchObject({ codec: 'AV1', packetType: 5, seqHeader: false, dataOffset: 5 });
  });

  it('passes an unknown FourCC through as UNKNOWN', () => {
    expect(parseVideoTag(b(ex(1, 1), fourcc('vvc1'), 0, 0, 1, 7))).toMatchObject({ codec: 'UNKNOWN', fourcc: 'vvc1', cts: 1, dataOffset: 8 });
    expect(parseVideoTag(b(ex(1, 0), fourcc('xyz9'), 7))).toMatchObject({ codec: 'UNKNOWN', fourcc: 'xyz9', seqHeader: true, dataOffset: 5 });
  });

  it('parses a video command frame (no FourCC)', () => {
    expect(parseVideoTag(b(ex(5, 1), 0x01))).toMatchObject({ frameType: 5, codec: 'UNKNOWN', dataOffset: 1, packetType: -1, keyframe: false });
  });

  it('skips ModEx blocks (1-byte and 2-byte sizes)', () => {
    // ModEx: size-1 = 2 (3 bytes of data), then [modExType 0 | packetType CodedFrames]
    const t = parseVideoTag(b(ex(1, VIDEO_PACKET.ModEx), 2, 0xa, 0xb, 0xc, 0x01, fourcc('hvc1'), 0, 0, 3, 0xee));
    expect(t).toMatchObject({ codec: 'HEVC', packetType: 1, cts: 3, keyframe: true, dataOffset: 13 });
    const big = Buffer.alloc(300, 0x55);
    const t2 = parseVideoTag(b(ex(1, 7), 255, 0x01, 0x2b, [...big], 0x00, fourcc('av01'), 0x0a));
    expect(t2).toMatchObject({ codec: 'AV1', seqHeader: true, dataOffset: 1 + 1 + 2 + 300 + 1 + 4 });
    expectFormat(() => parseVideoTag(b(ex(1, 7), 5, 1, 2)));
  });

  it('parses multitrack tags (first track) with track id and payload bounds', () => {
    const one = parseVideoTag(b(ex(1, VIDEO_PACKET.Multitrack), (MULTITRACK.OneTrack << 4) | 1, fourcc('hvc1'), 2, 0, 0, 5, 0xee));
    expect(one).toMatchObject({ codec: 'HEVC', trackId: 2, cts: 5, dataOffset: 10, dataEnd: 11, keyframe: true });
    const many = parseVideoTag(b(ex(1, 6), (MULTITRACK.ManyTracks << 4) | 0, fourcc('av01'), 0, 0, 0, 3, 0xa, 0xb, 0xc, 1, 0, 0, 1, 0xd));
    expect(many).toMatchObject({ codec: 'AV1', seqHeader: true, trackId: 0, dataOffset: 10, dataEnd: 13 });
    const mixed = parseVideoTag(b(ex(2, 6), (MULTITRACK.ManyTracksManyCodecs << 4) | 3, fourcc('vp09'), 4, 0, 0, 2, 0xa, 0xb));
    expect(mixed).toMatchObject({ codec: 'VP9', trackId: 4, packetType: 3, dataOffset: 10, dataEnd: 12 });
    expectFormat(() => parseVideoTag(b(ex(1, 6), (1 << 4) | 0, fourcc('av01'), 0, 0, 0, 9, 1)));
    expectFormat(() => parseVideoTag(b(ex(1, 6), (3 << 4) | 0, fourcc('av01'), 0)));
    expectFormat(() => parseVideoTag(b(ex(1, 6), (0 << 4) | 6, fourcc('av01'), 0)));
  });

  it('throws FORMAT on truncated ex headers', () => {
    expectFormat(() => parseVideoTag(b(ex(1, 0), fourcc('hv'))));
    expectFormat(() => parseVideoTag(b(ex(5, 1))));
    expectFormat(() => parseVideoTag(b(ex(1, 6))));
  });
});

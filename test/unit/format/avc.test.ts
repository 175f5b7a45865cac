import { describe, expect, it } from 'vitest';
import { parseAvcDecoderConfig, parseH264Sps } from '../../../core/format/codec/avc';
import { FLV_VIDEO, FlvDemuxer } from '../../../core/format/flv/flv';
import { parseVideoTag } from '../../../core/format/flv/video-tag';
import { BitWriter, makeTestFlv, splitAnnexB, useMediaDir } from '../../helpers/format-media';
import { expectFormat } from '../../helpers/expect-error';

describe('H.264 from ffmpeg / libx264', () => {
  const m = useMediaDir();

  function spsOf(size: string, rate: number, extra: string[]): Buffer {
    const stream = m.make(
      ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-frames:v', '1', '-c:v', 'libx264', ...extra, '-f', 'h264'],
      'x.h264',
    );
    const sps = splitAnnexB(stream).find((n) => (n[0] & 0x1f) === 7);
    if (!sps) throw new Error('no SPS in x264 output');
    return sps;
  }

  it('parses the avcC of the FLV sequence header: 1280x720 High 3.1', () => {
    const tags = new FlvDemuxer().push(makeTestFlv(m)).filter((t) => t.type === FLV_VIDEO);
    const seq = tags[0];
    const info = parseVideoTag(seq.body);
    expect(info.seqHeader).toBe(true);
    const cfg = parseAvcDecoderConfig(seq.body.subarray(info.dataOffset));
    expect(cfg).toMatchObject({ codec: 'H264', profile: 'High', level: 3.1, width: 1280, height: 720, codecString: 'avc1.64001f', nalLengthSize: 4 });
    expect(cfg.sps.length).toBe(1);
    expect(cfg.pps.length).toBe(1);
    expect(cfg.sps[0][0] & 0x1f).toBe(7);
    expect(cfg.pps[0][0] & 0x1f).toBe(8);
    expect(parseH264Sps(cfg.sps[0])).toMatchObject({ profileIdc: 100, levelIdc: 31, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true, fps: 30 });
  });

  const variants: Array<[string, string[], Record<string, unknown>]> = [
    ['baseline 1080p (cropped from 1088)', ['-profile:v', 'baseline'], { profileIdc: 66, width: 1920, height: 1080 }],
    ['main, odd-ish size 642x362', ['-profile:v', 'main'], { profileIdc: 77, width: 642, height: 362 }],
    ['high 10', ['-pix_fmt', 'yuv420p10le', '-profile:v', 'high10'], { profileIdc: 110, bitDepthLuma: 10, bitDepthChroma: 10, width: 1920, height: 1080 }],
    ['high 4:2:2', ['-pix_fmt', 'yuv422p', '-profile:v', 'high422'], { profileIdc: 122, chromaFormatIdc: 2, width: 1920, height: 1080 }],
    ['high 4:4:4 with scaling matrices', ['-pix_fmt', 'yuv444p', '-profile:v', 'high444', '-x264-params', 'cqm=jvt'], { profileIdc: 244, chromaFormatIdc: 3, width: 1920, height: 1080 }],
    ['interlaced (frame_mbs_only 0)', ['-flags', '+ildct+ilme', '-x264-params', 'interlaced=1'], { profileIdc: 100, frameMbsOnly: false, width: 1920, height: 1080 }],
  ];
  for (const [name, args, expected] of variants) {
    it(`parses an x264 SPS: ${name}`, () => {
      const size = name.includes('642x362') ? '642x362' : '1920x1080';
      const sps = parseH264Sps(spsOf(size, 25, args));
      expect(sps).toMatchObject({ ...expected, fps: 25 });
    });
  }
});

describe('parseH264Sps on hand-built SPS', () => {
  function sps(build: (w: BitWriter) => void): Buffer {
    const w = new BitWriter().u(8, 0x67);
    build(w);
    return w.trailing().toBuffer();
  }

  it('handles pic_order_cnt_type 1, cropping and the VUI aspect ratio', () => {
    const nal = sps((w) => {
      w.u(8, 77).u(8, 0x40).u(8, 30).ue(0); // Main, level 3.0
      w.ue(0).ue(1).u(1, 0).se(-2).se(3).ue(2).se(1).se(-1); // log2_max_frame_num, poc type 1 with a 2-entry cycle
      w.ue(4).u(1, 0).ue(44).ue(35).u(1, 1).u(1, 1); // 720x576 frames
      w.u(1, 1).ue(4).ue(4).ue(0).ue(8); // crop 8 px left/right (units of 2), 16 px bottom
      w.u(1, 1).u(1, 1).u(8, 255).u(16, 64).u(16, 45).u(1, 0).u(1, 0).u(1, 0).u(1, 1).u(32, 1).u(32, 50); // VUI: SAR 64:45, 25 fps
    });
    expect(parseH264Sps(nal)).toMatchObject({ profileIdc: 77, levelIdc: 30, width: 704, height: 560, sarWidth: 64, sarHeight: 45, fps: 25 });
  });

  it('keeps the picture size when the VUI is truncated', () => {
    const nal = sps((w) => {
      w.u(8, 66).u(8, 0).u(8, 21).ue(0).ue(0).ue(2).ue(1).u(1, 0).ue(19).ue(14).u(1, 1).u(1, 1).u(1, 0);
      w.u(1, 1).u(1, 1).u(8, 14); // VUI: aspect_ratio_idc 14 (4:3)
      w.u(1, 0).u(1, 0).u(1, 0).u(1, 1).u(16, 0); // timing info present, then cut short
    });
    expect(parseH264Sps(nal)).toMatchObject({ width: 320, height: 240, sarWidth: 4, sarHeight: 3, fps: 0 });
  });

  it('emulation prevention bytes are removed before parsing', () => {
    // constraint flags 0 and level_idc 0 give 00 00 in the NAL; an encoder-style 03 after them must be dropped
    const raw = sps((w) => w.u(8, 66).u(8, 0).u(8, 0).ue(0).ue(0).ue(2).ue(0).u(1, 0).ue(0).ue(0).u(1, 1).u(1, 0).u(1, 0).u(1, 0));
    expect([...raw.subarray(0, 4)]).toEqual([0x67, 66, 0, 0]);
    const escaped = Buffer.concat([raw.subarray(0, 3), Buffer.from([0, 3]), raw.subarray(4)]);
    expect(parseH264Sps(escaped)).toMatchObject({ width: 16, height: 16 });
  });

  it('throws FORMAT on non-SPS, truncated and impossible SPS', () => {
    expectFormat(() => parseH264Sps(Buffer.from([0x68, 66, 0, 30, 0xff])));
    expectFormat(() => parseH264Sps(Buffer.from([0x67, 66, 0])));
    expectFormat(() => parseH264Sps(Buffer.from([0x67, 100, 0, 31, 0x80])));
    expectFormat(() => parseH264Sps(sps((w) => w.u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(2).ue(0).u(1, 0).ue(0).ue(0).u(1, 1).u(1, 0).u(1, 1).ue(8).ue(0).ue(0).ue(0)))); // crop = width
    expectFormat(() => parseH264Sps(sps((w) => w.u(8, 100).u(8, 0).u(8, 30).ue(0).ue(4)))); // chroma_format_idc 4
  });
});

describe('parseAvcDecoderConfig', () => {
  const sps = Buffer.from('6742c01e95a0500a1a10', 'hex');
  it('accepts a record without parameter sets and reports the record profile', () => {
    const cfg = parseAvcDecoderConfig(Buffer.from('0142c01effe000', 'hex'));
    expect(cfg).toMatchObject({ profile: 'Baseline', level: 3, width: 0, height: 0, nalLengthSize: 4, codecString: 'avc1.42c01e' });
    expect(parseAvcDecoderConfig(Buffer.from('014d4028fde000', 'hex'))).toMatchObject({ profile: 'Main', nalLengthSize: 2, codecString: 'avc1.4d4028' });
    for (const [idc, name] of [[88, 'Extended'], [100, 'High'], [110, 'High 10'], [122, 'High 4:2:2'], [244, 'High 4:4:4'], [44, '']] as const) {
      expect(parseAvcDecoderConfig(Buffer.from([1, idc, 0, 40, 0xff, 0xe0, 0])).profile).toBe(name);
    }
  });

  it('throws FORMAT on bad version, NAL length size 3 and truncation', () => {
    expectFormat(() => parseAvcDecoderConfig(Buffer.from('0042c01effe000', 'hex')));
    expectFormat(() => parseAvcDecoderConfig(Buffer.from('0142c01efee000', 'hex')));
    expectFormat(() => parseAvcDecoderConfig(Buffer.from('0142c01effe1', 'hex')));
    const rec = Buffer.concat([Buffer.from('0142c01effe1000a', 'hex'), sps, Buffer.from('0100', 'hex')]);
    expectFormat(() => parseAvcDecoderConfig(rec.subarray(0, 12)));
    expectFormat(() => parseAvcDecoderConfig(rec.subarray(0, 18))); // missing numOfPictureParameterSets
    expectFormat(() => parseAvcDecoderConfig(rec)); // one PPS announced, its length cut
  });
});

import { describe, expect, it } from 'vitest';
import { hevcCodecString, hevcLevel, hevcProfileName, parseHevcDecoderConfig, parseHevcSps } from '../../../core/format/codec/hevc';
import { BitWriter, findBox, useMediaDir } from '../../helpers/format-media';
import { expectFormat } from '../../helpers/expect-error';

describe('HEVC from libx265 (hvcC of an MP4)', () => {
  const m = useMediaDir();

  function hvcC(size: string, extra: string[]): Buffer {
    const mp4 = m.make(
      ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-frames:v', '2', '-c:v', 'libx265', '-preset', 'ultrafast', ...extra, '-f', 'mp4'],
      'h.mp4',
    );
    return findBox(mp4, 'hvcC');
  }
  const quiet = ['-x265-params', 'log-level=error'];

  it('Main 1920x1080 (conformance window crops 1088 to 1080)', () => {
    const cfg = parseHevcDecoderConfig(hvcC('1920x1080', quiet));
    expect(cfg).toMatchObject({ codec: 'HEVC', profile: 'Main', level: 4, width: 1920, height: 1080, nalLengthSize: 4, codecString: 'hvc1.1.6.L120.90' });
    expect([cfg.vps.length, cfg.sps.length, cfg.pps.length]).toEqual([1, 1, 1]);
    expect((cfg.vps[0][0] >> 1) & 0x3f).toBe(32);
    expect((cfg.pps[0][0] >> 1) & 0x3f).toBe(34);
    expect(parseHevcSps(cfg.sps[0])).toMatchObject({ profileIdc: 1, levelIdc: 120, chromaFormatIdc: 1, bitDepthLuma: 8 });
  });

  it('Main 10 1280x720', () => {
    const cfg = parseHevcDecoderConfig(hvcC('1280x720', ['-pix_fmt', 'yuv420p10le', ...quiet]));
    expect(cfg).toMatchObject({ profile: 'Main 10', level: 3.1, width: 1280, height: 720, codecString: 'hvc1.2.4.L93.90' });
    expect(parseHevcSps(cfg.sps[0])).toMatchObject({ bitDepthLuma: 10, bitDepthChroma: 10 });
  });

  it('Rext 4:4:4 with an odd size', () => {
    const cfg = parseHevcDecoderConfig(hvcC('642x362', ['-pix_fmt', 'yuv444p', ...quiet]));
    expect(cfg).toMatchObject({ profile: 'Rext', width: 642, height: 362 });
    expect(cfg.codecString).toMatch(/^hvc1\.4\.10\.L\d+\.9E\.8$/);
    expect(parseHevcSps(cfg.sps[0]).chromaFormatIdc).toBe(3);
  });

  it('an SPS with temporal sub-layers', () => {
    const cfg = parseHevcDecoderConfig(hvcC('1280x720', ['-x265-params', 'log-level=error:temporal-layers=1']));
    expect((cfg.sps[0][2] >> 1) & 7).toBeGreaterThan(0); // sps_max_sub_layers_minus1
    expect(cfg).toMatchObject({ width: 1280, height: 720, profile: 'Main' });
  });
});

/** A hand-built HEVC SPS NAL (2-byte header) with `subLayers` sub-layers, both present flags set on the first. */
function buildSps(o: { width: number; height: number; crop?: [number, number, number, number]; chroma?: number; subLayers?: number }): Buffer {
  const sub = o.subLayers ?? 0;
  const w = new BitWriter().u(16, 0x4201);
  w.u(4, 0).u(3, sub).u(1, 1);
  w.u(2, 0).u(1, 0).u(5, 1).u(32, 0x60000000).u(48, 0xb00000000000).u(8, 93); // profile_tier_level general part
  for (let i = 0; i < sub; i++) w.u(1, i === 0 ? 1 : 0).u(1, i === 0 ? 1 : 0);
  if (sub > 0) for (let i = sub; i < 8; i++) w.u(2, 0);
  if (sub > 0) w.u(32, 0).u(32, 0).u(24, 0).u(8, 90); // first sub-layer: 88 profile bits + level
  w.ue(0).ue(o.chroma ?? 1);
  if (o.chroma === 3) w.u(1, 0);
  w.ue(o.width).ue(o.height);
  if (o.crop) w.u(1, 1).ue(o.crop[0]).ue(o.crop[1]).ue(o.crop[2]).ue(o.crop[3]);
  else w.u(1, 0);
  w.ue(0).ue(0).ue(4); // bit depths 8, log2_max_pic_order_cnt_lsb_minus4 (not parsed)
  return w.trailing().toBuffer();
}

function buildHvcC(nals: Array<[number, Buffer[]]>, lengthSizeMinusOne = 3): Buffer {
  const head = Buffer.from('01' + '01' + '60000000' + 'b00000000000' + '5d' + 'f000' + 'fc' + 'fd' + 'f8' + 'f8' + '0000' + '0f', 'hex');
  head[21] = 0x0c | lengthSizeMinusOne;
  const parts: Buffer[] = [head, Buffer.from([nals.length])];
  for (const [type, list] of nals) {
    const h = Buffer.alloc(3);
    h[0] = 0x80 | type;
    h.writeUInt16BE(list.length, 1);
    parts.push(h);
    for (const n of list) {
      const l = Buffer.alloc(2);
      l.writeUInt16BE(n.length);
      parts.push(l, n);
    }
  }
  return Buffer.concat(parts);
}

describe('parseHevcDecoderConfig on hand-built records', () => {
  it('reads a 1920x1080 record with the reference codec string', () => {
    const sps = buildSps({ width: 1920, height: 1088, crop: [0, 0, 0, 4] });
    const rec = buildHvcC([[32, [Buffer.from('40010c01', 'hex')]], [33, [sps]], [34, [Buffer.from('4401c1', 'hex')]], [39, [Buffer.from('4e01', 'hex')]]]);
    const cfg = parseHevcDecoderConfig(rec);
    expect(cfg).toMatchObject({ profile: 'Main', level: 3.1, width: 1920, height: 1080, codecString: 'hvc1.1.6.L93.B0', nalLengthSize: 4 });
    expect(cfg.vps.length + cfg.sps.length + cfg.pps.length).toBe(3); // SEI array ignored
  });

  it('handles sub-layers, 4:4:4 cropping and 2-byte NAL lengths', () => {
    const sps = buildSps({ width: 1000, height: 500, crop: [1, 1, 2, 2], chroma: 3, subLayers: 2 });
    expect(parseHevcSps(sps)).toMatchObject({ width: 998, height: 496, chromaFormatIdc: 3 });
    expect(parseHevcDecoderConfig(buildHvcC([[33, [sps]]], 1))).toMatchObject({ nalLengthSize: 2, width: 998 });
  });

  it('derives names, levels and codec strings', () => {
    expect(hevcProfileName(0, 0x40000000)).toBe('Main');
    expect(hevcProfileName(0, 0x20000000)).toBe('Main 10');
    expect(hevcProfileName(3)).toBe('Main Still Picture');
    expect(hevcProfileName(9)).toBe('');
    expect([hevcLevel(30), hevcLevel(93), hevcLevel(120), hevcLevel(123), hevcLevel(153), hevcLevel(186)]).toEqual([1, 3.1, 4, 4.1, 5.1, 6.2]);
    expect(hevcCodecString(0, 2, 0x20000000, 1, 150, [0xb0, 0, 0, 0, 0, 0])).toBe('hvc1.2.4.H150.B0');
    expect(hevcCodecString(1, 1, 0x60000000, 0, 93, [0, 0, 0, 0, 0, 0])).toBe('hvc1.A1.6.L93');
    expect(hevcCodecString(0, 1, 0x60000000, 0, 93, [0x90, 0, 0x20, 0, 0, 0])).toBe('hvc1.1.6.L93.90.0.20');
  });

  it('throws FORMAT on malformed records and SPS', () => {
    const sps = buildSps({ width: 64, height: 64 });
    const good = buildHvcC([[33, [sps]]]);
    expect(parseHevcDecoderConfig(good).width).toBe(64);
    expectFormat(() => parseHevcDecoderConfig(good.subarray(0, 22)));
    expectFormat(() => parseHevcDecoderConfig(good.subarray(0, 25)));
    expectFormat(() => parseHevcDecoderConfig(good.subarray(0, good.length - 1)));
    const v0 = Buffer.from(good);
    v0[0] = 0;
    expectFormat(() => parseHevcDecoderConfig(v0));
    expectFormat(() => parseHevcDecoderConfig(buildHvcC([[33, [sps]]], 2)));
    expectFormat(() => parseHevcSps(Buffer.from('4001', 'hex')));
    expectFormat(() => parseHevcSps(Buffer.concat([Buffer.from('4001', 'hex'), sps.subarray(2)]))); // VPS type
    expectFormat(() => parseHevcSps(sps.subarray(0, 10)));
    expectFormat(() => parseHevcSps(buildSps({ width: 64, height: 64, crop: [16, 16, 0, 0] })));
    expectFormat(() => parseHevcSps(buildSps({ width: 0, height: 64 })));
    expectFormat(() => parseHevcSps(buildSps({ width: 64, height: 64, chroma: 5 })));
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../../core/errors';
import { AAC_SAMPLE_RATES, aacSamplingIndex, adtsHeader, parseAacConfig } from '../../../core/format/codec/aac';
import { FLV_AUDIO, FlvDemuxer } from '../../../core/format/flv/flv';
import { parseAudioTag } from '../../../core/format/flv/video-tag';
import { BitWriter, makeTestFlv, useMediaDir } from '../../helpers/format-media';
import { expectFormat } from '../../helpers/expect-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('parseAacConfig', () => {
  it('parses AAC-LC configs', () => {
    expect(parseAacConfig(hex('1210'))).toMatchObject({
      codec: 'AAC', profile: 'LC', objectType: 2, samplerate: 44100, channels: 2, codecString: 'mp4a.40.2',
      samplingIndex: 4, channelConfig: 2, sbr: false, ps: false,
    });
    expect(parseAacConfig(hex('1190'))).toMatchObject({ profile: 'LC', samplerate: 48000, channels: 2, samplingIndex: 3 });
    expect(parseAacConfig(hex('1188'))).toMatchObject({ samplerate: 48000, channels: 1 });
    expect(parseAacConfig(hex('13 90 56 e5 00'))).toMatchObject({ samplerate: 22050, channels: 2, sbr: false }); // 0x2b7 then AOT 5 but sbr flag 0
  });

  it('names Main, SSR and LTP and maps channel configuration 7 to 8 channels', () => {
    expect(parseAacConfig(hex('0a10'))).toMatchObject({ profile: 'Main', objectType: 1, samplerate: 44100 });
    expect(parseAacConfig(hex('1a10'))).toMatchObject({ profile: 'SSR', objectType: 3 });
    expect(parseAacConfig(hex('2210'))).toMatchObject({ profile: 'LTP', objectType: 4 });
    expect(parseAacConfig(hex('11b8'))).toMatchObject({ channelConfig: 7, channels: 8 });
  });

  it('parses explicit hierarchical HE-AAC (SBR) and HE-AACv2 (PS)', () => {
    expect(parseAacConfig(hex('2b118800'))).toMatchObject({
      profile: 'HE', objectType: 5, coreObjectType: 2, samplerate: 48000, coreSamplerate: 24000, samplingIndex: 6,
      channels: 2, codecString: 'mp4a.40.5', sbr: true, ps: false,
    });
    expect(parseAacConfig(hex('eb098800'))).toMatchObject({
      profile: 'HEv2', objectType: 29, coreObjectType: 2, samplerate: 48000, channelConfig: 1, channels: 2,
      codecString: 'mp4a.40.29', sbr: true, ps: true,
    });
  });

  it('parses backward-compatible SBR / PS sync extensions', () => {
    expect(parseAacConfig(hex('131056e598'))).toMatchObject({ profile: 'HE', objectType: 5, coreObjectType: 2, samplerate: 48000, coreSamplerate: 24000, channels: 2 });
    const w = new BitWriter().u(5, 2).u(4, 6).u(4, 1).u(3, 0).u(11, 0x2b7).u(5, 5).u(1, 1).u(4, 3).u(11, 0x548).u(1, 1);
    expect(parseAacConfig(w.u(3, 0).toBuffer())).toMatchObject({ profile: 'HEv2', objectType: 29, channels: 2, samplerate: 48000 });
  });

  it('handles the escape object type and an explicit 24-bit frequency', () => {
    const explicit = new BitWriter().u(5, 2).u(4, 15).u(24, 44000).u(4, 2).u(3, 0).toBuffer();
    expect(parseAacConfig(explicit)).toMatchObject({ profile: 'LC', samplerate: 44000, channels: 2, samplingIndex: aacSamplingIndex(44000) });
    const esc = new BitWriter().u(5, 31).u(6, 10).u(4, 3).u(4, 2).u(8, 0).toBuffer(); // AOT 42 (USAC)
    expect(parseAacConfig(esc)).toMatchObject({ objectType: 42, profile: '', samplerate: 48000, codecString: 'mp4a.40.42' });
  });

  it('throws FORMAT on short, reserved or zero configs', () => {
    expectFormat(() => parseAacConfig(hex('12')));
    expectFormat(() => parseAacConfig(hex('0010'))); // AOT 0
    expectFormat(() => parseAacConfig(hex('1690'))); // frequency index 13
    expectFormat(() => parseAacConfig(hex('2b11'))); // HE missing the extension rate / core type
    expectFormat(() => parseAacConfig(new BitWriter().u(5, 31).u(3, 0).toBuffer()));
  });
});

describe('aacSamplingIndex / adtsHeader', () => {
  it('maps every standard rate to its index and other rates to the nearest', () => {
    AAC_SAMPLE_RATES.forEach((rate, i) => expect(aacSamplingIndex(rate)).toBe(i));
    expect(aacSamplingIndex(44000)).toBe(4);
    expect(aacSamplingIndex(192000)).toBe(0);
    expect(aacSamplingIndex(1000)).toBe(12);
  });

  it('writes a 7-byte ADTS header', () => {
    expect(adtsHeader({ objectType: 2, samplingIndex: 4, channels: 2 }, 100).toString('hex')).toBe('fff150800d7ffc');
    // HE-AAC is written as LC at the core rate; an AacConfig's channelConfig wins over channels
    const he = parseAacConfig(hex('eb098800'));
    expect(adtsHeader(he, 0).toString('hex')).toBe(adtsHeader({ objectType: 2, samplingIndex: 6, channels: 1 }, 0).toString('hex'));
    expect(() => adtsHeader({ objectType: 42, samplingIndex: 3, channels: 2 }, 10)).toThrow(OnAirError);
    expect(() => adtsHeader({ objectType: 2, samplingIndex: 3, channels: 2 }, 8192)).toThrow(OnAirError);
  });
});

describe('AAC from an ffmpeg FLV', () => {
  const m = useMediaDir();
  let flv: Buffer;
  let adts: Buffer;
  beforeAll(() => {
    flv = makeTestFlv(m);
    adts = m.make(['-i', `${m.dir}/test.flv`, '-vn', '-c:a', 'copy', '-f', 'adts'], 'test.aac');
  });

  it('parses the sequence header and rebuilds ffmpeg\'s ADTS stream byte for byte', () => {
    const tags = new FlvDemuxer().push(flv).filter((t) => t.type === FLV_AUDIO);
    const seq = tags.find((t) => parseAudioTag(t.body).seqHeader);
    expect(seq).toBeDefined();
    const seqInfo = parseAudioTag(seq!.body);
    const cfg = parseAacConfig(seq!.body.subarray(seqInfo.dataOffset));
    expect(cfg).toMatchObject({ profile: 'LC', samplerate: 48000, channels: 2, codecString: 'mp4a.40.2' });
    const frames: Buffer[] = [];
    for (const t of tags) {
      const info = parseAudioTag(t.body);
      if (info.seqHeader) continue;
      const raw = t.body.subarray(info.dataOffset);
      frames.push(adtsHeader(cfg, raw.length), raw);
    }
    expect(Buffer.concat(frames).equals(adts)).toBe(true);
  });
});

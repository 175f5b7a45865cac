import { beforeAll, describe, expect, it } from 'vitest';
import { audioInfoFromTag, parseAv1Config, parseAv1SequenceHeader, parseVp9Config, videoInfoFromSeqHeader } from '../../../core/format/codec/codec-info';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, FlvDemuxer, type FlvTag } from '../../../core/format/flv/flv';
import { parseAudioTag, parseVideoTag } from '../../../core/format/flv/video-tag';
import { findBox, makeTestFlv, useMediaDir } from '../../helpers/format-media';
import { prng, randomSlices } from '../../helpers/prng';
import { expectFormat } from '../../helpers/expect-error';

const cc = (s: string): Buffer => Buffer.from(s, 'latin1');
const exVideo = (frameType: number, packetType: number, fourcc: string, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), cc(fourcc), payload]);

describe('codec info from real encoder output', () => {
  const m = useMediaDir();
  let flv: Buffer;
  let av1C: Buffer;
  let vpcC: Buffer;
  let hvcC: Buffer;
  beforeAll(() => {
    flv = makeTestFlv(m);
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-frames:v', '2'];
    av1C = findBox(m.make([...src, '-c:v', 'libaom-av1', '-strict', 'experimental', '-cpu-used', '8', '-b:v', '200k', '-f', 'mp4'], 'av1.mp4'), 'av1C');
    vpcC = findBox(m.make([...src, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-f', 'mp4'], 'vp9.mp4'), 'vpcC');
    hvcC = findBox(m.make([...src, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'mp4'], 'hevc.mp4'), 'hvcC');
  });

  it('demuxes the ffmpeg FLV in random slices and describes every tag: 1280x720 High 3.1, AAC 48000/2', () => {
    const d = new FlvDemuxer();
    const tags: FlvTag[] = [];
    for (const piece of randomSlices(prng(7), flv, 4000)) tags.push(...d.push(piece));
    expect(d.header).toEqual({ hasAudio: true, hasVideo: true });
    expect(tags[0].type).toBe(FLV_SCRIPT);
    let video = null;
    let audio = null;
    let keyframes = 0;
    let frames = 0;
    let seqEnds = 0;
    let audioFrames = 0;
    for (const t of tags) {
      if (t.type === FLV_VIDEO) {
        const info = parseVideoTag(t.body);
        expect(info.codec).toBe('H264');
        expect(info.cts).toBeGreaterThanOrEqual(0);
        if (info.seqHeader) video = videoInfoFromSeqHeader(info, t.body);
        else if (info.seqEnd) seqEnds++;
        else {
          frames++;
          if (info.keyframe) keyframes++;
          // the payload is length-prefixed NALUs that tile the rest of the body exactly
          let p = info.dataOffset;
          while (p < t.body.length) p += 4 + t.body.readUInt32BE(p);
          expect(p).toBe(t.body.length);
        }
      } else if (t.type === FLV_AUDIO) {
        const info = parseAudioTag(t.body);
        expect(info.codec).toBe('AAC');
        if (info.seqHeader) audio = audioInfoFromTag(info, t.body);
        else audioFrames++;
      }
    }
    expect(video).toEqual({ codec: 'H264', profile: 'High', level: 3.1, width: 1280, height: 720, codecString: 'avc1.64001f' });
    expect(audio).toEqual({ codec: 'AAC', profile: 'LC', samplerate: 48000, channels: 2, objectType: 2, codecString: 'mp4a.40.2' });
    expect(frames).toBe(30);
    expect(keyframes).toBe(1);
    expect(seqEnds).toBe(1);
    expect(audioFrames).toBeGreaterThanOrEqual(46); // 1 s at 1024 samples / 48 kHz
  });

  it('describes AV1 from an Enhanced RTMP av01 SequenceStart (size from the sequence header OBU)', () => {
    const body = exVideo(1, 0, 'av01', av1C);
    const info = videoInfoFromSeqHeader(parseVideoTag(body), body);
    expect(info).toMatchObject({ codec: 'AV1', profile: 'Main', width: 640, height: 360 });
    expect(info.codecString).toMatch(/^av01\.0\.\d\dM\.08$/);
    expect(info.level).toBeGreaterThanOrEqual(2);
    // without configOBUs the size is unknown
    expect(parseAv1Config(av1C.subarray(0, 4))).toMatchObject({ width: 0, height: 0, profile: 'Main' });
  });

  it('describes VP9 from vpcC with and without the FullBox prefix', () => {
    const body = exVideo(1, 0, 'vp09', vpcC);
    expect(videoInfoFromSeqHeader(parseVideoTag(body), body)).toMatchObject({ codec: 'VP9', profile: 'Profile 0', width: 0, codecString: 'vp09.00.21.08', level: 2.1 });
    expect(parseVp9Config(vpcC.subarray(4))).toMatchObject({ codecString: 'vp09.00.21.08' });
    expect(parseVp9Config(Buffer.from('0232a0010101000000', 'hex'))).toMatchObject({ profile: 'Profile 2', level: 5, codecString: 'vp09.02.50.10' });
    expectFormat(() => parseVp9Config(Buffer.from('0532a00101010000', 'hex')));
    expectFormat(() => parseVp9Config(Buffer.from('0032a001', 'hex')));
  });

  it('describes HEVC from a legacy codec-12 tag and an Enhanced RTMP hvc1 tag alike', () => {
    const legacy = Buffer.concat([Buffer.from([0x1c, 0, 0, 0, 0]), hvcC]);
    const enhanced = exVideo(1, 0, 'hvc1', hvcC);
    const a = videoInfoFromSeqHeader(parseVideoTag(legacy), legacy);
    const b = videoInfoFromSeqHeader(parseVideoTag(enhanced), enhanced);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ codec: 'HEVC', profile: 'Main', width: 640, height: 360 });
    expect(Object.keys(a).sort()).toEqual(['codec', 'codecString', 'height', 'level', 'profile', 'width']);
  });
});

describe('videoInfoFromSeqHeader dispatch', () => {
  it('gives zeros for codecs without a configuration record', () => {
    const body = Buffer.from([0x14, 0, 0xaa]);
    expect(videoInfoFromSeqHeader(parseVideoTag(body), body)).toEqual({ codec: 'VP6', profile: '', level: 0, width: 0, height: 0 });
    const unk = exVideo(1, 0, 'vvc1', Buffer.from([1, 2, 3]));
    expect(videoInfoFromSeqHeader(parseVideoTag(unk), unk)).toMatchObject({ codec: 'UNKNOWN', width: 0 });
  });

  it('refuses coded frames and bounds multitrack payloads', () => {
    const frame = Buffer.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]);
    expectFormat(() => videoInfoFromSeqHeader(parseVideoTag(frame), frame));
    // ManyTracks: first track is a 4-byte av1C prefix only; the following track must not leak into it
    const mt = Buffer.concat([Buffer.from([0x80 | 0x10 | 6, 0x10]), cc('av01'), Buffer.from([0, 0, 0, 4, 0x81, 0, 0, 0, 1, 0, 0, 2, 0x0a, 0x0b])]);
    expect(videoInfoFromSeqHeader(parseVideoTag(mt), mt)).toMatchObject({ codec: 'AV1', width: 0, height: 0 });
  });

  it('parses a hand-built reduced still-picture AV1 sequence header', () => {
    // seq_profile 0, still 1, reduced 1, seq_level_idx 9, width bits 10, height bits 9, 1000x500
    const bits = '000' + '1' + '1' + '01001' + '1001' + '1000' + (999).toString(2).padStart(10, '0') + (499).toString(2).padStart(9, '0');
    const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
    const buf = Buffer.from(padded.match(/.{8}/g)!.map((x) => parseInt(x, 2)));
    expect(parseAv1SequenceHeader(buf)).toEqual({ profile: 0, levelIdx: 9, width: 1000, height: 500 });
    expectFormat(() => parseAv1SequenceHeader(buf.subarray(0, 3)));
  });
});

describe('audioInfoFromTag', () => {
  const info = (body: Buffer) => audioInfoFromTag(parseAudioTag(body), body);

  it('uses the FLV sound bits for legacy codecs', () => {
    expect(info(Buffer.from([0x2f, 0]))).toEqual({ codec: 'MP3', profile: '', samplerate: 44100, channels: 2 });
    expect(info(Buffer.from([0x2a, 0]))).toMatchObject({ samplerate: 22050, channels: 1 });
    expect(info(Buffer.from([0x26, 0]))).toMatchObject({ samplerate: 11025, channels: 1 });
    expect(info(Buffer.from([0x03, 0]))).toMatchObject({ codec: 'PCM', samplerate: 5512, channels: 2 });
    expect(info(Buffer.from([0x3f, 0]))).toMatchObject({ codec: 'PCM', samplerate: 44100, channels: 2 });
    expect(info(Buffer.from([0xb6, 0]))).toEqual({ codec: 'SPEEX', profile: '', samplerate: 16000, channels: 1 });
    expect(info(Buffer.from([0x4a, 0]))).toMatchObject({ codec: 'NELLYMOSER', samplerate: 16000, channels: 1 });
    expect(info(Buffer.from([0x5a, 0]))).toMatchObject({ codec: 'NELLYMOSER', samplerate: 8000, channels: 1 });
    expect(info(Buffer.from([0x6e, 0]))).toMatchObject({ codec: 'NELLYMOSER', samplerate: 44100, channels: 1 });
    expect(info(Buffer.from([0x72, 0]))).toMatchObject({ codec: 'G711A', samplerate: 8000, channels: 1 });
    expect(info(Buffer.from([0x83, 0]))).toMatchObject({ codec: 'G711U', samplerate: 8000, channels: 2 });
    expect(info(Buffer.from([0xe2, 0]))).toMatchObject({ codec: 'MP3', samplerate: 8000 });
  });

  it('uses the AudioSpecificConfig for AAC, also behind an ex-header', () => {
    expect(info(Buffer.from([0xaf, 0, 0x2b, 0x11, 0x88, 0]))).toEqual({ codec: 'AAC', profile: 'HE', samplerate: 48000, channels: 2, objectType: 5, codecString: 'mp4a.40.5' });
    const ex = Buffer.concat([Buffer.from([0x90]), cc('mp4a'), Buffer.from([0x12, 0x10])]);
    expect(info(ex)).toMatchObject({ codec: 'AAC', profile: 'LC', samplerate: 44100, channels: 2 });
    expectFormat(() => info(Buffer.from([0xaf, 0, 0x12])));
  });

  it('reads Opus channels from OpusHead', () => {
    const head = Buffer.concat([cc('OpusHead'), Buffer.from([1, 6, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 1])]);
    expect(info(Buffer.concat([Buffer.from([0x90]), cc('Opus'), head]))).toEqual({ codec: 'OPUS', profile: '', samplerate: 48000, channels: 6, codecString: 'opus' });
    expect(info(Buffer.concat([Buffer.from([0x91]), cc('Opus'), Buffer.from([0xfc])]))).toMatchObject({ codec: 'OPUS', channels: 2 });
    expect(info(Buffer.concat([Buffer.from([0x90]), cc('fLaC')]))).toEqual({ codec: 'UNKNOWN', profile: '', samplerate: 0, channels: 0 });
  });
});

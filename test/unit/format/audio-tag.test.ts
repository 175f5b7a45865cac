import { describe, expect, it } from 'vitest';
import { AUDIO_PACKET, MULTITRACK, parseAudioTag } from '../../../core/format/flv/video-tag';
import { expectFormat } from '../../helpers/expect-error';

const fourcc = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const b = (...parts: Array<number | number[]>): Buffer => Buffer.from(parts.flat());
const exA = (packetType: number): number => 0x90 | packetType;

describe('parseAudioTag: legacy SoundFormat', () => {
  it('parses AAC sequence header and raw frames', () => {
    expect(parseAudioTag(b(0xaf, 0, 0x11, 0x90))).toMatchObject({
      codec: 'AAC', seqHeader: true, soundRate: 3, soundSize: 1, soundType: 1, dataOffset: 2, packetType: 0, enhanced: false,
    });
    expect(parseAudioTag(b(0xaf, 1, 0x21))).toMatchObject({ codec: 'AAC', seqHeader: false, dataOffset: 2, packetType: 1 });
    expectFormat(() => parseAudioTag(b(0xaf)));
    expectFormat(() => parseAudioTag(b(0xaf, 2, 0)));
    expectFormat(() => parseAudioTag(Buffer.alloc(0)));
  });

  it('maps every other SoundFormat and keeps the raw rate/size/type bits', () => {
    const cases: Array<[number, string]> = [
      [0, 'PCM'], [1, 'UNKNOWN'], [2, 'MP3'], [3, 'PCM'], [4, 'NELLYMOSER'], [5, 'NELLYMOSER'], [6, 'NELLYMOSER'],
      [7, 'G711A'], [8, 'G711U'], [11, 'SPEEX'], [14, 'MP3'], [15, 'UNKNOWN'], [13, 'UNKNOWN'],
    ];
    for (const [fmt, codec] of cases) {
      const t = parseAudioTag(b((fmt << 4) | 0b1001, 0x55));
      expect(t).toMatchObject({ codec, seqHeader: false, soundRate: 2, soundSize: 0, soundType: 1, dataOffset: 1, packetType: -1 });
    }
    expect(parseAudioTag(b(0x2e))).toMatchObject({ codec: 'MP3', soundRate: 3, soundSize: 1, soundType: 0, dataOffset: 1 });
  });
});

describe('parseAudioTag: Enhanced RTMP ex-header', () => {
  it('maps the FourCCs and marks SequenceStart', () => {
    const cases: Array<[string, string]> = [['Opus', 'OPUS'], ['mp4a', 'AAC'], ['.mp3', 'MP3'], ['fLaC', 'UNKNOWN'], ['ac-3', 'UNKNOWN'], ['ec-3', 'UNKNOWN']];
    for (const [cc, codec] of cases) {
      expect(parseAudioTag(b(exA(AUDIO_PACKET.SequenceStart), fourcc(cc), 1, 2))).toMatchObject({
        codec, fourcc: cc, seqHeader: true, dataOffset: 5, enhanced: true, packetType: 0, soundRate: 0,
      });
      expect(parseAudioTag(b(exA(AUDIO_PACKET.CodedFrames), fourcc(cc), 1))).toMatchObject({ codec, seqHeader: false, dataOffset: 5, packetType: 1 });
    }
    expect(parseAudioTag(b(exA(2), fourcc('Opus')))).toMatchObject({ packetType: 2, seqHeader: false });
    expect(parseAudioTag(b(exA(4), fourcc('Opus'), 0, 2))).toMatchObject({ packetType: AUDIO_PACKET.MultichannelConfig });
  });

  it('skips ModEx and reads multitrack track ids', () => {
    expect(parseAudioTag(b(exA(AUDIO_PACKET.ModEx), 0, 0x99, 0x00, fourcc('Opus')))).toMatchObject({ codec: 'OPUS', seqHeader: true, dataOffset: 8 });
    const one = parseAudioTag(b(exA(AUDIO_PACKET.Multitrack), (MULTITRACK.OneTrack << 4) | 1, fourcc('mp4a'), 3, 0x21));
    expect(one).toMatchObject({ codec: 'AAC', trackId: 3, dataOffset: 7, dataEnd: 8, packetType: 1 });
    const many = parseAudioTag(b(exA(5), (MULTITRACK.ManyTracksManyCodecs << 4) | 0, fourcc('Opus'), 1, 0, 0, 2, 7, 8, fourcc('mp4a'), 2, 0, 0, 1, 9));
    expect(many).toMatchObject({ codec: 'OPUS', trackId: 1, seqHeader: true, dataOffset: 10, dataEnd: 12 });
  });

  it('throws FORMAT on truncated ex headers', () => {
    expectFormat(() => parseAudioTag(b(exA(0), fourcc('Op'))));
    expectFormat(() => parseAudioTag(b(exA(5), 0x10, fourcc('Opus'), 1, 0, 0)));
    expectFormat(() => parseAudioTag(b(exA(7), 3, 0)));
  });
});

/** Every message of the recorded real-client sessions must decode, however the bytes are sliced. */
import { describe, expect, it } from 'vitest';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../../core/format/rtmp/rtmp-chunk';
import { ServerHandshake } from '../../../core/format/rtmp/rtmp-handshake';
import { MSG, decodeCommand, decodeData, type RtmpCommand } from '../../../core/format/rtmp/rtmp-messages';
import { fixtureChunkStream, fixtureNames, readFixture } from '../../helpers/fixtures';
import { prng, randomSlices } from '../../helpers/prng';

const EXPECTED: Record<string, { commands: string[]; stream: string; publish: boolean }> = {
  'play-ffmpeg5.c2s.bin': { commands: ['connect', 'createStream', 'getStreamLength', 'play'], stream: 'src', publish: false },
  'play-gstreamer-rtmp2src.c2s.bin': { commands: ['connect', 'createStream', 'play'], stream: 'src', publish: false },
  'play-rtmpdump-librtmp.c2s.bin': {
    commands: ['connect', 'createStream', 'FCSubscribe', 'play', 'deleteStream'],
    stream: 'src',
    publish: false,
  },
  'publish-ffmpeg5.c2s.bin': {
    commands: ['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish', 'FCUnpublish', 'deleteStream'],
    stream: 'cap',
    publish: true,
  },
  'publish-gstreamer-rtmp2sink.c2s.bin': {
    commands: ['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish'],
    stream: 'capgst',
    publish: true,
  },
};

const KNOWN_TYPES = new Set<number>(Object.values(MSG));

const key = (m: RtmpMessage) => `${m.csid}/${m.type}/${m.streamId}/${m.timestamp}/${m.payload.toString('base64')}`;

function readAll(bytes: Buffer[]): { msgs: RtmpMessage[]; reader: ChunkReader } {
  const reader = new ChunkReader();
  const msgs: RtmpMessage[] = [];
  for (const b of bytes) msgs.push(...reader.push(b));
  return { msgs, reader };
}

describe('recorded RTMP sessions', () => {
  it('has the five fixtures', () => {
    expect(fixtureNames()).toStrictEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of Object.keys(EXPECTED)) {
    describe(name, () => {
      const stream = fixtureChunkStream(name);
      const { msgs, reader } = readAll([stream]);
      const exp = EXPECTED[name];

      it('decodes every message; every command and data message parses', () => {
        expect(reader.bytesRead).toBe(stream.length);
        expect(msgs.length).toBeGreaterThan(4);
        const commands: RtmpCommand[] = [];
        for (const m of msgs) {
          expect(KNOWN_TYPES.has(m.type as never)).toBe(true);
          if (m.type === MSG.COMMAND_AMF0 || m.type === MSG.COMMAND_AMF3) commands.push(decodeCommand(m));
          if (m.type === MSG.DATA_AMF0 || m.type === MSG.DATA_AMF3) expect(decodeData(m).length).toBeGreaterThan(0);
        }
        expect(commands.map((c) => c.name)).toStrictEqual(exp.commands);
        const connect = commands[0];
        expect(connect.transactionId).toBe(1);
        expect(connect.commandObject).toMatchObject({ app: 'live', tcUrl: expect.stringMatching(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/) });
        const last = commands.find((c) => c.name === (exp.publish ? 'publish' : 'play')) as RtmpCommand;
        expect(last.args[0]).toBe(exp.stream);
        if (exp.publish) expect(last.args[1]).toBe('live');
      });

      it('yields identical messages when fed through the handshake in random slices', () => {
        const file = readFixture(name);
        for (let seed = 1; seed <= 8; seed++) {
          const rand = prng(seed * 7919);
          const hs = new ServerHandshake();
          const reader = new ChunkReader();
          const got: RtmpMessage[] = [];
          let sends = 0;
          let done = false;
          for (const s of randomSlices(rand, file, seed % 2 ? 64 : 9000)) {
            if (!done) {
              const r = hs.push(s);
              if (r.send) sends++;
              done = r.done;
              if (r.rest) got.push(...reader.push(r.rest));
            } else {
              got.push(...reader.push(s));
            }
          }
          expect(done).toBe(true);
          expect(sends).toBe(1);
          expect(got.map(key)).toStrictEqual(msgs.map(key));
        }
      });

      it('re-chunks to the same messages with encodeChunks', () => {
        // chunk size changes apply in order: encode each message with the size in force when it is read
        let size = 128;
        const parts: Buffer[] = [];
        for (const m of msgs) {
          parts.push(encodeChunks(m, size));
          if (m.type === 1) size = m.payload.readUInt32BE(0);
        }
        expect(readAll([Buffer.concat(parts)]).msgs.map(key)).toStrictEqual(msgs.map(key));
      });

      if (exp.publish) {
        it('carries about 5 s of audio and video', () => {
          for (const type of [MSG.VIDEO, MSG.AUDIO]) {
            const media = msgs.filter((m) => m.type === type);
            expect(media.length).toBeGreaterThan(100);
            const ts = media.map((m) => m.timestamp);
            const span = Math.max(...ts) - Math.min(...ts);
            expect(span).toBeGreaterThan(4000);
            expect(span).toBeLessThan(6000);
            for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
          }
          const meta = msgs.filter((m) => m.type === MSG.DATA_AMF0).map((m) => decodeData(m));
          expect(meta[0].slice(0, 2)).toStrictEqual(['@setDataFrame', 'onMetaData']);
          expect(meta[0][2]).toMatchObject({ width: 640, height: 360, videocodecid: 7, audiocodecid: 10 });
        });
      }
    });
  }
});

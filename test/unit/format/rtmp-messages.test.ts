import { describe, expect, it } from 'vitest';
import {
  MSG,
  UC,
  ackMsg,
  commandMsg,
  dataMsg,
  decodeCommand,
  decodeData,
  setChunkSizeMsg,
  setPeerBandwidthMsg,
  splitAggregate,
  userControlMsg,
  windowAckSizeMsg,
} from '../../../core/format/rtmp/rtmp-messages';
import { AmfEcmaArray, encodeAmf0 } from '../../../core/format/amf/amf';
import type { RtmpMessage } from '../../../core/format/rtmp/rtmp-chunk';
import { expectFormat } from '../../helpers/expect-error';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const view = (m: RtmpMessage) => ({ ...m, payload: m.payload.toString('hex') });

describe('protocol and user control builders', () => {
  it('build csid 2, stream 0 messages with the spec layouts', () => {
    const ctl = (type: number, payload: string) => ({ csid: 2, type, streamId: 0, timestamp: 0, payload });
    expect(view(setChunkSizeMsg(4096))).toStrictEqual(ctl(1, '00001000'));
    expect(view(ackMsg(0x1_0000_0005))).toStrictEqual(ctl(3, '00000005'));
    expect(view(windowAckSizeMsg(5_000_000))).toStrictEqual(ctl(5, '004c4b40'));
    expect(view(setPeerBandwidthMsg(5_000_000, 2))).toStrictEqual(ctl(6, '004c4b4002'));
    expect(view(userControlMsg(UC.STREAM_BEGIN, 1))).toStrictEqual(ctl(4, '000000000001'));
    expect(view(userControlMsg(UC.SET_BUFFER_LENGTH, 1, 3000))).toStrictEqual(ctl(4, '00030000000100000bb8'));
    expect(view(userControlMsg(UC.PING_RESPONSE, 0xdeadbeef))).toStrictEqual(ctl(4, '0007deadbeef'));
    expect(MSG.COMMAND_AMF0).toBe(20);
    expect(UC.PING_REQUEST).toBe(6);
    expectFormat(() => setChunkSizeMsg(0));
    expectFormat(() => setChunkSizeMsg(0x80000000));
  });
});

describe('commands and data', () => {
  it('round-trips an AMF0 command', () => {
    const m = commandMsg(1, ['publish', 5, null, 'cap', 'live']);
    expect([m.csid, m.type, m.streamId]).toStrictEqual([3, 20, 1]);
    expect(decodeCommand(m)).toStrictEqual({ name: 'publish', transactionId: 5, commandObject: null, args: ['cap', 'live'] });
    expect(commandMsg(0, ['x'], 8).csid).toBe(8);
    expect(decodeCommand(commandMsg(0, ['onBWDone']))).toStrictEqual({ name: 'onBWDone', transactionId: 0, commandObject: null, args: [] });
  });

  it('decodes type 17 commands: format byte, then AMF0 with AMF3 switches', () => {
    const payload = Buffer.concat([hex('00'), encodeAmf0(['connect', 1]), hex('11 0a 0b 01 07 61 70 70 06 09 6c 69 76 65 01'), encodeAmf0(['x'])]);
    const m = { csid: 3, type: 17, streamId: 0, timestamp: 0, payload };
    expect(decodeCommand(m)).toStrictEqual({ name: 'connect', transactionId: 1, commandObject: { app: 'live' }, args: ['x'] });
  });

  it('rejects commands whose first value is not a string, and non-command types', () => {
    expectFormat(() => decodeCommand({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0([1, 'x']) }));
    expectFormat(() => decodeCommand({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: Buffer.alloc(0) }));
    expectFormat(() => decodeCommand({ csid: 3, type: 18, streamId: 0, timestamp: 0, payload: encodeAmf0(['x']) }));
    expectFormat(() => decodeData({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0(['x']) }));
  });

  it('round-trips onMetaData as a data message (ECMA array)', () => {
    const m = dataMsg(1, ['@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 640, height: 360, encoder: 'x' })]);
    expect([m.csid, m.type, m.streamId]).toStrictEqual([5, 18, 1]);
    expect(m.payload[m.payload.indexOf(Buffer.from('onMetaData')) + 10]).toBe(0x08);
    expect(decodeData(m)).toStrictEqual(['@setDataFrame', 'onMetaData', { width: 640, height: 360, encoder: 'x' }]);
    const amf3 = { ...m, type: 15, payload: Buffer.concat([hex('00'), m.payload]) };
    expect(decodeData(amf3)).toStrictEqual(decodeData(m));
  });
});

describe('splitAggregate', () => {
  const sub = (type: number, ts: number, body: string, backPointer = true) => {
    const b = hex(body);
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(b.length, 1, 3);
    h.writeUIntBE(ts & 0xffffff, 4, 3);
    h[7] = ts >>> 24;
    h.writeUIntBE(7, 8, 3); // stream id inside: overridden by the aggregate's
    const bp = Buffer.alloc(backPointer ? 4 : 0);
    if (backPointer) bp.writeUInt32BE(11 + b.length);
    return Buffer.concat([h, b, bp]);
  };

  it('splits into sub-messages with rebased timestamps', () => {
    const payload = Buffer.concat([sub(9, 0x01000010, 'aa'), sub(8, 0x01000020, 'bbcc'), sub(18, 0x01000010, '02', false)]);
    const agg = { csid: 6, type: 22, streamId: 1, timestamp: 1000, payload };
    expect(splitAggregate(agg).map(view)).toStrictEqual([
      { csid: 6, type: 9, streamId: 1, timestamp: 1000, payload: 'aa' },
      { csid: 6, type: 8, streamId: 1, timestamp: 1016, payload: 'bbcc' },
      { csid: 6, type: 18, streamId: 1, timestamp: 1000, payload: '02' },
    ]);
    expect(splitAggregate({ ...agg, payload: Buffer.alloc(0) })).toStrictEqual([]);
  });

  it('rejects truncated or foreign sub-messages', () => {
    const agg = (payload: Buffer) => ({ csid: 6, type: 22, streamId: 1, timestamp: 0, payload });
    const good = sub(9, 0, 'aabb');
    expectFormat(() => splitAggregate(agg(good.subarray(0, 10))));
    expectFormat(() => splitAggregate(agg(good.subarray(0, 12))));
    expectFormat(() => splitAggregate(agg(good.subarray(0, good.length - 2))));
    expectFormat(() => splitAggregate(agg(sub(20, 0, '02'))));
    expectFormat(() => splitAggregate(agg(sub(22, 0, ''))));
    expectFormat(() => splitAggregate({ ...agg(good), type: 9 }));
  });
});

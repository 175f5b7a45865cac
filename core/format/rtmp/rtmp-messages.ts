/**
 * RTMP message builders (protocol control, user control, AMF0 commands/data) and decoders for
 * commands, data messages and aggregates. Pure: no I/O.
 */
import { OnAirError } from '../../errors';
import { decodeAmf0, encodeAmf0, type AmfEcmaArray, type AmfValue } from '../amf/amf';
import type { RtmpMessage } from './rtmp-chunk';

export const MSG = {
  SET_CHUNK_SIZE: 1,
  ABORT: 2,
  ACK: 3,
  USER_CONTROL: 4,
  WINDOW_ACK_SIZE: 5,
  SET_PEER_BANDWIDTH: 6,
  AUDIO: 8,
  VIDEO: 9,
  DATA_AMF3: 15,
  SHARED_OBJECT_AMF3: 16,
  COMMAND_AMF3: 17,
  DATA_AMF0: 18,
  SHARED_OBJECT_AMF0: 19,
  COMMAND_AMF0: 20,
  AGGREGATE: 22,
} as const;

export const UC = {
  STREAM_BEGIN: 0,
  STREAM_EOF: 1,
  STREAM_DRY: 2,
  SET_BUFFER_LENGTH: 3,
  STREAM_IS_RECORDED: 4,
  PING_REQUEST: 6,
  PING_RESPONSE: 7,
} as const;

const CONTROL_CSID = 2;

function control(type: number, payload: Buffer): RtmpMessage {
  return { csid: CONTROL_CSID, type, streamId: 0, timestamp: 0, payload };
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

export function setChunkSizeMsg(size: number): RtmpMessage {
  if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) {
    throw new OnAirError('FORMAT', `invalid chunk size ${size}`);
  }
  return control(MSG.SET_CHUNK_SIZE, u32(size));
}

/** Acknowledgement: the sequence number (bytes received so far) wraps at 2^32. */
export function ackMsg(bytes: number): RtmpMessage {
  return control(MSG.ACK, u32(bytes % 0x100000000));
}

export function windowAckSizeMsg(size: number): RtmpMessage {
  return control(MSG.WINDOW_ACK_SIZE, u32(size));
}

/** limitType: 0 hard, 1 soft, 2 dynamic */
export function setPeerBandwidthMsg(size: number, limitType: 0 | 1 | 2): RtmpMessage {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt32BE(size >>> 0, 0);
  b[4] = limitType;
  return control(MSG.SET_PEER_BANDWIDTH, b);
}

/** User control event: 16-bit event type, 32-bit value (stream id / timestamp), optional 32-bit extra (buffer length). */
export function userControlMsg(event: number, value: number, extra?: number): RtmpMessage {
  const b = Buffer.allocUnsafe(extra === undefined ? 6 : 10);
  b.writeUInt16BE(event & 0xffff, 0);
  b.writeUInt32BE(value >>> 0, 2);
  if (extra !== undefined) b.writeUInt32BE(extra >>> 0, 6);
  return control(MSG.USER_CONTROL, b);
}

/** AMF0 command (type 20). */
export function commandMsg(streamId: number, values: Array<AmfValue | AmfEcmaArray>, csid = 3): RtmpMessage {
  return { csid, type: MSG.COMMAND_AMF0, streamId, timestamp: 0, payload: encodeAmf0(values) };
}

/** AMF0 data message (type 18), e.g. onMetaData / @setDataFrame. */
export function dataMsg(streamId: number, values: Array<AmfValue | AmfEcmaArray>, csid = 5): RtmpMessage {
  return { csid, type: MSG.DATA_AMF0, streamId, timestamp: 0, payload: encodeAmf0(values) };
}

/** AMF0 values of a type 20/18 payload, or of a type 17/15 payload after its leading 0x00 format byte. */
function amfValues(msg: RtmpMessage, amf3Type: number): AmfValue[] {
  const p = msg.payload;
  const start = msg.type === amf3Type && p.length > 0 && p[0] === 0x00 ? 1 : 0;
  return decodeAmf0(p, start);
}

export interface RtmpCommand {
  name: string;
  transactionId: number;
  commandObject: AmfValue;
  args: AmfValue[];
}

/** Decode the payload of type 20/17 (17: skip the leading 0x00 format byte then AMF0 with avmplus switch) into { name, transactionId, commandObject, args } ; throws FORMAT if the first value is not a string */
export function decodeCommand(msg: RtmpMessage): RtmpCommand {
  if (msg.type !== MSG.COMMAND_AMF0 && msg.type !== MSG.COMMAND_AMF3) {
    throw new OnAirError('FORMAT', `message type ${msg.type} is not a command`);
  }
  const values = amfValues(msg, MSG.COMMAND_AMF3);
  const name = values[0];
  if (typeof name !== 'string') throw new OnAirError('FORMAT', 'command name is not a string');
  const tid = values[1];
  return {
    name,
    transactionId: typeof tid === 'number' ? tid : 0,
    commandObject: values.length > 2 ? values[2] : null,
    args: values.slice(3),
  };
}

/** Decode a data message (18/15) to its values */
export function decodeData(msg: RtmpMessage): AmfValue[] {
  if (msg.type !== MSG.DATA_AMF0 && msg.type !== MSG.DATA_AMF3) {
    throw new OnAirError('FORMAT', `message type ${msg.type} is not a data message`);
  }
  return amfValues(msg, MSG.DATA_AMF3);
}

const AGGREGATE_TAG_HEADER = 11;
const AGGREGATE_BACK_POINTER = 4;

/**
 * Split an aggregate message (type 22) into its audio/video/data sub-messages (FLV-tag-like framing inside:
 * type, 24-bit size, 24+8-bit timestamp, 24-bit stream id, body, 32-bit back pointer). Timestamps are rebased
 * so the first sub-message carries the aggregate's timestamp; the aggregate's stream id and csid apply.
 * Bodies are slices of the aggregate payload.
 */
export function splitAggregate(msg: RtmpMessage): RtmpMessage[] {
  if (msg.type !== MSG.AGGREGATE) throw new OnAirError('FORMAT', `message type ${msg.type} is not an aggregate`);
  const p = msg.payload;
  const out: RtmpMessage[] = [];
  let pos = 0;
  let first = -1;
  while (pos < p.length) {
    if (p.length - pos < AGGREGATE_TAG_HEADER) throw new OnAirError('FORMAT', 'aggregate: truncated sub-message header');
    const type = p[pos];
    const size = p.readUIntBE(pos + 1, 3);
    const ts = (p.readUIntBE(pos + 4, 3) | (p[pos + 7] << 24)) >>> 0;
    if (type !== MSG.AUDIO && type !== MSG.VIDEO && type !== MSG.DATA_AMF0 && type !== MSG.DATA_AMF3) {
      throw new OnAirError('FORMAT', `aggregate: sub-message type ${type} is not audio, video or data`);
    }
    const bodyStart = pos + AGGREGATE_TAG_HEADER;
    if (p.length - bodyStart < size) throw new OnAirError('FORMAT', 'aggregate: truncated sub-message body');
    if (first < 0) first = ts;
    out.push({
      csid: msg.csid,
      type,
      streamId: msg.streamId,
      timestamp: (msg.timestamp + ts - first) >>> 0,
      payload: p.subarray(bodyStart, bodyStart + size),
    });
    pos = bodyStart + size;
    // the back pointer may be missing after the last sub-message
    if (p.length - pos < AGGREGATE_BACK_POINTER) {
      if (pos === p.length) break;
      throw new OnAirError('FORMAT', 'aggregate: truncated back pointer');
    }
    pos += AGGREGATE_BACK_POINTER;
  }
  return out;
}

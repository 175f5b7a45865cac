/** MPEG-TS program specific information: CRC-32/MPEG-2, PAT and PMT sections, each in one 188-byte packet. */
import { OnAirError } from '../../errors';

export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
export const PID_PAT = 0x0000;
export const PID_PMT = 0x1000;
export const PID_VIDEO = 0x0100;
export const PID_AUDIO = 0x0101;
export const PROGRAM_NUMBER = 1;
export const TRANSPORT_STREAM_ID = 1;

/** ISO 13818-1 stream_type values. */
export const STREAM_TYPE = { AAC_ADTS: 0x0f, H264: 0x1b, HEVC: 0x24 } as const;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32/MPEG-2 (poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor). */
export function crc32Mpeg2(buf: Buffer, start = 0, end = buf.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ buf[i]) & 0xff]) >>> 0;
  return crc >>> 0;
}

export interface PmtStream {
  streamType: number;
  pid: number;
}

/**
 * A long-form PSI section: table_id, section_length, the 5-byte extension header
 * (id, version 0, current_next 1, section 0 of 0), `body`, CRC-32.
 */
function section(tableId: number, idExt: number, body: Buffer): Buffer {
  const sectionLength = 5 + body.length + 4;
  const out = Buffer.alloc(3 + sectionLength);
  out[0] = tableId;
  out.writeUInt16BE(0xb000 | sectionLength, 1); // section_syntax_indicator 1, '0', reserved '11'
  out.writeUInt16BE(idExt, 3);
  out[5] = 0xc1; // reserved '11', version 0, current_next_indicator 1
  out[6] = 0; // section_number
  out[7] = 0; // last_section_number
  body.copy(out, 8);
  out.writeUInt32BE(crc32Mpeg2(out, 0, out.length - 4), out.length - 4);
  return out;
}

export function patSection(pmtPid = PID_PMT): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(PROGRAM_NUMBER, 0);
  body.writeUInt16BE(0xe000 | pmtPid, 2);
  return section(0x00, TRANSPORT_STREAM_ID, body);
}

export function pmtSection(pcrPid: number, streams: readonly PmtStream[]): Buffer {
  const body = Buffer.alloc(4 + 5 * streams.length);
  body.writeUInt16BE(0xe000 | pcrPid, 0);
  body.writeUInt16BE(0xf000, 2); // program_info_length 0
  streams.forEach((s, i) => {
    const o = 4 + 5 * i;
    body[o] = s.streamType;
    body.writeUInt16BE(0xe000 | s.pid, o + 1);
    body.writeUInt16BE(0xf000, o + 3); // ES_info_length 0
  });
  return section(0x02, PROGRAM_NUMBER, body);
}

/** One TS packet carrying a whole section: pointer_field 0, the section, 0xFF fill. */
export function sectionPacket(pid: number, cc: number, sec: Buffer): Buffer {
  if (sec.length > TS_PACKET_SIZE - 5) throw new OnAirError('INTERNAL', `PSI section of ${sec.length} bytes needs more than one packet`);
  const p = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  p[0] = TS_SYNC_BYTE;
  p[1] = 0x40 | ((pid >> 8) & 0x1f); // payload_unit_start_indicator
  p[2] = pid & 0xff;
  p[3] = 0x10 | (cc & 0x0f); // payload only
  p[4] = 0; // pointer_field
  sec.copy(p, 5);
  return p;
}

/** MPEG-TS PES headers and PES-to-packet splitting with adaptation fields (PCR, random access, stuffing). */
import { TS_PACKET_SIZE, TS_SYNC_BYTE } from './mpegts-psi';

/** The 33-bit PTS/DTS/PCR-base clock wraps here. */
export const TS_CLOCK_WRAP = 2 ** 33;
export const STREAM_ID_VIDEO = 0xe0;
export const STREAM_ID_AUDIO = 0xc0;

const TS_PAYLOAD = TS_PACKET_SIZE - 4;

/** Milliseconds (any real number) to the 90 kHz clock, modulo 2^33 (always in [0, 2^33)). */
export function msTo90k(ms: number): number {
  const t = Math.round(ms * 90) % TS_CLOCK_WRAP;
  return t < 0 ? t + TS_CLOCK_WRAP : t;
}

/** Writes a 5-byte PTS/DTS field with the 4-bit `prefix` ('0010' PTS only, '0011' PTS of a pair, '0001' DTS). */
function writeTimestamp(b: Buffer, o: number, prefix: number, ts: number): void {
  const hi = Math.floor(ts / 2 ** 30) & 7;
  const lo = ts % 2 ** 30;
  b[o] = (prefix << 4) | (hi << 1) | 1;
  b[o + 1] = (lo >>> 22) & 0xff;
  b[o + 2] = ((lo >>> 14) & 0xfe) | 1;
  b[o + 3] = (lo >>> 7) & 0xff;
  b[o + 4] = ((lo << 1) & 0xfe) | 1;
}

/**
 * A PES header for `payloadLength` bytes of elementary stream. `dts` is written only when it differs from `pts`
 * (both 90 kHz, already modulo 2^33). PES_packet_length is 0 (unbounded) when the packet would exceed 65535.
 */
export function pesHeader(streamId: number, pts: number, dts: number, payloadLength: number): Buffer {
  const withDts = dts !== pts;
  const hdrData = withDts ? 10 : 5;
  const h = Buffer.allocUnsafe(9 + hdrData);
  h[0] = 0;
  h[1] = 0;
  h[2] = 1;
  h[3] = streamId;
  const pesLength = 3 + hdrData + payloadLength;
  h.writeUInt16BE(pesLength > 0xffff ? 0 : pesLength, 4);
  h[6] = 0x84; // '10', not scrambled, data_alignment_indicator
  h[7] = withDts ? 0xc0 : 0x80;
  h[8] = hdrData;
  writeTimestamp(h, 9, withDts ? 3 : 2, pts);
  if (withDts) writeTimestamp(h, 14, 1, dts);
  return h;
}

export interface PacketizeOptions {
  pid: number;
  /** first continuity_counter to use */
  cc: number;
  /** PCR base (90 kHz, modulo 2^33) to carry in the first packet */
  pcr?: number;
  /** random_access_indicator on the first packet (a keyframe starts here) */
  randomAccess?: boolean;
  /** discontinuity_indicator on the first packet (the PCR timeline jumps) */
  discontinuity?: boolean;
}

function writePcr(b: Buffer, o: number, base: number): void {
  b.writeUInt32BE(Math.floor(base / 2), o);
  b[o + 4] = ((base % 2) << 7) | 0x7e; // low base bit, 6 reserved bits, extension bit 8
  b[o + 5] = 0; // extension low bits: 0
}

/**
 * Splits one PES (given as consecutive `chunks`, e.g. header + NAL units) into whole 188-byte packets.
 * The last packet is padded with adaptation-field stuffing. Returns the packets and the next continuity counter.
 */
export function packetizePes(chunks: readonly Buffer[], o: PacketizeOptions): { packets: Buffer; cc: number } {
  let total = 0;
  for (const c of chunks) total += c.length;
  const flags = (o.discontinuity ? 0x80 : 0) | (o.randomAccess ? 0x40 : 0) | (o.pcr !== undefined ? 0x10 : 0);
  const firstAf = flags !== 0 ? 2 + (o.pcr !== undefined ? 6 : 0) : 0;
  const firstCap = TS_PAYLOAD - firstAf;
  const count = total <= firstCap ? 1 : 1 + Math.ceil((total - firstCap) / TS_PAYLOAD);
  const out = Buffer.allocUnsafe(count * TS_PACKET_SIZE);
  let cc = o.cc & 0x0f;
  let ci = 0; // chunk index
  let co = 0; // offset in chunk
  let left = total;
  for (let i = 0; i < count; i++) {
    const p = i * TS_PACKET_SIZE;
    const af = i === 0 ? firstAf : 0;
    const take = Math.min(TS_PAYLOAD - af, left);
    const afTotal = TS_PAYLOAD - take; // adaptation field bytes incl. its length byte
    out[p] = TS_SYNC_BYTE;
    out[p + 1] = (i === 0 ? 0x40 : 0) | ((o.pid >> 8) & 0x1f);
    out[p + 2] = o.pid & 0xff;
    out[p + 3] = (afTotal > 0 ? 0x30 : 0x10) | cc;
    cc = (cc + 1) & 0x0f;
    if (afTotal > 0) {
      out[p + 4] = afTotal - 1; // adaptation_field_length
      if (afTotal > 1) {
        const f = i === 0 ? flags : 0;
        out[p + 5] = f;
        let w = p + 6;
        if (f & 0x10 && o.pcr !== undefined) {
          writePcr(out, w, o.pcr);
          w += 6;
        }
        out.fill(0xff, w, p + 4 + afTotal);
      }
    }
    let w = p + 4 + afTotal;
    let need = take;
    while (need > 0) {
      const c = chunks[ci];
      const n = Math.min(need, c.length - co);
      c.copy(out, w, co, co + n);
      w += n;
      co += n;
      need -= n;
      if (co === c.length) {
        ci++;
        co = 0;
      }
    }
    left -= take;
  }
  return { packets: out, cc };
}

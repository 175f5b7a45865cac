/**
 * Reads a plain (non-fragmented) MP4 written by ffmpeg into MediaPackets, so HEVC (which ffmpeg 4.1 cannot put in
 * FLV) reaches the muxers the way ingest would deliver it: HEVC as Enhanced RTMP 'hvc1' tags, AAC as legacy tags.
 */
import type { MediaPacket } from '../../../core/media/packet';
import type { MediaDir } from '../../helpers/format-media';
import type { BoxRef } from './mux-test-utils';
import { boxes, children, find, flvPackets } from './mux-test-utils';

interface Sample {
  dts: number;
  cto: number;
  offset: number;
  size: number;
  sync: boolean;
}

interface Track {
  handler: string;
  timescale: number;
  format: string;
  config: Buffer;
  samples: Sample[];
}

function fullBody(r: BoxRef): number {
  return r.body + 4;
}

function table(b: Buffer, r: BoxRef | null, width: number): number[][] {
  if (!r) return [];
  const n = b.readUInt32BE(fullBody(r));
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const o = fullBody(r) + 4 + i * width * 4;
    const row: number[] = [];
    for (let k = 0; k < width; k++) row.push(b.readUInt32BE(o + 4 * k));
    rows.push(row);
  }
  return rows;
}

/** The DecoderSpecificInfo (tag 5) inside an esds payload. */
function ascFromEsds(b: Buffer, esds: BoxRef): Buffer {
  let o = fullBody(esds);
  const readLen = (): number => {
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const c = b[o++];
      len = (len << 7) | (c & 0x7f);
      if (!(c & 0x80)) break;
    }
    return len;
  };
  while (o < esds.end) {
    const tag = b[o++];
    const len = readLen();
    if (tag === 3) {
      const flags = b[o + 2];
      o += 3;
      if (flags & 0x80) o += 2;
      if (flags & 0x40) o += 1 + b[o];
      if (flags & 0x20) o += 2;
    } else if (tag === 4) {
      o += 13;
    } else if (tag === 5) {
      return Buffer.from(b.subarray(o, o + len));
    } else {
      o += len;
    }
  }
  throw new Error('no DecoderSpecificInfo in esds');
}

function readTrack(b: Buffer, trak: BoxRef): Track {
  const mdhd = find(b, ['mdia', 'mdhd'], trak);
  const hdlr = find(b, ['mdia', 'hdlr'], trak);
  const stbl = find(b, ['mdia', 'minf', 'stbl'], trak);
  if (!mdhd || !hdlr || !stbl) throw new Error('incomplete trak');
  const timescale = b[mdhd.body] === 1 ? b.readUInt32BE(mdhd.body + 20) : b.readUInt32BE(mdhd.body + 12);
  const handler = b.toString('latin1', hdlr.body + 8, hdlr.body + 12);
  const sub = (t: string): BoxRef | null => children(b, stbl).find((x) => x.type === t) ?? null;
  const stsd = sub('stsd');
  if (!stsd) throw new Error('no stsd');
  const entry = children(b, stsd, 8)[0];
  const format = entry.type;
  let config: Buffer;
  if (format === 'mp4a') {
    const esds = boxes(b, entry.body + 28, entry.end).find((x) => x.type === 'esds');
    if (!esds) throw new Error('no esds');
    config = ascFromEsds(b, esds);
  } else {
    const rec = boxes(b, entry.body + 78, entry.end).find((x) => x.type === 'hvcC' || x.type === 'avcC');
    if (!rec) throw new Error('no avcC/hvcC');
    config = Buffer.from(b.subarray(rec.body, rec.end));
  }
  const stszBox = sub('stsz');
  if (!stszBox) throw new Error('no stsz');
  const fixed = b.readUInt32BE(fullBody(stszBox));
  const count = b.readUInt32BE(fullBody(stszBox) + 4);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) sizes.push(fixed || b.readUInt32BE(fullBody(stszBox) + 8 + 4 * i));
  const dts: number[] = [];
  let t = 0;
  for (const [n, d] of table(b, sub('stts'), 2)) for (let i = 0; i < n; i++) {
    dts.push(t);
    t += d;
  }
  const ctos: number[] = [];
  for (const [n, c] of table(b, sub('ctts'), 2)) for (let i = 0; i < n; i++) ctos.push(c | 0);
  const stss = sub('stss');
  const sync = stss ? new Set(table(b, stss, 1).map((r) => r[0] - 1)) : null;
  const chunkOffsets = table(b, sub('stco'), 1).map((r) => r[0]);
  const stsc = table(b, sub('stsc'), 3);
  const samples: Sample[] = [];
  let s = 0;
  for (let c = 0; c < chunkOffsets.length; c++) {
    let per = 0;
    for (const [first, n] of stsc) if (first - 1 <= c) per = n;
    let o = chunkOffsets[c];
    for (let k = 0; k < per && s < count; k++, s++) {
      samples.push({ dts: dts[s], cto: ctos[s] ?? 0, offset: o, size: sizes[s], sync: sync ? sync.has(s) : true });
      o += sizes[s];
    }
  }
  return { handler, timescale, format, config, samples };
}

function hevcTag(frameType: number, packetType: number, rest: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), Buffer.from('hvc1', 'latin1'), ...rest]);
}

function si24(v: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeIntBE(v, 0, 3);
  return b;
}

/** MediaPackets for every track of an MP4 (HEVC video via Enhanced RTMP tags, AAC via legacy tags), by dts. */
export function mp4Packets(file: Buffer): MediaPacket[] {
  const moov = find(file, ['moov']);
  if (!moov) throw new Error('no moov');
  const out: MediaPacket[] = [];
  for (const trak of children(file, moov).filter((x) => x.type === 'trak')) {
    const t = readTrack(file, trak);
    const ms = (v: number): number => Math.round((v * 1000) / t.timescale);
    if (t.handler === 'vide') {
      if (t.format !== 'hvc1' && t.format !== 'hev1') throw new Error(`unexpected video format ${t.format}`);
      out.push({ kind: 'video', timestamp: 0, cts: 0, keyframe: true, seqHeader: true, body: hevcTag(1, 0, [t.config]) });
      for (const s of t.samples) {
        const cts = ms(s.dts + s.cto) - ms(s.dts);
        const body = hevcTag(s.sync ? 1 : 2, 1, [si24(cts), file.subarray(s.offset, s.offset + s.size)]);
        out.push({ kind: 'video', timestamp: ms(s.dts), cts, keyframe: s.sync, seqHeader: false, body });
      }
    } else if (t.handler === 'soun') {
      out.push({ kind: 'audio', timestamp: 0, cts: 0, keyframe: false, seqHeader: true, body: Buffer.concat([Buffer.from([0xaf, 0]), t.config]) });
      for (const s of t.samples) {
        const body = Buffer.concat([Buffer.from([0xaf, 1]), file.subarray(s.offset, s.offset + s.size)]);
        out.push({ kind: 'audio', timestamp: ms(s.dts), cts: 0, keyframe: false, seqHeader: false, body });
      }
    }
  }
  // stable: sequence headers (timestamp 0, pushed first per track) stay ahead of their frames
  return out
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.seqHeader === b.p.seqHeader ? a.p.timestamp - b.p.timestamp || a.i - b.i : a.p.seqHeader ? -1 : 1))
    .map((x) => x.p);
}

/** The muxer tests' real inputs: 3 s 640x360 H.264 (FLV, B-frames) and HEVC (MP4), each with AAC, GOP 30. */
export function muxSourcePackets(md: MediaDir): { h264: MediaPacket[]; hevc: MediaPacket[] } {
  const av = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '3'];
  return {
    h264: flvPackets(md.make([...av, '-c:v', 'libx264', '-g', '30', '-bf', '2', '-c:a', 'aac', '-f', 'flv'], 'in.flv')),
    hevc: mp4Packets(md.make([
      ...av, '-c:v', 'libx265', '-x265-params', 'keyint=30:min-keyint=30:bframes=2:log-level=error', '-tag:v', 'hvc1',
      '-c:a', 'aac', '-f', 'mp4',
    ], 'in-hevc.mp4')),
  };
}

import { beforeAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../../core/errors';
import { TS_CLOCK_WRAP, msTo90k, packetizePes, pesHeader } from '../../../core/format/mpegts/mpegts-pes';
import { crc32Mpeg2, patSection, pmtSection } from '../../../core/format/mpegts/mpegts-psi';
import { annexBAccessUnit } from '../../../core/format/mpegts/mpegts-video';
import { PID_AUDIO, PID_VIDEO, TsMuxer } from '../../../core/format/mpegts/mpegts';
import { MsUnwrapper, splitNalus } from '../../../core/format/codec/mux-sample';
import type { MediaPacket } from '../../../core/media/packet';
import { splitAnnexB, useMediaDir } from '../../helpers/format-media';
import { muxSourcePackets } from './mp4-source';
import { checkTs, decodeErrors, expectMuxedAv, probe, stream, writeParts } from './mux-test-utils';

/** Reads the 33-bit value of a 5-byte PES timestamp field. */
function readPesTs(b: Buffer, o: number): number {
  return ((b[o] >> 1) & 7) * 2 ** 30 + (b[o + 1] << 22) + ((b[o + 2] >> 1) << 15) + (b[o + 3] << 7) + (b[o + 4] >> 1);
}

const pkt = (p: MediaPacket): MediaPacket => p;

function muxAll(m: TsMuxer, packets: readonly MediaPacket[], tablesOnKeyframe = false): Buffer {
  const out: Buffer[] = [m.tables()];
  for (const p of packets) {
    if (tablesOnKeyframe && p.kind === 'video' && p.keyframe && !p.seqHeader) out.push(m.tables());
    out.push(m.muxPacket(p));
  }
  return Buffer.concat(out);
}

describe('MPEG-TS building blocks', () => {
  it('computes CRC-32/MPEG-2 and writes the reference PAT', () => {
    expect(crc32Mpeg2(Buffer.from('123456789'))).toBe(0x0376e6e7);
    // the PAT every ffmpeg-made TS carries (program 1 -> PMT 0x1000)
    expect(patSection().toString('hex')).toBe('00b00d0001c100000001f0002ab104b2');
    const pmt = pmtSection(0x100, [{ streamType: 0x1b, pid: 0x100 }, { streamType: 0x0f, pid: 0x101 }]);
    expect(crc32Mpeg2(pmt)).toBe(0); // a section including its CRC checks to 0
    expect(pmt.subarray(0, 12).toString('hex')).toBe('02b0170001c10000e100f000');
  });

  it('encodes PTS/DTS at 90 kHz modulo 2^33', () => {
    expect(msTo90k(1000)).toBe(90000);
    expect(msTo90k(-1)).toBe(TS_CLOCK_WRAP - 90);
    expect(msTo90k(2 ** 33 / 90 + 1)).toBe(90);
    const h = pesHeader(0xe0, TS_CLOCK_WRAP - 1, 123456789, 100);
    expect(h.subarray(0, 4).toString('hex')).toBe('000001e0');
    expect(h.readUInt16BE(4)).toBe(3 + 10 + 100);
    expect(h[7]).toBe(0xc0);
    expect(readPesTs(h, 9)).toBe(TS_CLOCK_WRAP - 1);
    expect(readPesTs(h, 14)).toBe(123456789);
    expect(h[9] >> 4).toBe(3);
    expect(h[14] >> 4).toBe(1);
    const a = pesHeader(0xc0, 5, 5, 70000);
    expect(a.length).toBe(14);
    expect(a.readUInt16BE(4)).toBe(0); // too long for the field: unbounded
  });

  it('packetizes with stuffing at every boundary size', () => {
    for (const size of [1, 175, 176, 177, 182, 183, 184, 185, 367, 368, 369, 1000]) {
      for (const pcr of [undefined, 2 ** 33 - 1]) {
        const payload = Buffer.alloc(size, 0xab);
        const { packets, cc } = packetizePes([payload.subarray(0, 3), Buffer.alloc(0), payload.subarray(3)], {
          pid: 0x100, cc: 15, pcr, randomAccess: pcr !== undefined,
        });
        const rep = checkTs(packets);
        expect(cc).toBe((15 + rep.packets) & 0x0f);
        let got = 0;
        for (let o = 0; o < packets.length; o += 188) {
          const afc = (packets[o + 3] >> 4) & 3;
          const start = o + 4 + (afc & 2 ? packets[o + 4] + 1 : 0);
          expect(packets.subarray(start, o + 188).every((x) => x === 0xab)).toBe(true);
          got += o + 188 - start;
        }
        expect(got).toBe(size);
        if (pcr !== undefined) expect(rep.pcrs).toEqual([pcr]);
      }
    }
  });

  it('builds Annex-B access units with AUD and parameter sets before IDR/IRAP', () => {
    const sps = Buffer.from([0x67, 1, 2]);
    const pps = Buffer.from([0x68, 3]);
    const idr = Buffer.from([0x65, 9, 9]);
    const aud = Buffer.from([0x09, 0xf0]);
    const key = splitAnnexB(Buffer.concat(annexBAccessUnit('H264', [aud, idr], false, [sps, pps])));
    expect(key.map((n) => n[0] & 0x1f)).toEqual([9, 7, 8, 5]);
    const own = splitAnnexB(Buffer.concat(annexBAccessUnit('H264', [sps, pps, idr], true, [Buffer.from([0x67, 7])])));
    expect(own.map((n) => n[0] & 0x1f)).toEqual([9, 7, 8, 5]);
    expect(own[1]).toEqual(sps);
    const inter = splitAnnexB(Buffer.concat(annexBAccessUnit('H264', [Buffer.from([0x41, 1])], false, [sps, pps])));
    expect(inter.map((n) => n[0] & 0x1f)).toEqual([9, 1]);
    const vps = Buffer.from([0x40, 0x01, 1]);
    const hsps = Buffer.from([0x42, 0x01, 2]);
    const hpps = Buffer.from([0x44, 0x01, 3]);
    const cra = Buffer.from([21 << 1, 0x01, 5]);
    const h = splitAnnexB(Buffer.concat(annexBAccessUnit('HEVC', [cra], false, [vps, hsps, hpps])));
    expect(h.map((n) => (n[0] >> 1) & 0x3f)).toEqual([35, 32, 33, 34, 21]);
    const trail = splitAnnexB(Buffer.concat(annexBAccessUnit('HEVC', [Buffer.from([0x02, 0x01, 7])], false, [vps, hsps, hpps])));
    expect(trail.map((n) => (n[0] >> 1) & 0x3f)).toEqual([35, 1]);
  });

  it('splits length-prefixed NAL units and rejects overruns', () => {
    const data = Buffer.from([0, 0, 0, 2, 0x65, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x41]);
    expect(splitNalus(data, 4)).toEqual([Buffer.from([0x65, 1]), Buffer.from([0x41])]);
    expect(splitNalus(Buffer.from([0, 2, 0x65, 1]), 2)).toEqual([Buffer.from([0x65, 1])]);
    expect(() => splitNalus(Buffer.from([0, 0, 0, 9, 1]), 4)).toThrow(OnAirError);
    expect(() => splitNalus(Buffer.from([0, 0, 0, 1, 1, 0]), 4)).toThrow(OnAirError);
  });

  it('unwraps 32-bit millisecond timestamps', () => {
    const u = new MsUnwrapper();
    expect([2 ** 32 - 20, 2 ** 32 - 5, 10, 2 ** 32 - 1, 30].map((t) => u.unwrap(t))).toEqual([
      2 ** 32 - 20, 2 ** 32 - 5, 2 ** 32 + 10, 2 ** 32 - 1, 2 ** 32 + 30,
    ]);
  });

  it('rejects a muxer without tracks and unconfigured audio', () => {
    expect(() => new TsMuxer({})).toThrow(OnAirError);
    const m = new TsMuxer({ audio: 'AAC' });
    expect(() => m.audio({ pts: 0, data: Buffer.alloc(4) })).toThrow(OnAirError);
    expect(m.audio({ pts: 0, data: Buffer.alloc(4), config: { objectType: 2, samplingIndex: 3, channels: 2 } }).length).toBe(188);
    expect(m.muxPacket(pkt({ kind: 'audio', timestamp: 0, cts: 0, keyframe: false, seqHeader: false, body: Buffer.from([0xaf, 1, 1]) })).length).toBe(0);
  });
});

describe('TsMuxer with real media (checked by ffprobe/ffmpeg)', () => {
  const md = useMediaDir();
  let h264: MediaPacket[];
  let hevc: MediaPacket[];
  beforeAll(() => {
    ({ h264, hevc } = muxSourcePackets(md));
  });

  const write = (name: string, data: Buffer): string => writeParts(md.dir, name, data);
  const expectAv = (file: string, codec: string, frames = 90): void => expectMuxedAv(file, codec, frames, false);

  it('H.264 (B-frames) + AAC from FLV: valid stream, CC/PCR/RAI right', () => {
    expect(h264.some((p) => p.kind === 'video' && p.cts > 0)).toBe(true); // B-frames do reorder
    const ts = muxAll(new TsMuxer({ video: 'H264', audio: 'AAC' }), h264, true);
    const rep = checkTs(ts);
    expect(rep.pcrs.length).toBe(90);
    for (let i = 1; i < rep.pcrs.length; i++) expect(rep.pcrs[i]).toBeGreaterThan(rep.pcrs[i - 1]);
    expect(rep.discontinuities).toEqual([]);
    expect(rep.randomAccess).toBe(3);
    expect(rep.pids.get(PID_VIDEO)).toBeGreaterThan(0);
    expect(rep.pids.get(PID_AUDIO)).toBeGreaterThan(0);
    expectAv(write('h264.ts', ts), 'h264');
  });

  it('a segment cut at a keyframe decodes on its own (SPS/PPS repeated before the IDR)', () => {
    const m = new TsMuxer({ video: 'H264', audio: 'AAC' });
    const segments: Buffer[][] = [];
    for (const p of h264) {
      if (segments.length === 0 || (p.kind === 'video' && p.keyframe && !p.seqHeader)) segments.push([m.tables()]);
      segments[segments.length - 1].push(m.muxPacket(p));
    }
    expect(segments.length).toBe(4); // the sequence headers' segment + 3 GOPs
    const second = write('seg2.ts', Buffer.concat(segments[2]));
    checkTs(Buffer.concat(segments[2]));
    expect(decodeErrors(second)).toBe('');
    expect(Number(stream(probe(second), 'video').nb_read_frames)).toBe(30);
  });

  it('HEVC (Enhanced RTMP hvc1 tags) + AAC: VPS/SPS/PPS before each IRAP', () => {
    const ts = muxAll(new TsMuxer({ video: 'HEVC', audio: 'AAC' }), hevc, true);
    checkTs(ts);
    expectAv(write('hevc.ts', ts), 'hevc');
  });

  it('audio-only: PCR on the audio PID', () => {
    const ts = muxAll(new TsMuxer({ audio: 'AAC' }), h264);
    const rep = checkTs(ts);
    expect(rep.pids.has(PID_VIDEO)).toBe(false);
    expect(rep.pcrs.length).toBeGreaterThan(100);
    const f = write('audio.ts', ts);
    expect(decodeErrors(f)).toBe('');
    const p = probe(f);
    expect(p.streams.length).toBe(1);
    expect(stream(p, 'audio').sample_rate).toBe('48000');
    expect(Math.abs(Number(p.format.duration) - 3)).toBeLessThan(0.1);
  });

  it('video-only and batched audio', () => {
    const v = muxAll(new TsMuxer({ video: 'H264' }), h264);
    checkTs(v);
    const f = write('video.ts', v);
    expect(decodeErrors(f)).toBe('');
    expect(Number(stream(probe(f), 'video').nb_read_frames)).toBe(90);

    const m = new TsMuxer({ audio: 'AAC' });
    const out: Buffer[] = [m.tables()];
    let batch: { pts: number; data: Buffer }[] = [];
    for (const p of h264) {
      if (p.kind !== 'audio') continue;
      if (p.seqHeader) m.muxPacket(p);
      else batch.push({ pts: p.timestamp, data: p.body.subarray(2) });
      if (batch.length === 5) {
        out.push(m.audio(batch));
        batch = [];
      }
    }
    out.push(m.audio(batch));
    const g = write('batched.ts', Buffer.concat(out));
    checkTs(Buffer.concat(out));
    expect(decodeErrors(g)).toBe('');
    expect(Math.abs(Number(probe(g).format.duration) - 3)).toBeLessThan(0.1);
  });

  it('timestamps across the 2^32 ms wrap and the 2^33 clock wrap', () => {
    for (const base of [2 ** 32 - 1500, Math.floor(2 ** 33 / 90) - 1500]) {
      const shifted = h264.map((p) => ({ ...p, timestamp: (p.timestamp + base) >>> 0 }));
      const ts = muxAll(new TsMuxer({ video: 'H264', audio: 'AAC' }), shifted);
      const rep = checkTs(ts);
      expect(rep.discontinuities).toEqual([]);
      const f = write(`wrap-${base}.ts`, ts);
      expectAv(f, 'h264');
    }
  });

  it('timestamps that jump backwards: no throw, PCR discontinuity flagged, still decodable', () => {
    const jumped = h264.map((p) => (p.timestamp >= 1500 ? { ...p, timestamp: p.timestamp - 1400 } : p));
    const ts = muxAll(new TsMuxer({ video: 'H264', audio: 'AAC' }), jumped);
    const rep = checkTs(ts);
    expect(rep.discontinuities.length).toBe(1);
    const f = write('jump.ts', ts);
    expect(Number(stream(probe(f), 'video').nb_read_frames)).toBe(90);
  });

  it('ignores packets it does not carry and odd tags', () => {
    const m = new TsMuxer({ video: 'HEVC' });
    const avc = h264.find((p) => p.kind === 'video' && !p.seqHeader);
    expect(avc).toBeDefined();
    if (!avc) return;
    expect(m.muxPacket(avc).length).toBe(0); // H.264 into an HEVC muxer
    expect(m.muxPacket({ ...avc, kind: 'data' }).length).toBe(0);
    expect(m.muxPacket(pkt({ kind: 'audio', timestamp: 0, cts: 0, keyframe: false, seqHeader: true, body: Buffer.from([0xaf, 0, 0x11, 0x90]) })).length).toBe(0);
    expect(m.muxPacket(pkt({ kind: 'video', timestamp: 0, cts: 0, keyframe: false, seqHeader: false, body: Buffer.from([0x1c, 2, 0, 0, 0]) })).length).toBe(0);
  });
});

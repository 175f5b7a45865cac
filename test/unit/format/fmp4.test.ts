import { beforeAll, describe, expect, it } from 'vitest';
import { OnAirError } from '../../../core/errors';
import { NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS, audioTrack, fragment, initSegment, videoTrack } from '../../../core/format/fmp4/fmp4';
import { Fmp4Muxer } from '../../../core/format/fmp4/fmp4-muxer';
import type { Fmp4Fragment } from '../../../core/format/fmp4/fmp4-muxer';
import type { MediaPacket } from '../../../core/media/packet';
import { useMediaDir } from '../../helpers/format-media';
import { muxSourcePackets } from './mp4-source';
import { boxes, children, decodeErrors, expectMuxedAv, find, findAll, probe, stream, writeParts } from './mux-test-utils';
import type { BoxRef } from './mux-test-utils';

interface TrunInfo {
  trackId: number;
  tfdt: number;
  version: number;
  durations: number[];
  sizes: number[];
  flags: number[];
  ctos: number[];
  dataOffset: number;
}

/** Reads every traf of a moof (first box of `frag`). */
function readMoof(frag: Buffer): { seq: number; trafs: TrunInfo[]; mdat: BoxRef } {
  const [moof, mdat] = boxes(frag);
  expect(moof.type).toBe('moof');
  expect(mdat.type).toBe('mdat');
  const mfhd = find(frag, ['mfhd'], moof);
  if (!mfhd) throw new Error('no mfhd');
  const trafs = findAll(frag, 'traf', moof).map((traf) => {
    const tfhd = find(frag, ['tfhd'], traf);
    const tfdt = find(frag, ['tfdt'], traf);
    const trun = find(frag, ['trun'], traf);
    if (!tfhd || !tfdt || !trun) throw new Error('incomplete traf');
    expect(frag.readUInt32BE(tfhd.body) & 0xffffff).toBe(0x020000); // default-base-is-moof
    expect(frag[tfdt.body]).toBe(1);
    const flags = frag.readUInt32BE(trun.body) & 0xffffff;
    const hasCto = (flags & 0x800) !== 0;
    const n = frag.readUInt32BE(trun.body + 4);
    const info: TrunInfo = {
      trackId: frag.readUInt32BE(tfhd.body + 4),
      tfdt: Number(frag.readBigUInt64BE(tfdt.body + 4)),
      version: frag[trun.body],
      durations: [], sizes: [], flags: [], ctos: [],
      dataOffset: frag.readInt32BE(trun.body + 8),
    };
    for (let i = 0; i < n; i++) {
      const o = trun.body + 12 + i * (hasCto ? 16 : 12);
      info.durations.push(frag.readUInt32BE(o));
      info.sizes.push(frag.readUInt32BE(o + 4));
      info.flags.push(frag.readUInt32BE(o + 8));
      if (hasCto) info.ctos.push(frag.readInt32BE(o + 12));
    }
    return info;
  });
  return { seq: frag.readUInt32BE(mfhd.body + 4), trafs, mdat };
}

/** Muxes packets, a fragment per GOP (or per `partFrames` video frames), final flush at the end. */
function muxFile(
  packets: readonly MediaPacket[], opts: { partFrames?: number; video?: boolean; audio?: boolean; zeroBased?: boolean } = {},
): { init: Buffer; frags: Fmp4Fragment[] } {
  const m = new Fmp4Muxer({ video: opts.video, audio: opts.audio, zeroBased: opts.zeroBased });
  let init: Buffer | null = null;
  const frags: Fmp4Fragment[] = [];
  let frames = 0;
  for (const p of packets) {
    m.push(p);
    if (!init && m.ready) init = m.init();
    if (!init || p.seqHeader) continue;
    if (p.kind === 'video' && opts.partFrames && !p.keyframe) frames++;
    if (p.kind === 'video' && (p.keyframe || (opts.partFrames && frames % opts.partFrames === 0))) {
      if (p.keyframe) frames = 0;
      const f = m.flush();
      if (f) frags.push(f);
    }
    if (opts.video === false && p.kind === 'audio' && ++frames % 40 === 0) {
      const f = m.flush();
      if (f) frags.push(f);
    }
  }
  const last = m.flush(true);
  if (last) frags.push(last);
  if (!init) throw new Error('never ready');
  return { init, frags };
}

describe('fMP4 boxes', () => {
  const avcC = Buffer.from('01640016ffe1001967640016acd940a02ff9610000030001000003003c0f162d9601000568ebecb22c', 'hex');
  const asc = Buffer.from([0x11, 0x90]); // AAC LC 48 kHz stereo

  it('writes a CMAF init segment', () => {
    const v = videoTrack('H264', avcC);
    const a = audioTrack(asc);
    expect([v.width, v.height, v.timescale, v.codecString]).toEqual([640, 360, 90000, 'avc1.640016']);
    expect([a.sampleRate, a.channels, a.timescale, a.frameDuration, a.codecString]).toEqual([48000, 2, 48000, 1024, 'mp4a.40.2']);
    const init = initSegment([v, a]);
    const [ftyp, moov] = boxes(init);
    expect(ftyp.type).toBe('ftyp');
    expect(init.toString('latin1', ftyp.body, ftyp.end)).toBe('iso6\0\0\0\0iso6cmfcisomdash');
    expect(children(init, moov).map((b) => b.type)).toEqual(['mvhd', 'trak', 'trak', 'mvex']);
    const stsd = find(init, ['trak', 'mdia', 'minf', 'stbl', 'stsd'], moov);
    if (!stsd) throw new Error('no stsd');
    const avc1 = children(init, stsd, 8)[0];
    expect(avc1.type).toBe('avc1');
    const rec = boxes(init, avc1.body + 78, avc1.end)[0];
    expect(rec.type).toBe('avcC');
    expect(init.subarray(rec.body, rec.end)).toEqual(avcC);
    expect(findAll(init, 'trex', find(init, ['mvex'], moov) ?? undefined).length).toBe(2);
    const stbl = find(init, ['trak', 'mdia', 'minf', 'stbl'], moov);
    if (!stbl) throw new Error('no stbl');
    expect(children(init, stbl).map((b) => b.type)).toEqual(['stsd', 'stts', 'stsc', 'stsz', 'stco']);
    // the ASC sits in esds as DecoderSpecificInfo (tag 5)
    expect(init.includes(Buffer.from([0x05, 0x02, 0x11, 0x90]))).toBe(true);
    expect(() => initSegment([])).toThrow(OnAirError);
    expect(() => initSegment([v, { ...a, id: 1 }])).toThrow(OnAirError);
  });

  it('writes moof/mdat with 64-bit tfdt, signed offsets and correct data offsets', () => {
    const s = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);
    const frag = fragment(7, [
      {
        trackId: 1, baseDecodeTime: 2 ** 40 + 5,
        samples: [
          { duration: 3000, data: s(10, 1), keyframe: true, cto: 6000 },
          { duration: 3000, data: s(20, 2), keyframe: false, cto: -3000 },
        ],
      },
      { trackId: 2, baseDecodeTime: 0, samples: [] },
      { trackId: 3, baseDecodeTime: 1024, samples: [{ duration: 1024, data: s(5, 3), keyframe: true }] },
    ]);
    const { seq, trafs, mdat } = readMoof(frag);
    expect(seq).toBe(7);
    expect(trafs.map((t) => t.trackId)).toEqual([1, 3]);
    const [v, a] = trafs;
    expect(v.tfdt).toBe(2 ** 40 + 5);
    expect(v.version).toBe(1);
    expect(v.ctos).toEqual([6000, -3000]);
    expect(v.flags).toEqual([SYNC_SAMPLE_FLAGS, NON_SYNC_SAMPLE_FLAGS]);
    expect(a.ctos).toEqual([]);
    expect(a.version).toBe(0);
    expect(frag[v.dataOffset]).toBe(1);
    expect(frag[v.dataOffset + 10]).toBe(2);
    expect(frag[a.dataOffset]).toBe(3);
    expect(a.dataOffset).toBe(v.dataOffset + 30);
    expect(mdat.end).toBe(frag.length);
    expect(mdat.body).toBe(v.dataOffset);
    expect(() => fragment(1, [{ trackId: 1, baseDecodeTime: 0, samples: [] }])).toThrow(OnAirError);
  });
});

describe('Fmp4Muxer with real media (checked by ffprobe/ffmpeg)', () => {
  const md = useMediaDir();
  let h264: MediaPacket[];
  let hevc: MediaPacket[];
  beforeAll(() => {
    ({ h264, hevc } = muxSourcePackets(md));
  });

  const write = (name: string, ...parts: Buffer[]): string => writeParts(md.dir, name, ...parts);
  const expectAv = (file: string, codec: string, frames = 90): void => expectMuxedAv(file, codec, frames, true);

  /** Decode times continue exactly from fragment to fragment, per track. */
  function expectContinuous(frags: readonly Fmp4Fragment[]): void {
    const next = new Map<number, number>();
    let seq = 0;
    for (const f of frags) {
      const r = readMoof(f.data);
      expect(r.seq).toBe(++seq);
      for (const t of r.trafs) {
        const want = next.get(t.trackId);
        if (want !== undefined) expect(t.tfdt).toBe(want);
        for (const d of t.durations) expect(d).toBeGreaterThan(0);
        next.set(t.trackId, t.tfdt + t.durations.reduce((x, y) => x + y, 0));
      }
    }
  }

  it('H.264 (B-frames) + AAC, a fragment per GOP', () => {
    const { init, frags } = muxFile(h264);
    expect(frags.length).toBe(3);
    expect(frags.every((f) => f.independent)).toBe(true);
    expect(frags.map((f) => Math.round(f.duration))).toEqual([1000, 1000, 1000]);
    const first = readMoof(frags[0].data).trafs[0];
    expect(first.ctos.some((c) => c > 0)).toBe(true);
    // FLV milliseconds: 33 or 34 ms per frame, 30 frames = exactly 1 s
    expect(first.durations.every((d) => d === 2970 || d === 3060)).toBe(true);
    expect(first.durations.reduce((x, y) => x + y, 0)).toBe(90000);
    const audio = readMoof(frags[0].data).trafs[1];
    expect(audio.durations.every((d) => d === 1024)).toBe(true);
    expectContinuous(frags);
    expectAv(write('gop.mp4', init, ...frags.map((f) => f.data)), 'h264');
  });

  it('LL-HLS-sized parts (3 frames each) and a crash-truncated recording', () => {
    const { init, frags } = muxFile(h264, { partFrames: 3 });
    expect(frags.length).toBeGreaterThanOrEqual(30);
    expect(frags.filter((f) => f.independent).length).toBe(3);
    expectContinuous(frags);
    expectAv(write('parts.mp4', init, ...frags.map((f) => f.data)), 'h264');
    // a recording cut short in the middle of its last fragment plays up to the last complete one
    const whole = frags.slice(0, 20).map((f) => f.data);
    const cut = frags[20].data.subarray(0, frags[20].data.length >> 1);
    const f = write('cut.mp4', init, ...whole, cut);
    const v = stream(probe(f), 'video');
    const complete = whole.reduce((n, b) => n + readMoof(b).trafs[0].sizes.length, 0);
    expect(Number(v.nb_read_frames)).toBeGreaterThanOrEqual(complete);
    expect(Number(v.nb_read_frames)).toBeLessThanOrEqual(complete + 3);
  });

  it('HEVC (Enhanced RTMP hvc1 tags) + AAC', () => {
    const { init, frags } = muxFile(hevc);
    expect(find(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])).not.toBeNull();
    expect(init.includes(Buffer.from('hvcC', 'latin1'))).toBe(true);
    expectContinuous(frags);
    expectAv(write('hevc.mp4', init, ...frags.map((f) => f.data)), 'hevc');
  });

  it('audio-only and video-only', () => {
    const a = muxFile(h264, { video: false });
    expect(a.frags.every((f) => f.independent)).toBe(true);
    expectContinuous(a.frags);
    const fa = write('audio.mp4', a.init, ...a.frags.map((f) => f.data));
    expect(decodeErrors(fa)).toBe('');
    const pa = probe(fa);
    expect(pa.streams.map((s) => s.codec_name)).toEqual(['aac']);
    expect(Math.abs(Number(pa.format.duration) - 3)).toBeLessThan(0.1);

    const v = muxFile(h264, { audio: false });
    const fv = write('video.mp4', v.init, ...v.frags.map((f) => f.data));
    expect(decodeErrors(fv)).toBe('');
    const pv = probe(fv);
    expect(pv.streams.map((s) => s.codec_name)).toEqual(['h264']);
    expect(Number(pv.streams[0].nb_read_frames)).toBe(90);
  });

  it('timestamps across the 2^32 ms wrap: 64-bit tfdt, continuous', () => {
    const base = 2 ** 32 - 1500;
    const { init, frags } = muxFile(h264.map((p) => ({ ...p, timestamp: (p.timestamp + base) >>> 0 })));
    expectContinuous(frags);
    const last = readMoof(frags[frags.length - 1].data).trafs[0];
    expect(last.tfdt).toBeGreaterThan(2 ** 32 * 90);
    expectAv(write('wrap.mp4', init, ...frags.map((f) => f.data)), 'h264');
  });

  it('zero-based timeline for recordings', () => {
    const base = 2 ** 32 - 1500;
    const { init, frags } = muxFile(h264.map((p) => ({ ...p, timestamp: (p.timestamp + base) >>> 0 })), { zeroBased: true });
    expectContinuous(frags);
    const [v, a] = readMoof(frags[0].data).trafs;
    expect(v.tfdt).toBe(0);
    expect(a.tfdt).toBeLessThan(0.1 * 48000); // this FLV's audio starts 46 ms after its video
    const f = write('zero.mp4', init, ...frags.map((x) => x.data));
    expectAv(f, 'h264');
    expect(Math.abs(Number(probe(f).format.duration) - 3)).toBeLessThan(0.1);
  });

  it('timestamps that jump backwards: decode times keep increasing', () => {
    const jumped = h264.map((p) => (p.timestamp >= 1500 ? { ...p, timestamp: p.timestamp - 1400 } : p));
    const { init, frags } = muxFile(jumped);
    expectContinuous(frags);
    const f = write('jump.mp4', init, ...frags.map((x) => x.data));
    expect(decodeErrors(f)).toBe('');
    expect(Number(stream(probe(f), 'video').nb_read_frames)).toBe(90);
  });

  it('drops video before the first keyframe, waits for wanted tracks, and reports config changes', () => {
    const m = new Fmp4Muxer();
    const seqV = h264.find((p) => p.kind === 'video' && p.seqHeader);
    const seqA = h264.find((p) => p.kind === 'audio' && p.seqHeader);
    const frames = h264.filter((p) => p.kind === 'video' && !p.seqHeader);
    if (!seqV || !seqA) throw new Error('no sequence headers');
    m.push(seqV);
    expect(m.ready).toBe(false);
    m.push(seqA);
    expect(m.ready).toBe(true);
    m.init();
    m.push(frames[1]); // not a keyframe: dropped
    expect(m.flush(true)).toBeNull();
    m.push(frames[0]);
    m.push(frames[1]);
    expect(readMoof(m.flush()?.data ?? Buffer.alloc(0)).trafs[0].sizes.length).toBe(1);
    m.push(seqV); // same record: no change
    expect(m.configChanged).toBe(false);
    const other = Buffer.from(seqV.body);
    other[other.length - 1] ^= 1; // a different PPS byte
    m.push({ ...seqV, body: other });
    expect(m.configChanged).toBe(true);
    expect(readMoof(m.flush(true)?.data ?? Buffer.alloc(0)).trafs[0].sizes.length).toBe(1);
    m.init();
    expect(m.configChanged).toBe(false);
    expect(() => new Fmp4Muxer({ video: false, audio: false })).toThrow(OnAirError);
  });
});

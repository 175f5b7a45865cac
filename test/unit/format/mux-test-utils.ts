/** Helpers for the muxer tests: foreign-tool verification (ffprobe/ffmpeg), TS checks, MP4 box reading. */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FLV_AUDIO, FLV_VIDEO, FlvDemuxer } from '../../../core/format/flv/flv';
import { parseAudioTag, parseVideoTag } from '../../../core/format/flv/video-tag';
import type { MediaPacket } from '../../../core/media/packet';
import type { ProbeStream as FfprobeStream } from '../../helpers/ffmpeg';
import { bundledBinary, ffmpegPath } from '../../helpers/format-media';

export function ffprobePath(): string {
  return bundledBinary('ffprobe');
}

export interface ProbeStream extends FfprobeStream {
  nb_read_frames?: string;
}

export interface Probe {
  streams: ProbeStream[];
  format: { duration?: string; start_time?: string; format_name: string };
}

export function probe(file: string): Probe {
  const out = execFileSync(ffprobePath(), ['-v', 'error', '-show_streams', '-show_format', '-count_frames', '-of', 'json', file], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as Probe;
}

/** stderr of a full decode with `-v error` (empty when the decoder found nothing wrong). */
export function decodeErrors(file: string): string {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  if (r.status !== 0) return `exit ${r.status}: ${r.stderr}`;
  return r.stderr.trim();
}

export function stream(p: Probe, type: 'video' | 'audio'): ProbeStream {
  const s = p.streams.find((x) => x.codec_type === type);
  if (!s) throw new Error(`no ${type} stream in ${JSON.stringify(p.streams.map((x) => x.codec_type))}`);
  return s;
}

/** Writes `parts` to `dir/name` and returns the path (for ffprobe/ffmpeg to read). */
export function writeParts(dir: string, name: string, ...parts: Buffer[]): string {
  const f = join(dir, name);
  writeFileSync(f, Buffer.concat(parts));
  return f;
}

/**
 * A muxed copy of the muxSourcePackets input decodes cleanly: 640x360 `codec` with `frames` frames, AAC 48 kHz, 3 s.
 * `fragmented`: ffmpeg reports a fragmented file's duration as its end time, so the start is taken off.
 */
export function expectMuxedAv(file: string, codec: string, frames: number, fragmented: boolean): void {
  expect(decodeErrors(file)).toBe('');
  const p = probe(file);
  const duration = Number(p.format.duration) - (fragmented ? Number(p.format.start_time) : 0);
  const v = stream(p, 'video');
  expect(v.codec_name).toBe(codec);
  expect([v.width, v.height]).toEqual([640, 360]);
  expect(Number(v.nb_read_frames)).toBe(frames);
  const a = stream(p, 'audio');
  expect(a.codec_name).toBe('aac');
  expect(a.sample_rate).toBe('48000');
  expect(Math.abs(duration - 3)).toBeLessThan(0.1);
}

/** FLV bytes to MediaPackets, the way ingest builds them. */
export function flvPackets(flv: Buffer): MediaPacket[] {
  const tags = new FlvDemuxer().push(flv);
  const out: MediaPacket[] = [];
  for (const t of tags) {
    if (t.type === FLV_VIDEO) {
      const v = parseVideoTag(t.body);
      out.push({ kind: 'video', timestamp: t.timestamp, cts: v.cts, keyframe: v.keyframe, seqHeader: v.seqHeader, body: t.body });
    } else if (t.type === FLV_AUDIO) {
      const a = parseAudioTag(t.body);
      out.push({ kind: 'audio', timestamp: t.timestamp, cts: 0, keyframe: false, seqHeader: a.seqHeader, body: t.body });
    }
  }
  return out;
}

export interface TsReport {
  packets: number;
  /** PIDs seen, with their packet counts */
  pids: Map<number, number>;
  /** PCR bases in order of appearance */
  pcrs: number[];
  /** PCRs flagged with discontinuity_indicator (indexes into pcrs) */
  discontinuities: number[];
  randomAccess: number;
}

/** Walks a TS byte stream; throws on a missing sync byte or a continuity counter that jumps. */
export function checkTs(ts: Buffer): TsReport {
  if (ts.length % 188 !== 0) throw new Error(`TS length ${ts.length} is not a multiple of 188`);
  const cc = new Map<number, number>();
  const rep: TsReport = { packets: 0, pids: new Map(), pcrs: [], discontinuities: [], randomAccess: 0 };
  for (let o = 0; o < ts.length; o += 188) {
    if (ts[o] !== 0x47) throw new Error(`packet at ${o} does not start with 0x47`);
    const pid = ((ts[o + 1] & 0x1f) << 8) | ts[o + 2];
    const afc = (ts[o + 3] >> 4) & 3;
    const c = ts[o + 3] & 0x0f;
    if (afc & 1) {
      const prev = cc.get(pid);
      if (prev !== undefined && c !== ((prev + 1) & 0x0f)) throw new Error(`CC jump on PID ${pid} at ${o}: ${prev} -> ${c}`);
      cc.set(pid, c);
    }
    if (afc & 2) {
      const len = ts[o + 4];
      if (afc === 2 && len !== 183) throw new Error('adaptation-only packet with a short field');
      if (len > 0) {
        const flags = ts[o + 5];
        if (flags & 0x40) rep.randomAccess++;
        if (flags & 0x10) {
          const base = ts.readUInt32BE(o + 6) * 2 + (ts[o + 10] >> 7);
          if (flags & 0x80) rep.discontinuities.push(rep.pcrs.length);
          rep.pcrs.push(base);
        }
      }
    }
    rep.pids.set(pid, (rep.pids.get(pid) ?? 0) + 1);
    rep.packets++;
  }
  return rep;
}

export interface BoxRef {
  type: string;
  start: number;
  end: number;
  /** first payload byte */
  body: number;
}

export function boxes(b: Buffer, start = 0, end = b.length): BoxRef[] {
  const out: BoxRef[] = [];
  let o = start;
  while (o + 8 <= end) {
    let size = b.readUInt32BE(o);
    let body = o + 8;
    if (size === 1) {
      size = Number(b.readBigUInt64BE(o + 8));
      body = o + 16;
    } else if (size === 0) size = end - o;
    if (size < 8 || o + size > end) throw new Error(`bad box size ${size} at ${o}`);
    out.push({ type: b.toString('latin1', o + 4, o + 8), start: o, end: o + size, body });
    o += size;
  }
  return out;
}

/** Children of a container box; `skip` bytes of the payload come first (stsd: 8, sample entries: their header). */
export function children(b: Buffer, parent: BoxRef, skip = 0): BoxRef[] {
  return boxes(b, parent.body + skip, parent.end);
}

/** The first box along a path such as ['moov', 'trak', 'mdia']; `null` when absent. */
export function find(b: Buffer, path: string[], within?: BoxRef): BoxRef | null {
  let list = within ? children(b, within) : boxes(b);
  let cur: BoxRef | null = null;
  for (const t of path) {
    cur = list.find((x) => x.type === t) ?? null;
    if (!cur) return null;
    list = cur.type === 'stsd' ? children(b, cur, 8) : safeChildren(b, cur);
  }
  return cur;
}

function safeChildren(b: Buffer, r: BoxRef): BoxRef[] {
  try {
    return children(b, r);
  } catch {
    return [];
  }
}

export function findAll(b: Buffer, type: string, within?: BoxRef): BoxRef[] {
  return (within ? children(b, within) : boxes(b)).filter((x) => x.type === type);
}

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OnAirError } from '../errors';
import { runTool } from '../ffmpeg/run';
import type { PlannedRendition } from './ladder';
import { fileArg } from './probe';

/** Measured facts about one finished rendition: what the master playlist says about it. */
export interface RenditionStats {
  name: string;
  width: number;
  height: number;
  playlistFile: string;
  /** peak segment bitrate, bits/s */
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
  duration: number;
  segments: number;
  fps: number | null;
}

interface PlaylistSegment {
  file: string;
  duration: number;
}

/** EXTINF durations and URIs of a media playlist. */
export function parseMediaPlaylist(text: string): PlaylistSegment[] {
  const out: PlaylistSegment[] = [];
  let pending: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== null) {
      out.push({ file: line, duration: pending });
      pending = null;
    }
  }
  return out;
}

/** "avc1.PPCCLL" from the first SPS NAL unit in an Annex-B byte stream, or null. */
export function avcCodecFromAnnexB(buf: Buffer): string | null {
  for (let i = 0; i + 7 < buf.length; i++) {
    if (buf[i] !== 0 || buf[i + 1] !== 0) continue;
    let j: number;
    if (buf[i + 2] === 1) j = i + 3;
    else if (buf[i + 2] === 0 && buf[i + 3] === 1) j = i + 4;
    else continue;
    if (j + 3 >= buf.length) return null;
    if ((buf[j] & 0x1f) === 7) {
      const hex = (b: number): string => b.toString(16).padStart(2, '0');
      return `avc1.${hex(buf[j + 1])}${hex(buf[j + 2])}${hex(buf[j + 3])}`;
    }
  }
  return null;
}

/** Read the H.264 profile/constraints/level actually written, from the first segment's SPS. */
async function probeAvcCodec(ffmpeg: string, segment: string, signal?: AbortSignal): Promise<string | null> {
  const r = await runTool(ffmpeg, ['-v', 'error', '-nostdin', '-i', fileArg(segment), '-map', '0:v:0', '-c', 'copy', '-frames:v', '1', '-f', 'h264', 'pipe:1'], {
    captureStdout: 512 * 1024,
    timeoutMs: 20_000,
    signal,
  }).done;
  return r.code === 0 ? avcCodecFromAnnexB(r.stdout) : null;
}

/** Sizes, durations and codecs of every rendition in the work folder. */
export async function measureRenditions(
  ffmpeg: string,
  workDir: string,
  renditions: readonly PlannedRendition[],
  o: { hasAudio: boolean; fps: number | null; signal?: AbortSignal },
): Promise<RenditionStats[]> {
  const out: RenditionStats[] = [];
  for (const r of renditions) {
    const playlistFile = path.join(workDir, `${r.name}.m3u8`);
    let text: string;
    try {
      text = readFileSync(playlistFile, 'utf8');
    } catch (e) {
      throw new OnAirError('IO', `rendition ${r.name}: playlist missing after ffmpeg finished`, e);
    }
    const segs = parseMediaPlaylist(text);
    if (segs.length === 0) throw new OnAirError('IO', `rendition ${r.name}: no segments written`);
    let bytes = 0;
    let peak = 0;
    let duration = 0;
    for (const s of segs) {
      const size = statSync(path.join(workDir, s.file)).size;
      bytes += size;
      duration += s.duration;
      // very short trailing segments overstate the rate; count them at >= 1 s
      if (s.duration > 0) peak = Math.max(peak, (size * 8) / Math.max(s.duration, Math.min(1, duration)));
    }
    const avc = (await probeAvcCodec(ffmpeg, path.join(workDir, segs[0].file), o.signal)) ?? fallbackCodec(r);
    const avg = duration > 0 ? Math.round((bytes * 8) / duration) : 0;
    out.push({
      name: r.name,
      width: r.width,
      height: r.height,
      playlistFile,
      bandwidth: Math.max(Math.round(peak), avg),
      averageBandwidth: avg,
      codecs: o.hasAudio ? `${avc},mp4a.40.2` : avc,
      duration,
      segments: segs.length,
      fps: o.fps,
    });
  }
  return out;
}

/** From the forced profile/level, when the SPS cannot be read back. */
function fallbackCodec(r: PlannedRendition): string {
  const profile = r.profile === 'high' ? '6400' : '4d40';
  const level = Math.round(Number.parseFloat(r.level) * 10);
  return `avc1.${profile}${level.toString(16).padStart(2, '0')}`;
}

/** The master playlist text, highest rendition first. */
export function masterPlaylist(stats: readonly RenditionStats[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const s of [...stats].sort((a, b) => b.bandwidth - a.bandwidth)) {
    const attrs = [
      `BANDWIDTH=${s.bandwidth}`,
      `AVERAGE-BANDWIDTH=${s.averageBandwidth}`,
      `RESOLUTION=${s.width}x${s.height}`,
      ...(s.fps ? [`FRAME-RATE=${s.fps.toFixed(3)}`] : []),
      `CODECS="${s.codecs}"`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, path.basename(s.playlistFile));
  }
  return lines.join('\n') + '\n';
}

export const MASTER_NAME = 'index.m3u8';

export function writeMasterPlaylist(workDir: string, stats: readonly RenditionStats[]): string {
  const file = path.join(workDir, MASTER_NAME);
  writeFileSync(file, masterPlaylist(stats));
  return file;
}

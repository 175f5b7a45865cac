import type { CmafSegment } from './cmaf-segmenter';
import type { TsSegment } from './ts-segmenter';

const sec = (ms: number): string => (ms / 1000).toFixed(3);
const pdt = (ms: number): string => new Date(ms).toISOString();

/** Appended to every URI when the playlist itself was requested with a signed URL. */
export type UriSuffix = string;

export function tsPlaylist(segs: readonly TsSegment[], o: { mediaSequence: number; discontinuitySequence: number; segmentMs: number; ended: boolean; suffix: UriSuffix }): string {
  const target = Math.max(Math.ceil(o.segmentMs / 1000), ...segs.map((s) => Math.round(s.duration / 1000)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${o.mediaSequence}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${o.discontinuitySequence}`];
  segs.forEach((s, i) => {
    if (s.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${pdt(s.pdt)}`, `#EXTINF:${sec(s.duration)},`, `seg-${s.seq}.ts${o.suffix}`);
  });
  if (o.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

export interface LlOptions {
  mediaSequence: number;
  discontinuitySequence: number;
  segmentMs: number;
  partMs: number;
  ended: boolean;
  suffix: UriSuffix;
  /** segments (from the end) whose parts are listed */
  partSegments?: number;
}

/** LL-HLS media playlist (RFC 8216bis): parts of the last segments, a preload hint, blocking reload. */
export function llPlaylist(segs: readonly CmafSegment[], o: LlOptions): string {
  const done = segs.filter((s) => s.complete);
  const target = Math.max(Math.ceil(o.segmentMs / 1000), ...done.map((s) => Math.round(s.duration / 1000)));
  const partTarget = o.partMs / 1000;
  const lines = [
    '#EXTM3U', '#EXT-X-VERSION:9', `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(partTarget * 3).toFixed(3)}`,
    `#EXT-X-PART-INF:PART-TARGET=${partTarget.toFixed(3)}`,
    `#EXT-X-MEDIA-SEQUENCE:${o.mediaSequence}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${o.discontinuitySequence}`,
  ];
  const withParts = o.partSegments ?? 3;
  let map = -1;
  segs.forEach((s, i) => {
    if (s.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
    if (s.initId !== map) {
      lines.push(`#EXT-X-MAP:URI="init-${s.initId}.mp4${o.suffix}"`);
      map = s.initId;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${pdt(s.pdt)}`);
    if (i >= segs.length - withParts) {
      for (const p of s.parts) {
        lines.push(`#EXT-X-PART:DURATION=${sec(p.duration)},URI="part-${s.seq}.${p.index}.m4s${o.suffix}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
      }
    }
    if (s.complete) lines.push(`#EXTINF:${sec(s.duration)},`, `seg-${s.seq}.m4s${o.suffix}`);
  });
  const last = segs[segs.length - 1];
  if (o.ended) lines.push('#EXT-X-ENDLIST');
  else if (last) {
    const hint = last.complete ? `part-${last.seq + 1}.0.m4s` : `part-${last.seq}.${last.parts.length}.m4s`;
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${hint}${o.suffix}"`);
  }
  return lines.join('\n') + '\n';
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const dur = (ms: number): string => `PT${(ms / 1000).toFixed(3)}S`;

export interface MpdTrack {
  kind: 'video' | 'audio';
  /** file prefix: "dash-v" / "dash-a" */
  prefix: string;
  segments: readonly CmafSegment[];
  codecs: string;
  width: number;
  height: number;
  bandwidth: number;
}

export interface MpdOptions {
  segmentMs: number;
  ended: boolean;
  suffix: UriSuffix;
  now: number;
}

function currentRun(all: readonly CmafSegment[]): CmafSegment[] {
  const done = all.filter((s) => s.complete);
  const initId = done[done.length - 1]?.initId ?? 0;
  return done.filter((s) => s.initId === initId);
}

/**
 * A dynamic (live) MPD: one AdaptationSet per track (separate video and audio CMAF tracks, as DASH players
 * expect), SegmentTemplate + SegmentTimeline in ms, over the segments of each track's current init.
 */
export function dashMpd(tracks: readonly MpdTrack[], o: MpdOptions): string {
  const runs = tracks.map((t) => ({ t, segs: currentRun(t.segments) }));
  const anchor = runs.map((r) => r.segs[0]).filter(Boolean).sort((a, b) => a.pdt - b.pdt)[0];
  const ast = anchor ? anchor.pdt - anchor.startTime : o.now;
  const total = Math.max(0, ...runs.map((r) => r.segs.reduce((a, s) => a + s.duration, 0)));
  const sets = runs.map(({ t, segs }, i) => {
    const first = segs[0];
    const initId = first?.initId ?? 0;
    const timeline = segs.map((s) => `<S t="${Math.round(s.startTime)}" d="${Math.round(s.duration)}"/>`).join('');
    const dims = t.kind === 'video' && t.width > 0 ? ` width="${t.width}" height="${t.height}"` : '';
    return [
      `<AdaptationSet id="${i}" contentType="${t.kind}" mimeType="${t.kind}/mp4" segmentAlignment="true" startWithSAP="1">`,
      `<Representation id="${t.kind}" codecs="${esc(t.codecs)}" bandwidth="${Math.max(1, Math.round(t.bandwidth))}"${dims}>`,
      `<SegmentTemplate timescale="1000" startNumber="${first?.seq ?? 0}" initialization="${t.prefix}-init-${initId}.mp4${esc(o.suffix)}" media="${t.prefix}-seg-$Number$.m4s${esc(o.suffix)}">`,
      `<SegmentTimeline>${timeline}</SegmentTimeline>`,
      '</SegmentTemplate>',
      '</Representation>',
      '</AdaptationSet>',
    ].join('\n');
  });
  const head = o.ended
    ? ` type="static" mediaPresentationDuration="${dur(total)}"`
    : ` type="dynamic" availabilityStartTime="${new Date(ast).toISOString()}" publishTime="${new Date(o.now).toISOString()}" minimumUpdatePeriod="${dur(o.segmentMs)}" timeShiftBufferDepth="${dur(Math.max(total, o.segmentMs))}" suggestedPresentationDelay="${dur(o.segmentMs * 2)}"`;
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011"${head} minBufferTime="${dur(o.segmentMs)}">`,
    '<Period id="0" start="PT0S">',
    ...sets,
    '</Period>',
    '</MPD>',
    '',
  ].join('\n');
}

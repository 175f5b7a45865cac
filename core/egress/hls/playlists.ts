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

export interface MpdOptions {
  codecs: string;
  width: number;
  height: number;
  bandwidth: number;
  segmentMs: number;
  ended: boolean;
  suffix: UriSuffix;
  now: number;
}

/** A dynamic (live) MPD over the CMAF segments of the current init, SegmentTemplate + SegmentTimeline. */
export function dashMpd(all: readonly CmafSegment[], o: MpdOptions): string {
  const done = all.filter((s) => s.complete);
  const initId = done[done.length - 1]?.initId ?? 0;
  const segs = done.filter((s) => s.initId === initId);
  const first = segs[0];
  const ast = first ? first.pdt : o.now;
  const pto = first ? first.startTime : 0;
  const total = segs.reduce((a, s) => a + s.duration, 0);
  const timeline = segs.map((s) => `<S t="${s.startTime}" d="${s.duration}"/>`).join('');
  const video = o.width > 0 ? ` width="${o.width}" height="${o.height}"` : '';
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="${o.ended ? 'static' : 'dynamic'}"` +
      (o.ended ? ` mediaPresentationDuration="${dur(total)}"` : ` availabilityStartTime="${new Date(ast).toISOString()}" publishTime="${new Date(o.now).toISOString()}" minimumUpdatePeriod="${dur(o.segmentMs)}" timeShiftBufferDepth="${dur(Math.max(total, o.segmentMs))}" suggestedPresentationDelay="${dur(o.segmentMs * 2)}"`) +
      ` minBufferTime="${dur(o.segmentMs)}">`,
    '<Period id="0" start="PT0S">',
    `<AdaptationSet id="0" mimeType="${o.width > 0 ? 'video' : 'audio'}/mp4" segmentAlignment="true" startWithSAP="1">`,
    `<Representation id="0" codecs="${esc(o.codecs)}" bandwidth="${Math.max(1, Math.round(o.bandwidth))}"${video}>`,
    `<SegmentTemplate timescale="1000" presentationTimeOffset="${pto}" startNumber="${first?.seq ?? 0}" initialization="init-${initId}.mp4${esc(o.suffix)}" media="seg-$Number$.m4s${esc(o.suffix)}">`,
    `<SegmentTimeline>${timeline}</SegmentTimeline>`,
    '</SegmentTemplate>',
    '</Representation>',
    '</AdaptationSet>',
    '</Period>',
    '</MPD>',
    '',
  ].join('\n');
}

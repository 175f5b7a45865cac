import type { CmafSegment } from './cmaf-segmenter';
import type { TsSegment } from './ts-segmenter';

const sec = (ms: number): string => (ms / 1000).toFixed(3);
const pdt = (ms: number): string => new Date(ms).toISOString();

/** Appended to every URI when the playlist itself was requested with a signed URL. */
export type UriSuffix = string;

/** URL names: every one carries the epoch of the packager that made it, so a URL never changes its bytes. */
export const names = {
  ts: (epoch: string, seq: number): string => `seg-${epoch}-${seq}.ts`,
  init: (epoch: string, id: number): string => `init-${epoch}-${id}.mp4`,
  seg: (epoch: string, seq: number): string => `seg-${epoch}-${seq}.m4s`,
  part: (epoch: string, seq: number, i: number): string => `part-${epoch}-${seq}.${i}.m4s`,
};

export interface TsOptions {
  epoch: string;
  mediaSequence: number;
  discontinuitySequence: number;
  /** EXT-X-TARGETDURATION, ms (fixed for the life of the playlist) */
  targetMs: number;
  ended: boolean;
  suffix: UriSuffix;
}

/**
 * A segment's discontinuity is tagged even when it is first in the window: DISCONTINUITY-SEQUENCE counts the
 * discontinuous segments that already left it (RFC 8216 §6.2.2), so every segment keeps its number.
 */
export function tsPlaylist(segs: readonly TsSegment[], o: TsOptions): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.round(o.targetMs / 1000)}`, `#EXT-X-MEDIA-SEQUENCE:${o.mediaSequence}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${o.discontinuitySequence}`];
  segs.forEach((s) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${pdt(s.pdt)}`, `#EXTINF:${sec(s.duration)},`, names.ts(o.epoch, s.seq) + o.suffix);
  });
  if (o.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

export interface LlOptions {
  epoch: string;
  mediaSequence: number;
  discontinuitySequence: number;
  targetMs: number;
  /** PART-TARGET, ms */
  partMs: number;
  ended: boolean;
  suffix: UriSuffix;
  /** segments (from the end) whose parts are listed */
  partSegments?: number;
}

/**
 * LL-HLS media playlist (RFC 8216bis): parts of the last segments, a preload hint, blocking reload. An open
 * segment with no part yet is left out (no trailing tags), except for the preload hint of its first part.
 */
export function llPlaylist(segs: readonly CmafSegment[], o: LlOptions): string {
  const partTarget = o.partMs / 1000;
  const lines = [
    '#EXTM3U', '#EXT-X-VERSION:9', `#EXT-X-TARGETDURATION:${Math.round(o.targetMs / 1000)}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(partTarget * 3).toFixed(3)}`,
    `#EXT-X-PART-INF:PART-TARGET=${partTarget.toFixed(3)}`,
    `#EXT-X-MEDIA-SEQUENCE:${o.mediaSequence}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${o.discontinuitySequence}`,
  ];
  const withParts = o.partSegments ?? 3;
  let map = -1;
  segs.forEach((s, i) => {
    if (!s.complete && s.parts.length === 0) return;
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.initId !== map) {
      lines.push(`#EXT-X-MAP:URI="${names.init(o.epoch, s.initId)}${o.suffix}"`);
      map = s.initId;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${pdt(s.pdt)}`);
    if (i >= segs.length - withParts) {
      for (const p of s.parts) {
        lines.push(`#EXT-X-PART:DURATION=${sec(p.duration)},URI="${names.part(o.epoch, s.seq, p.index)}${o.suffix}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
      }
    }
    if (s.complete) lines.push(`#EXTINF:${sec(s.duration)},`, names.seg(o.epoch, s.seq) + o.suffix);
  });
  const last = segs[segs.length - 1];
  if (o.ended) lines.push('#EXT-X-ENDLIST');
  else if (last) {
    const hint = last.complete ? names.part(o.epoch, last.seq + 1, 0) : names.part(o.epoch, last.seq, last.parts.length);
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${hint}${o.suffix}"`);
  }
  return lines.join('\n') + '\n';
}

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
export const dur = (ms: number): string => `PT${(ms / 1000).toFixed(3)}S`;

export interface MpdTrack {
  kind: 'video' | 'audio';
  /** file prefix: "dash-v" / "dash-a" */
  prefix: string;
  epoch: string;
  /** SegmentTimeline timescale: 90 kHz video, the sample rate for audio (no rounding gaps) */
  timescale: number;
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
  /** wall-clock ms of presentation time 0: the stream's one anchor (WallClock.availabilityStart) */
  availabilityStart: number;
  /** absolute URL of our ISO time route, for <UTCTiming> */
  timeUrl: string;
}

/** The complete segments of the newest init (the MPD's one Period describes them). */
export function currentRun(all: readonly CmafSegment[]): CmafSegment[] {
  const done = all.filter((s) => s.complete);
  const initId = done[done.length - 1]?.initId ?? 0;
  return done.filter((s) => s.initId === initId);
}

/**
 * A dynamic (live) MPD: one Period, one AdaptationSet per track (separate video and audio CMAF tracks, as DASH
 * players expect), SegmentTemplate + SegmentTimeline over the segments of each track's current init.
 * Presentation time is the stream's wall clock minus availabilityStartTime: a publisher reconnect leaves a gap
 * in the timeline as long as the time lost (players jump it), so AST + S@t stays each segment's real time.
 * A codec change (new init) starts a new Period id. <UTCTiming> points at our /time route.
 */
export function dashMpd(tracks: readonly MpdTrack[], o: MpdOptions): string {
  const runs = tracks.map((t) => ({ t, segs: currentRun(t.segments) }));
  const total = Math.max(0, ...runs.map((r) => r.segs.reduce((a, s) => a + s.duration, 0)));
  const sets = runs.map(({ t, segs }, i) => {
    const first = segs[0];
    const initId = first?.initId ?? 0;
    const tick = (ms: number): number => Math.round((ms * t.timescale) / 1000);
    const timeline = segs.map((s) => {
      const start = tick(s.startTime);
      return `<S t="${start}" d="${tick(s.startTime + s.duration) - start}"/>`;
    }).join('');
    const dims = t.kind === 'video' && t.width > 0 ? ` width="${t.width}" height="${t.height}"` : '';
    return [
      `<AdaptationSet id="${i}" contentType="${t.kind}" mimeType="${t.kind}/mp4" segmentAlignment="true" startWithSAP="1">`,
      `<Representation id="${t.kind}" codecs="${esc(t.codecs)}" bandwidth="${Math.max(1, Math.round(t.bandwidth))}"${dims}>`,
      `<SegmentTemplate timescale="${t.timescale}"${o.ended && first ? ` presentationTimeOffset="${tick(first.startTime)}"` : ''} startNumber="${first?.seq ?? 0}" initialization="${t.prefix}-init-${t.epoch}-${initId}.mp4${esc(o.suffix)}" media="${t.prefix}-seg-${t.epoch}-$Number$.m4s${esc(o.suffix)}">`,
      `<SegmentTimeline>${timeline}</SegmentTimeline>`,
      '</SegmentTemplate>',
      '</Representation>',
      '</AdaptationSet>',
    ].join('\n');
  });
  const periodId = runs.map((r) => `${r.t.prefix}-${r.t.epoch}-${r.segs[0]?.initId ?? 0}`).join('.');
  const head = o.ended
    ? ` type="static" mediaPresentationDuration="${dur(total)}"`
    : ` type="dynamic" availabilityStartTime="${new Date(o.availabilityStart).toISOString()}" publishTime="${new Date(o.now).toISOString()}" minimumUpdatePeriod="${dur(o.segmentMs)}" timeShiftBufferDepth="${dur(Math.max(total, o.segmentMs))}" suggestedPresentationDelay="${dur(o.segmentMs * 2)}"`;
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011"${head} minBufferTime="${dur(o.segmentMs)}">`,
    `<Period id="${esc(periodId)}" start="PT0S">`,
    ...sets,
    '</Period>',
    ...(o.ended ? [] : [`<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="${esc(o.timeUrl)}"/>`]),
    '</MPD>',
    '',
  ].join('\n');
}

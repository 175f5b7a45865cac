import type { CmafSegment } from './cmaf-segmenter';
import { currentRun, dur, esc } from './playlists';

/**
 * Pure text of the ABR playlists (issue 12): an HLS / LL-HLS master playlist over a source and its ladder rungs,
 * and one DASH MPD with a video Representation per variant. What goes in them is measured by abr.ts.
 */

/** One variant of an ABR set: a live stream (the source or a rung) and what was measured on it. */
export interface AbrVariant {
  /** "/app/name" */
  path: string;
  /** URI of its media playlist, relative to the master (signed when the master was) */
  uri: string;
  /** peak segment bitrate, bits/s */
  bandwidth: number;
  /** average segment bitrate, bits/s */
  averageBandwidth: number;
  width: number;
  height: number;
  fps: number | null;
  /** RFC 6381, e.g. "avc1.64001f,mp4a.40.2" */
  codecs: string;
}

/** Highest bandwidth first (ties: larger picture first): the order of the master playlist and the MPD. */
export function sortVariants<T extends Pick<AbrVariant, 'bandwidth' | 'height'>>(vs: readonly T[]): T[] {
  return [...vs].sort((a, b) => b.bandwidth - a.bandwidth || b.height - a.height);
}

const fpsText = (fps: number): string => (Math.round(fps * 1000) / 1000).toFixed(3);

/** RFC 8216 §4.3.4.2 master playlist: one EXT-X-STREAM-INF per variant, highest bandwidth first. */
export function abrMasterPlaylist(variants: readonly AbrVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of sortVariants(variants)) {
    const attrs = [
      `BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))}`,
      `AVERAGE-BANDWIDTH=${Math.max(1, Math.round(v.averageBandwidth))}`,
      ...(v.width > 0 && v.height > 0 ? [`RESOLUTION=${v.width}x${v.height}`] : []),
      ...(v.fps ? [`FRAME-RATE=${fpsText(v.fps)}`] : []),
      ...(v.codecs ? [`CODECS="${v.codecs}"`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  }
  return lines.join('\n') + '\n';
}

/** One CMAF track of one variant, as its own packager names it. */
export interface AbrMpdTrack {
  /** Representation id (the stream name: no spaces) */
  id: string;
  /** URL prefix up to the file name, relative to the MPD: "" for the source, "../NAME_360/" for a rung */
  base: string;
  /** "dash-v" / "dash-a" */
  prefix: string;
  epoch: string;
  timescale: number;
  segments: readonly CmafSegment[];
  codecs: string;
  bandwidth: number;
  width: number;
  height: number;
  fps: number | null;
  /** query carried to this variant's URLs ("?sign=…"), or "" */
  suffix: string;
}

export interface AbrMpdOptions {
  segmentMs: number;
  now: number;
  /** wall-clock ms of presentation time 0: the source's (rungs follow the source's clock) */
  availabilityStart: number;
  timeUrl: string;
}

function representation(t: AbrMpdTrack, kind: 'video' | 'audio'): string {
  const segs = currentRun(t.segments);
  const first = segs[0];
  const tick = (ms: number): number => Math.round((ms * t.timescale) / 1000);
  const timeline = segs.map((s) => {
    const start = tick(s.startTime);
    return `<S t="${start}" d="${tick(s.startTime + s.duration) - start}"/>`;
  }).join('');
  const pic = kind === 'video' && t.width > 0 ? ` width="${t.width}" height="${t.height}"${t.fps ? ` frameRate="${fpsText(t.fps)}"` : ''}` : '';
  const init = `${t.base}${t.prefix}-init-${t.epoch}-${first?.initId ?? 0}.mp4${t.suffix}`;
  const media = `${t.base}${t.prefix}-seg-${t.epoch}-$Number$.m4s${t.suffix}`;
  return [
    `<Representation id="${esc(t.id)}" codecs="${esc(t.codecs)}" bandwidth="${Math.max(1, Math.round(t.bandwidth))}"${pic}>`,
    `<SegmentTemplate timescale="${t.timescale}" startNumber="${first?.seq ?? 0}" initialization="${esc(init)}" media="${esc(media)}">`,
    `<SegmentTimeline>${timeline}</SegmentTimeline>`,
    '</SegmentTemplate>',
    '</Representation>',
  ].join('\n');
}

/**
 * A dynamic MPD for ABR: one video AdaptationSet with a Representation per variant (highest first), each with
 * its own SegmentTemplate + SegmentTimeline over that stream's own DASH segment URLs (every stream keeps one
 * packager; nothing is muxed twice), and the source's audio as the audio AdaptationSet. The rungs carry the
 * source's timestamps and cut on the same slots (segmentSlot), so the timelines line up (segmentAlignment).
 */
export function abrMpd(video: readonly AbrMpdTrack[], audio: AbrMpdTrack | null, o: AbrMpdOptions): string {
  const all = [...video, ...(audio ? [audio] : [])];
  const total = Math.max(0, ...all.map((t) => currentRun(t.segments).reduce((a, s) => a + s.duration, 0)));
  const sets: string[] = [];
  const vs = sortVariants(video);
  if (vs.length) {
    const maxW = Math.max(...vs.map((v) => v.width));
    const maxH = Math.max(...vs.map((v) => v.height));
    sets.push(
      `<AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${maxW}" maxHeight="${maxH}">`,
      ...vs.map((v) => representation(v, 'video')),
      '</AdaptationSet>',
    );
  }
  if (audio) sets.push('<AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">', representation(audio, 'audio'), '</AdaptationSet>');
  const periodId = all.map((t) => `${t.epoch}-${currentRun(t.segments)[0]?.initId ?? 0}`).join('.');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="dynamic" availabilityStartTime="${new Date(o.availabilityStart).toISOString()}" publishTime="${new Date(o.now).toISOString()}" minimumUpdatePeriod="${dur(o.segmentMs)}" timeShiftBufferDepth="${dur(Math.max(total, o.segmentMs))}" suggestedPresentationDelay="${dur(o.segmentMs * 2)}" minBufferTime="${dur(o.segmentMs)}">`,
    `<Period id="${esc(periodId)}" start="PT0S">`,
    ...sets,
    '</Period>',
    `<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="${esc(o.timeUrl)}"/>`,
    '</MPD>',
    '',
  ].join('\n');
}

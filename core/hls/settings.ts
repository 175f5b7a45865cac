import type { OnAirConfig } from '../config';

export interface HlsSettings {
  hls: boolean;
  ll: boolean;
  dash: boolean;
  dvr: boolean;
  segmentMs: number;
  /** configured LL-HLS part length, ms (PART-TARGET is the nearest whole number of frames: partTargetMs) */
  partMs: number;
  /**
   * EXT-X-TARGETDURATION in ms, fixed for the life of a playlist: ceil(1.5 x segment) seconds. Segments are cut
   * on the first keyframe after segmentMs, and on time (mid-GOP) when a GOP would run past this, so every EXTINF
   * (which is at most this plus one frame) rounds to <= TARGETDURATION (RFC 8216 §4.3.3.1).
   */
  targetMs: number;
  listSize: number;
  cleanupMs: number;
}

/** Read "key=value" pairs out of an NMS flags string like "[hls_time=2:hls_list_size=3:hls_flags=delete_segments]". */
export function parseNmsFlags(flags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof flags !== 'string') return out;
  for (const part of flags.replace(/^\[|\]$/g, '').split(':')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function num(v: string | undefined, min: number, max: number): number | undefined {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

/**
 * The HLS/DASH settings for one app: the `hls` section, its per-app switches, and Node-Media-Server 2.x
 * `trans.tasks` entries for that app (hls/dash switches, hls_time, hls_list_size, window_size). Only these
 * known keys are read, and only from the config: nothing from a publish URL reaches them.
 */
export function hlsSettingsFor(cfg: OnAirConfig, app: string): HlsSettings {
  const h = cfg.hls;
  const s: HlsSettings = {
    hls: h.enabled, ll: h.enabled && h.ll, dash: h.enabled && h.dash, dvr: h.enabled && h.dvr,
    segmentMs: h.segment_seconds * 1000, partMs: h.part_ms, targetMs: 0, listSize: h.list_size, cleanupMs: h.cleanup_after_s * 1000,
  };
  const task = cfg.trans?.tasks.find((t) => t.app === app);
  if (task) {
    if (typeof task.hls === 'boolean') s.hls = task.hls;
    if (typeof task.dash === 'boolean') s.dash = task.dash;
    const hf = parseNmsFlags(task.hlsFlags);
    const segS = num(hf.hls_time, 0.5, 30);
    if (segS !== undefined) s.segmentMs = segS * 1000;
    const list = num(hf.hls_list_size, 2, 100);
    if (list !== undefined) s.listSize = Math.round(list);
    const df = parseNmsFlags(task.dashFlags);
    const win = num(df.window_size, 2, 100);
    if (win !== undefined) s.listSize = Math.max(s.listSize, Math.round(win));
  }
  const perApp = h.apps[app];
  if (perApp) {
    if (perApp.hls !== undefined) s.hls = perApp.hls;
    if (perApp.ll_hls !== undefined) s.ll = perApp.ll_hls;
    if (perApp.dash !== undefined) s.dash = perApp.dash;
    if (perApp.dvr !== undefined) s.dvr = perApp.dvr;
  }
  s.targetMs = Math.max(1, Math.ceil((s.segmentMs * 1.5) / 1000 - 1e-9)) * 1000;
  return s;
}

/**
 * PART-TARGET for a lead-track frame duration: the whole number of frames nearest to the configured part length
 * (30 fps, 200 ms: 6 frames = 0.200 s; 24 fps: 5 frames = 0.209 s), in whole ms rounded up so that a part of
 * that many ms-stamped frames never exceeds it.
 */
export function partTargetMs(partMs: number, frameMs: number): number {
  const n = Math.max(1, Math.round(partMs / frameMs));
  return Math.ceil(n * frameMs - 1e-6);
}

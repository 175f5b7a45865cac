import { makeSign } from '../../core/auth/sign';
import { FFMPEG, run, type Run } from './ffmpeg';

/**
 * A source and a stand-in for the ladder (issue 12), independent of core/ladder: one ffmpeg publishes the source
 * (640x360@30, H.264 High with B-frames, a keyframe every second, AAC); a second ffmpeg started later reads it
 * back over RTMP keeping its timestamps (-copyts), decodes once, scales, and publishes two rungs with keyframes
 * on the source's (-force_key_frames source): `NAME_360` (Main, B-frames) and `NAME_240` (Baseline). The rungs
 * start at a later keyframe than the source, so aligned segments come from the cut rule, not from luck.
 */

export const SECRET = 'abr-test-secret';
export const sign = (path: string): string => makeSign(path, Math.floor(Date.now() / 1000) + 3600, SECRET);

export function publishSource(url: string, seconds: number): Run {
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-b:v', '900k', '-maxrate', '900k', '-bufsize', '900k', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-ar', '48000',
    '-f', 'flv', url,
  ], (seconds + 30) * 1000);
}

/** `src` is the source's RTMP play URL; `out(height)` the publish URL of a rung. */
export function publishLadder(src: string, out: (height: number) => string, seconds: number): Run {
  const rung = (label: string, preset: string, profile: string, kbps: number, height: number): string[] => [
    '-map', label, '-map', '0:a',
    '-c:v', 'libx264', '-preset', preset, '-profile:v', profile, '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
    '-force_key_frames', 'source', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-vsync', '0',
    '-c:a', 'copy', '-t', String(seconds), '-f', 'flv', out(height),
  ];
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-copyts', '-i', src,
    '-filter_complex', '[0:v]split=2[a][b];[a]scale=640:360[v1];[b]scale=-2:240[v2]',
    ...rung('[v1]', 'veryfast', 'main', 400, 360),
    ...rung('[v2]', 'ultrafast', 'baseline', 200, 240),
  ], (seconds + 30) * 1000);
}

/** The EXT-X-STREAM-INF lines of a master playlist: attributes and URI. */
export function parseMaster(text: string): Array<{ attrs: Record<string, string>; uri: string }> {
  const lines = text.split('\n');
  const out: Array<{ attrs: Record<string, string>; uri: string }> = [];
  lines.forEach((l, i) => {
    if (!l.startsWith('#EXT-X-STREAM-INF:')) return;
    const attrs: Record<string, string> = {};
    for (const m of l.slice(18).matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)) attrs[m[1]] = m[2].replace(/^"|"$/g, '');
    out.push({ attrs, uri: lines[i + 1] });
  });
  return out;
}

/** "avc1.PPCCLL" from ffprobe's H.264 profile name and level. */
export function avcFromProbe(profile: string, level: number): { pp: string; ll: string } {
  const idc: Record<string, number> = { 'Constrained Baseline': 66, Baseline: 66, Main: 77, Extended: 88, High: 100, 'High 10': 110, 'High 4:2:2': 122, 'High 4:4:4 Predictive': 244 };
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return { pp: hex(idc[profile] ?? -1), ll: hex(level) };
}

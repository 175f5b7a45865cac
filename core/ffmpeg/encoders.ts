import { spawn } from 'node:child_process';

/** H.264 encoders OnAir can drive, hardware first in the order tried by 'auto'. */
export const HARDWARE_H264 = ['h264_nvenc', 'h264_qsv', 'h264_vaapi', 'h264_videotoolbox'] as const;
export type H264Encoder = 'libx264' | (typeof HARDWARE_H264)[number];
export const H264_ENCODERS: readonly H264Encoder[] = ['libx264', ...HARDWARE_H264];

export interface EncoderChoice {
  /** the encoder jobs will use */
  encoder: H264Encoder;
  /** hardware encoders this ffmpeg build lists */
  listed: H264Encoder[];
  /** hardware encoders that passed a one-frame test encode on this machine */
  working: H264Encoder[];
  /** why a listed or requested encoder is not used */
  notes: string[];
}

const VAAPI_DEVICE = '/dev/dri/renderD128';

function runQuick(bin: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const add = (d: Buffer): void => {
      if (out.length < 1_000_000) out += d.toString();
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => resolve({ code: -1, out }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The encoder names in `ffmpeg -encoders`. */
export function parseEncoderList(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s[VAS.][F.][S.][X.][B.][D.]\s+(\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** Extra global args and a filter suffix an encoder needs (VAAPI uploads frames to the GPU). */
export function hardwareInput(enc: H264Encoder): { global: string[]; filterSuffix: string } {
  return enc === 'h264_vaapi' ? { global: ['-vaapi_device', VAAPI_DEVICE], filterSuffix: ',format=nv12,hwupload' } : { global: [], filterSuffix: '' };
}

/** Does this encoder really encode here? (listed is not enough: no GPU, no driver, no device.) */
export async function encoderWorks(ffmpeg: string, enc: H264Encoder, timeoutMs = 15_000): Promise<boolean> {
  const hw = hardwareInput(enc);
  const r = await runQuick(ffmpeg, [
    '-hide_banner', '-v', 'error', ...hw.global, '-f', 'lavfi', '-i', 'color=c=gray:size=256x144:rate=25',
    '-frames:v', '3', ...(hw.filterSuffix ? ['-vf', hw.filterSuffix.slice(1)] : []), '-c:v', enc, '-f', 'null', '-',
  ], timeoutMs);
  return r.code === 0;
}

/**
 * Pick the H.264 encoder for transcodes: with 'auto', the first hardware encoder that is listed AND passes a
 * test encode, else libx264; a requested one that does not work falls back to libx264 with a note.
 */
export async function pickH264Encoder(ffmpeg: string, preference: 'auto' | H264Encoder): Promise<EncoderChoice> {
  const listedAll = parseEncoderList((await runQuick(ffmpeg, ['-hide_banner', '-encoders'], 15_000)).out);
  const listed = HARDWARE_H264.filter((e) => listedAll.has(e));
  const notes: string[] = [];
  if (!listedAll.has('libx264')) notes.push('this ffmpeg has no libx264');
  const candidates: H264Encoder[] = preference === 'auto' ? listed : preference === 'libx264' ? [] : [preference];
  const working: H264Encoder[] = [];
  for (const enc of candidates) {
    if (!listedAll.has(enc)) {
      notes.push(`${enc} is not in this ffmpeg build`);
      continue;
    }
    if (await encoderWorks(ffmpeg, enc)) working.push(enc);
    else notes.push(`${enc} is listed but a test encode failed (no device or driver)`);
  }
  return { encoder: working[0] ?? 'libx264', listed, working, notes };
}

/** Video encoder arguments for one rendition. */
export function videoCodecArgs(enc: H264Encoder, o: { x264Preset: string; profile: string; level: string; kbps: number; gop: number; segSeconds: number }): string[] {
  const rate = ['-b:v', `${o.kbps}k`, '-maxrate', `${Math.round(o.kbps * 1.07)}k`, '-bufsize', `${Math.round(o.kbps * 1.5)}k`];
  const gop = ['-g', String(o.gop), '-force_key_frames', `expr:gte(t,n_forced*${o.segSeconds})`];
  switch (enc) {
    case 'libx264':
      return ['-c:v', 'libx264', '-preset', o.x264Preset, '-profile:v', o.profile, '-level:v', o.level, '-pix_fmt', 'yuv420p', ...rate, ...gop, '-sc_threshold', '0'];
    case 'h264_nvenc':
      return ['-c:v', 'h264_nvenc', '-preset', 'medium', '-profile:v', o.profile, '-rc', 'vbr', '-pix_fmt', 'yuv420p', ...rate, ...gop, '-forced-idr', '1'];
    case 'h264_qsv':
      return ['-c:v', 'h264_qsv', '-preset', 'medium', '-profile:v', o.profile, ...rate, ...gop];
    case 'h264_vaapi':
      return ['-c:v', 'h264_vaapi', '-profile:v', o.profile, ...rate, ...gop];
    case 'h264_videotoolbox':
      return ['-c:v', 'h264_videotoolbox', '-profile:v', o.profile, '-pix_fmt', 'yuv420p', ...rate, ...gop];
  }
}

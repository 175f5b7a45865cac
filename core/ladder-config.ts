import { z } from 'zod';
import { LadderSettingSchema, type LadderRung } from './contract/ladder';

/**
 * The config keys of the live bitrate ladder (issue 12): our `ladder` section, and Node-Media-Server's
 * `fission` accepted unchanged (`tasks: [{ rule: "app/*", model: [{ ab, vb, vs, vf }] }]`). A bad model value
 * is refused at config time with its key named (e.g. `fission.tasks.0.model.1.vs`).
 */

type Ctx = z.core.$RefinementCtx;

/** "1500k" / "1.5M" / "1500000" (bits per second, as ffmpeg reads it) → kbps; null when not a bitrate. */
export function parseBitrateKbps(v: string | number): number | null {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(v).trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  return Math.round(unit === 'k' ? n : unit === 'm' ? n * 1000 : n / 1000);
}

function bitrate(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((v, ctx: Ctx) => {
    const k = parseBitrateKbps(v);
    if (k === null) {
      ctx.addIssue({ code: 'custom', message: `not a bitrate: ${JSON.stringify(String(v).slice(0, 32))} (e.g. "1500k")` });
      return z.NEVER;
    }
    if (k < min || k > max) {
      ctx.addIssue({ code: 'custom', message: `must be ${min}k–${max}k` });
      return z.NEVER;
    }
    return k;
  });
}

const SizeSchema = z.string().transform((v, ctx: Ctx) => {
  const m = /^(\d{1,6})x(\d{1,6})$/.exec(v.trim());
  const w = m ? Number(m[1]) : 0;
  const h = m ? Number(m[2]) : 0;
  if (!m || w < 2 || h < 2 || w > 8192 || h > 8192 || Math.min(w, h) < 90 || Math.min(w, h) > 4320) {
    ctx.addIssue({ code: 'custom', message: `not a usable size: ${JSON.stringify(v.slice(0, 32))} (WIDTHxHEIGHT, short side 90–4320, e.g. "1280x720")` });
    return z.NEVER;
  }
  return { width: w, height: h };
});

const FpsSchema = z.union([z.string(), z.number()]).transform((v, ctx: Ctx) => {
  const s = String(v).trim();
  const n = /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 120)) {
    ctx.addIssue({ code: 'custom', message: `must be a frame rate 1–120, not ${JSON.stringify(s.slice(0, 32))}` });
    return z.NEVER;
  }
  return n;
});

export const FissionModelSchema = z.object({
  ab: bitrate(16, 512).optional(),
  vb: bitrate(100, 50_000),
  vs: SizeSchema,
  vf: FpsSchema.optional(),
}).loose();

export const FissionTaskSchema = z.object({
  /** "app/*" (every stream of the app) or "app/name" */
  rule: z.string().regex(/^[A-Za-z0-9_.-]{1,128}\/(\*|[A-Za-z0-9_.-]{1,128})$/, 'must be "app/*" or "app/name"'),
  model: z.array(FissionModelSchema).min(1, 'needs at least one model').max(6, 'at most 6 models'),
}).loose();

export const FissionConfigSchema = z.object({
  ffmpeg: z.string().optional(),
  tasks: z.array(FissionTaskSchema).default([]),
}).loose();
export type FissionConfig = z.output<typeof FissionConfigSchema>;

export const LadderConfigSchema = z.object({
  /** start a ladder only when someone watches (abr playlists, a rung's play) and stop it after idle_s */
  on_demand: z.boolean().default(false),
  idle_s: z.number().min(5).max(86_400).default(60),
  /** auto: a hardware H.264 encoder that passes a test encode, else libx264 */
  encoder: z.enum(['auto', 'libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi', 'h264_videotoolbox']).default('auto'),
  x264_preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']).default('veryfast'),
  /** per app (the app's name) */
  apps: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'an app name'), LadderSettingSchema).default({}),
  /** per stream ("/app/name"): wins over the app's */
  streams: z.record(z.string().regex(/^\/[A-Za-z0-9_.-]{1,128}\/[A-Za-z0-9_.-]{1,128}$/, 'a stream path: /app/name'), LadderSettingSchema).default({}),
});
export type LadderConfig = z.output<typeof LadderConfigSchema>;

/** A fission task's models as ladder rungs (height: the short side; fps from vf; kbps from vb/ab). */
export function fissionRungs(task: z.output<typeof FissionTaskSchema>): LadderRung[] {
  return task.model.map((m) => ({
    height: Math.min(m.vs.width, m.vs.height),
    fps: m.vf ?? null,
    video_kbps: m.vb,
    audio_kbps: m.ab ?? 128,
  }));
}

/** Does a fission rule ("app/*" or "app/name") cover this stream? */
export function fissionRuleMatches(rule: string, app: string, name: string): boolean {
  const [a, n] = rule.split('/');
  return a === app && (n === '*' || n === name);
}

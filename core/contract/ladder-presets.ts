/**
 * The ladder presets as plain data (no zod), so the panel can show and prefill them without bundling the
 * validators; core/contract/ladder.ts re-exports them and validates against them.
 */

export const LADDER_PRESETS = ['off', '720-480-360', '1080-720-480', 'custom'] as const;
export type LadderPresetName = (typeof LADDER_PRESETS)[number];

/** A rung as data: the short side's height, fps (null: the source's), bitrates. */
export interface LadderRungData {
  height: number;
  fps: number | null;
  video_kbps: number;
  audio_kbps: number;
}

/** The rungs of the named presets (custom: the user's rows). */
export const LADDER_PRESET_RUNGS: Readonly<Record<Exclude<LadderPresetName, 'off' | 'custom'>, readonly LadderRungData[]>> = {
  '720-480-360': [
    { height: 720, fps: null, video_kbps: 2800, audio_kbps: 128 },
    { height: 480, fps: null, video_kbps: 1400, audio_kbps: 96 },
    { height: 360, fps: null, video_kbps: 800, audio_kbps: 96 },
  ],
  '1080-720-480': [
    { height: 1080, fps: null, video_kbps: 5000, audio_kbps: 128 },
    { height: 720, fps: null, video_kbps: 2800, audio_kbps: 128 },
    { height: 480, fps: null, video_kbps: 1400, audio_kbps: 96 },
  ],
};

/** At most this many rungs per ladder. */
export const LADDER_MAX_RUNGS = 6;

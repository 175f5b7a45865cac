import { describe, expect, it } from 'vitest';
import { encoderWorks, parseEncoderList, pickH264Encoder, videoCodecArgs } from '../../core/ffmpeg/encoders';
import { buildLadderArgs, planRenditions } from '../../core/jobs/ladder';
import { FFMPEG } from '../helpers/ffmpeg';

describe('H.264 encoder choice', () => {
  it('parses `ffmpeg -encoders`', () => {
    const text = ' V..... libx264              libx264 H.264 / AVC\n V..... h264_nvenc           NVIDIA NVENC H.264 encoder\n A..... aac                  AAC\n';
    expect([...parseEncoderList(text)]).toEqual(['libx264', 'h264_nvenc', 'aac']);
  });

  it('with the real bundled ffmpeg: libx264 works; auto picks only encoders that pass a test encode', async () => {
    expect(await encoderWorks(FFMPEG, 'libx264')).toBe(true);
    const auto = await pickH264Encoder(FFMPEG, 'auto');
    for (const w of auto.working) expect(auto.listed).toContain(w);
    expect(auto.encoder).toBe(auto.working[0] ?? 'libx264');
  });

  it('a requested hardware encoder that cannot run here falls back to libx264 with a reason', async () => {
    const c = await pickH264Encoder(FFMPEG, 'h264_videotoolbox'); // macOS only: never works on Linux
    expect(c.encoder).toBe('libx264');
    expect(c.notes.join(' ')).toMatch(/h264_videotoolbox/);
  });

  it('builds per-encoder arguments; VAAPI uploads frames and opens its device', () => {
    const o = { x264Preset: 'veryfast', profile: 'high', level: '4.0', kbps: 2800, gop: 120, segSeconds: 4 };
    expect(videoCodecArgs('libx264', o)).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '2800k']));
    expect(videoCodecArgs('h264_nvenc', o)).toEqual(expect.arrayContaining(['-c:v', 'h264_nvenc', '-forced-idr', '1']));
    const plan = planRenditions(['720p', '480p'], { width: 1920, height: 1080, fps: 30 });
    const args = buildLadderArgs('/in.mp4', plan, '/work', { preset: 'veryfast', hasAudio: true, fps: 30, encoder: 'h264_vaapi' });
    expect(args.slice(0, 3)).toEqual(['-y', '-vaapi_device', '/dev/dri/renderD128']);
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(/hwupload\[v0\].*hwupload\[v1\]/);
  });
});

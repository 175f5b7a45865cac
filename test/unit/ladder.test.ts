import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { ladderArgs } from '../../core/ladder/args';
import { planRungs, resolveLadder, speedWarning, splitRungName } from '../../core/ladder/plan';
import { parseBitrateKbps } from '../../core/ladder-config';

const env = {};
const model = (m: Record<string, unknown>) => ({ ab: '128k', vb: '1500k', vs: '1280x720', vf: '30', ...m });
const fissionCfg = (models: unknown[]) => ({ fission: { ffmpeg: '/usr/bin/ffmpeg', tasks: [{ rule: 'live/*', model: models }] } });

describe('NMS fission config, accepted unchanged', () => {
  it('converts models to rungs: short side, fps from vf, kbps from vb/ab', () => {
    const cfg = parseConfig(fissionCfg([model({}), model({ vs: '480x854', vb: '1.2M', ab: '96000', vf: 24 })]), env);
    expect(resolveLadder(cfg, 'live', 'cam')).toEqual({
      from: 'fission',
      rungs: [{ height: 720, fps: 30, video_kbps: 1500, audio_kbps: 128 }, { height: 480, fps: 24, video_kbps: 1200, audio_kbps: 96 }],
    });
    expect(resolveLadder(cfg, 'other', 'cam')).toBeNull();
    expect(parseBitrateKbps('fast')).toBeNull();
  });

  it.each([
    ['vs', '0x0'], ['vs', '100000x100000'], ['vs', '1280'], ['vb', 'fast'], ['vb', '5k'], ['vf', '0'], ['vf', 'abc'], ['ab', '9999k'],
  ])('refuses %s = %j at config time, naming the key', (key, value) => {
    expect(() => parseConfig(fissionCfg([model({}), model({ [key]: value })]), env)).toThrow(`"fission.tasks.0.model.1.${key}"`);
  });

  it('refuses a bad rule and a bad ladder setting with the key named', () => {
    expect(() => parseConfig({ fission: { tasks: [{ rule: 'live', model: [model({})] }] } }, env)).toThrow('"fission.tasks.0.rule"');
    expect(() => parseConfig({ ladder: { apps: { live: { preset: 'custom', rungs: [{ height: 50, video_kbps: 500, audio_kbps: 64 }] } } } }, env)).toThrow('"ladder.apps.live.rungs.0.height"');
    expect(() => parseConfig({ ladder: { apps: { live: { preset: 'custom' } } } }, env)).toThrow('"ladder.apps.live.rungs"');
  });

  it('ladder.streams > ladder.apps > fission > none; "off" stops the lookup', () => {
    const cfg = parseConfig({
      ...fissionCfg([model({})]),
      ladder: { apps: { live: { preset: '1080-720-480' } }, streams: { '/live/a': { preset: 'custom', rungs: [{ height: 240, video_kbps: 300, audio_kbps: 64 }] }, '/live/off': { preset: 'off' } } },
    }, env);
    expect(resolveLadder(cfg, 'live', 'a')?.from).toBe('stream');
    expect(resolveLadder(cfg, 'live', 'a')?.rungs.map((r) => r.height)).toEqual([240]);
    expect(resolveLadder(cfg, 'live', 'b')?.from).toBe('app');
    expect(resolveLadder(cfg, 'live', 'off')).toBeNull();
    const noApp = parseConfig({ ...fissionCfg([model({})]), ladder: {} }, env);
    expect(noApp.ladder).toMatchObject({ on_demand: false, idle_s: 60, encoder: 'auto', x264_preset: 'veryfast' });
    expect(resolveLadder(noApp, 'live', 'b')?.from).toBe('fission');
    expect(resolveLadder(parseConfig({}, env), 'live', 'b')).toBeNull();
  });
});

describe('rung planning', () => {
  const preset = [
    { height: 1080, fps: null, video_kbps: 5000, audio_kbps: 128 },
    { height: 720, fps: 60, video_kbps: 2800, audio_kbps: 128 },
    { height: 480, fps: 24, video_kbps: 1400, audio_kbps: 96 },
    { height: 360, fps: null, video_kbps: 800, audio_kbps: 96 },
  ];
  it('never upscales, keeps widths even, caps fps at the source, names NAME_<height>', () => {
    const r = planRungs(preset, { width: 1280, height: 720, fps: 30, hasVideo: true }, '/live/k');
    expect(r.map((x) => [x.path, x.name, x.width, x.height, x.fps])).toEqual([
      ['/live/k_720', '720p', 1280, 720, 30], ['/live/k_480', '480p', 854, 480, 24], ['/live/k_360', '360p', 640, 360, 30],
    ]);
    expect(r[0].profile).toBe('high');
    expect(r[0].level).toBe('3.1');
    for (const x of r) expect(x.width % 2).toBe(0);
  });
  it('handles portrait and odd aspect; none when every rung is taller', () => {
    const p = planRungs(preset, { width: 720, height: 1280, fps: null, hasVideo: true }, '/a/b');
    expect(p.map((x) => [x.width, x.height, x.fps])).toEqual([[720, 1280, 60], [480, 854, 24], [360, 640, null]]);
    expect(planRungs(preset, { width: 300, height: 170, fps: 30, hasVideo: true }, '/a/b')).toEqual([]);
    expect(planRungs(preset, { width: 1000, height: 481, fps: 30, hasVideo: true }, '/a/b').map((x) => x.width)).toEqual([998, 748]);
    expect(planRungs(preset, { width: 0, height: 0, fps: null, hasVideo: false }, '/a/b').map((x) => [x.width, x.height])).toHaveLength(4);
  });
  it('splits rung names and words the speed warning', () => {
    expect(splitRungName('cam_720')).toEqual({ base: 'cam', height: 720 });
    expect(splitRungName('cam')).toBeNull();
    const r = planRungs(preset, { width: 1920, height: 1080, fps: 30, hasVideo: true }, '/l/k');
    expect(speedWarning(0.82, r, 'libx264')).toBe('Encoder ladder runs at 0.82× real time: drop the 1080p rung or use the hardware encoder');
  });
});

describe('ladder argv', () => {
  const rungs = planRungs([
    { height: 720, fps: null, video_kbps: 2800, audio_kbps: 128 },
    { height: 360, fps: 15, video_kbps: 800, audio_kbps: 96 },
  ], { width: 1280, height: 720, fps: 30, hasVideo: true }, '/live/k');
  const base = {
    input: 'rtmp://127.0.0.1:1935/live/k?sign=123-abc', outputs: ['rtmp://127.0.0.1:1935/live/k_720', 'rtmp://127.0.0.1:1935/live/k_360'],
    rungs, encoder: 'libx264' as const, x264Preset: 'veryfast', hasVideo: true, hasAudio: true, sourceFps: 30,
  };
  it('decodes once: split + one scale per rung, keyframes from the source, source timestamps, one FLV output per rung', () => {
    const a = ladderArgs(base);
    const fc = a[a.indexOf('-filter_complex') + 1];
    expect(fc).toBe('[0:v:0]split=2[s0][s1];[s0]scale=1280:720,setsar=1[v0];[s1]scale=640:360,setsar=1,fps=15[v1]');
    expect(a.filter((x) => x === '-i')).toHaveLength(1);
    expect(a).toContain('-copyts');
    expect(a.filter((x, i) => x === 'source' && a[i - 1] === '-force_key_frames')).toHaveLength(2);
    expect(a.filter((x) => x === '-sc_threshold')).toHaveLength(2);
    expect(a.join(' ')).toContain('-tune zerolatency -profile:v high -level:v 3.1');
    expect(a.join(' ')).toContain('-b:v 800k -maxrate 800k -bufsize 1600k');
    expect(a.filter((x) => x === 'flv')).toHaveLength(2);
    expect(a.at(-1)).toBe(base.outputs[1]);
  });
  it('carries what there is: no audio maps, no video filters', () => {
    expect(ladderArgs({ ...base, hasAudio: false })).not.toContain('0:a:0');
    const audioOnly = ladderArgs({ ...base, hasVideo: false, rungs: rungs.map((r) => ({ ...r, width: 0, height: 0 })) });
    expect(audioOnly).not.toContain('-filter_complex');
    expect(audioOnly.filter((x) => x === '0:a:0')).toHaveLength(2);
  });
  it('refuses anything that is not ours or not a number', () => {
    expect(() => ladderArgs({ ...base, input: 'rtmp://127.0.0.1/live/k -i /etc/passwd' })).toThrow(/input/);
    expect(() => ladderArgs({ ...base, outputs: ['file:/tmp/x.flv', base.outputs[1]] })).toThrow(/output/);
    expect(() => ladderArgs({ ...base, x264Preset: 'veryfast -vf evil' })).toThrow(/preset/);
    expect(() => ladderArgs({ ...base, rungs: [{ ...rungs[0], video_kbps: 1.5 }, rungs[1]] })).toThrow(/bitrate/);
    expect(() => ladderArgs({ ...base, rungs: [{ ...rungs[0], level: '3.1;x' }, rungs[1]] })).toThrow(/level/);
  });
});

import { describe, expect, it } from 'vitest';
import { coverSize, coverTimes } from '../../core/jobs/covers';
import { avcCodecFromAnnexB, masterPlaylist, parseMediaPlaylist } from '../../core/jobs/hls-master';
import { buildLadderArgs, buildSingleRenditionArgs, h264Level, planRenditions } from '../../core/jobs/ladder';

describe('the rendition ladder', () => {
  it('never upscales: a 720p source gets 720p + 480p of "full", highest first', () => {
    const plan = planRenditions(['360p', '1080p', '480p', '720p'], { width: 1280, height: 720, fps: 30 });
    expect(plan.map((r) => `${r.name} ${r.width}x${r.height} ${r.videoKbps}k ${r.profile}@${r.level}`)).toEqual([
      '720p 1280x720 2800k high@3.1',
      '480p 854x480 1400k main@3.1',
      '360p 640x360 800k main@3.0',
    ]);
  });

  it('a source smaller than every rung gets one rendition at its own size', () => {
    const plan = planRenditions(['720p', '480p'], { width: 320, height: 240, fps: 25 });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ name: '240p', width: 320, height: 240 });
    expect(plan[0].videoKbps).toBeLessThan(1400);
  });

  it('portrait video is laddered by its short side', () => {
    const plan = planRenditions(['1080p', '720p'], { width: 1080, height: 1920, fps: 30 });
    expect(plan.map((r) => [r.width, r.height])).toEqual([[1080, 1920], [720, 1280]]);
  });

  it('odd sizes come out even (x264 needs it)', () => {
    const plan = planRenditions(['360p'], { width: 641, height: 481, fps: null });
    expect(plan[0].width % 2).toBe(0);
    expect(plan[0].height % 2).toBe(0);
  });

  it('H.264 levels follow the macroblock rate', () => {
    expect(h264Level(640, 360, 30)).toBe('3.0');
    expect(h264Level(1280, 720, 30)).toBe('3.1');
    expect(h264Level(1280, 720, 60)).toBe('3.2');
    expect(h264Level(1920, 1080, 30)).toBe('4.0');
    expect(h264Level(1920, 1080, 60)).toBe('4.2');
  });

  it('builds ONE ffmpeg argv: one input, split into N scaled branches, one HLS output per rendition', () => {
    const plan = planRenditions(['1080p', '720p', '480p'], { width: 1920, height: 1080, fps: 30 });
    const args = buildLadderArgs('/in/a b;rm -rf.mp4', plan, '/work', { preset: 'veryfast', hasAudio: true, fps: 30 });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args[args.indexOf('-i') + 1]).toBe('file:/in/a b;rm -rf.mp4');
    const fc = args[args.indexOf('-filter_complex') + 1];
    expect(fc).toBe('[0:v:0]split=3[sv0][sv1][sv2];[sv0]scale=1920:1080,setsar=1[v0];[sv1]scale=1280:720,setsar=1[v1];[sv2]scale=854:480,setsar=1[v2]');
    expect(args.filter((a) => a === 'hls')).toHaveLength(3);
    expect(args.filter((a) => a === '0:a:0')).toHaveLength(3);
    expect(args).toContain('file:/work/720p.m3u8');
    expect(args).toContain('expr:gte(t,n_forced*4)');
    const single = buildSingleRenditionArgs('/in/a.mp4', plan[1], '/work', { preset: 'veryfast', hasAudio: false, fps: 30 });
    expect(single).not.toContain('0:a:0');
    expect(single[single.indexOf('-vf') + 1]).toBe('scale=1280:720,setsar=1');
  });

  it('a single rendition needs no split', () => {
    const plan = planRenditions(['360p'], { width: 640, height: 360, fps: 30 });
    const args = buildLadderArgs('/a.mp4', plan, '/w', { preset: 'ultrafast', hasAudio: false, fps: 30 });
    expect(args[args.indexOf('-filter_complex') + 1]).toBe('[0:v:0]scale=640:360,setsar=1[v0]');
  });
});

describe('master playlist', () => {
  it('reads the SPS profile/constraints/level for CODECS', () => {
    const annexB = Buffer.from('0000000109f000000001674d401fda0280bf', 'hex');
    expect(avcCodecFromAnnexB(annexB)).toBe('avc1.4d401f');
    expect(avcCodecFromAnnexB(Buffer.from('000001674240', 'hex'))).toBeNull();
    expect(avcCodecFromAnnexB(Buffer.from('00000165888000', 'hex'))).toBeNull();
  });

  it('parses media playlists and writes BANDWIDTH/AVERAGE-BANDWIDTH/RESOLUTION/CODECS, highest first', () => {
    expect(parseMediaPlaylist('#EXTM3U\n#EXTINF:4.0,\na_0.ts\n#EXTINF:1.5,\r\na_1.ts\n#EXT-X-ENDLIST\n')).toEqual([
      { file: 'a_0.ts', duration: 4 },
      { file: 'a_1.ts', duration: 1.5 },
    ]);
    const text = masterPlaylist([
      { name: '480p', width: 854, height: 480, playlistFile: '/w/480p.m3u8', bandwidth: 1_500_000, averageBandwidth: 1_400_000, codecs: 'avc1.4d401e,mp4a.40.2', duration: 3, segments: 1, fps: 25 },
      { name: '720p', width: 1280, height: 720, playlistFile: '/w/720p.m3u8', bandwidth: 3_000_000, averageBandwidth: 2_800_000, codecs: 'avc1.64001f,mp4a.40.2', duration: 3, segments: 1, fps: 25 },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2800000,RESOLUTION=1280x720,FRAME-RATE=25.000,CODECS="avc1.64001f,mp4a.40.2"\n720p.m3u8\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=1500000,AVERAGE-BANDWIDTH=1400000,RESOLUTION=854x480,FRAME-RATE=25.000,CODECS="avc1.4d401e,mp4a.40.2"\n480p.m3u8\n',
    );
  });
});

describe('covers', () => {
  it('evenly spaced by default, requested times clamped into the video', () => {
    expect(coverTimes({}, 10)).toEqual([5]);
    expect(coverTimes({ count: 3 }, 8)).toEqual([2, 4, 6]);
    expect(coverTimes({ count: 0 }, 8)).toEqual([]);
    expect(coverTimes({ times: [0, 1.5, 99] }, 3, 25)).toEqual([0, 1.5, 2.87]);
  });

  it('size: as given, or from one side and the aspect, or the fallback', () => {
    const src = { width: 1920, height: 1080 };
    expect(coverSize({ width: 320, height: 200 }, src, { width: 1, height: 1 })).toEqual({ width: 320, height: 200 });
    expect(coverSize({ width: 320, height: null }, src, { width: 1, height: 1 })).toEqual({ width: 320, height: 180 });
    expect(coverSize({ width: null, height: 90 }, src, { width: 1, height: 1 })).toEqual({ width: 160, height: 90 });
    expect(coverSize({ width: null, height: null }, src, { width: 1280, height: 720 })).toEqual({ width: 1280, height: 720 });
  });
});

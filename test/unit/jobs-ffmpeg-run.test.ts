import { describe, expect, it } from 'vitest';
import { locateFfmpeg, locateFfprobe } from '../../core/ffmpeg/locate';
import { liveToolPids, runTool, ToolFailed } from '../../core/ffmpeg/run';
import { FFMPEG, FFPROBE } from '../helpers/ffmpeg';
import { descendants } from '../helpers/jobs';
import { waitFor } from '../helpers/studio';

/** runTool with real processes (sh stands in for an ffmpeg that starts children of its own). */
describe('runTool: spawn, progress, cancel', () => {
  it('cancel kills the whole process group, grandchildren included', async () => {
    const run = runTool('/bin/sh', ['-c', 'sleep 30 & sleep 30 & wait']);
    await waitFor(() => descendants().filter((p) => p.comm === 'sleep').length === 2, 'grandchildren');
    expect(liveToolPids()).toContain(run.pid);
    const r = await run.cancel();
    expect(r.cancelled).toBe(true);
    expect(descendants()).toEqual([]);
    expect(liveToolPids()).not.toContain(run.pid);
  });

  it('SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const ac = new AbortController();
    const run = runTool('/bin/sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], { signal: ac.signal, killGraceMs: 300 });
    // the trap is set once the loop runs, i.e. once a sleep exists
    await waitFor(() => descendants().some((p) => p.comm === 'sleep'), 'started');
    const t0 = Date.now();
    ac.abort();
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(descendants()).toEqual([]);
  });

  it('a time limit kills the run and says so', async () => {
    const r = await runTool('/bin/sleep', ['30'], { timeoutMs: 200 }).done;
    expect(r.timedOut).toBe(true);
    expect(new ToolFailed('sleep', r).message).toMatch(/^sleep timed out/);
  });

  it('keeps a bounded stderr tail', async () => {
    const r = await runTool('/bin/sh', ['-c', 'i=0; while [ $i -lt 3000 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 3']).done;
    expect(r.code).toBe(3);
    expect(r.stderr.length).toBeLessThanOrEqual(8192);
    expect(r.stderr.endsWith('line 2999\n')).toBe(true);
    expect(new ToolFailed('x', r).message).toBe('x exited 3: line 2997 | line 2998 | line 2999');
  });

  it('a binary that does not exist fails as a result, not a throw', async () => {
    const r = await runTool('/nonexistent/ffmpeg', ['-version']).done;
    expect(r.code).toBeNull();
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('parses real ffmpeg -progress into percent/fps/speed/ETA', async () => {
    const seen: Array<number | null> = [];
    const r = await runTool(FFMPEG, ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-'], {
      progress: true,
      durationSeconds: 2,
      onProgress: (p) => seen.push(p.percent),
    }).done;
    expect(r.code).toBe(0);
    expect(r.last).toMatchObject({ end: true, percent: 100, etaSeconds: 0 });
    expect(r.last?.frame).toBe(50);
    expect(seen[seen.length - 1]).toBe(100);
  });
});

describe('locating ffmpeg and ffprobe', () => {
  it('configured path first, then FFMPEG_PATH / FFPROBE_PATH, then PATH, then the bundled package', async () => {
    expect(await locateFfprobe({ ffprobe: FFPROBE }, { env: {} })).toMatchObject({ path: FFPROBE, source: 'config' });
    expect(await locateFfprobe({}, { env: { FFPROBE_PATH: FFPROBE } })).toMatchObject({ source: 'env' });
    expect(await locateFfprobe({ ffprobe: '/nope' }, { env: { FFPROBE_PATH: '/nope2', PATH: '/nonexistent' } })).toMatchObject({ path: FFPROBE, source: 'bundled' });
    expect(await locateFfmpeg({}, { env: { PATH: '/nonexistent' } })).toMatchObject({ path: FFMPEG, source: 'bundled' });
  });
});

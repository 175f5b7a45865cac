import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent, TimelineEvent } from '../../core/contract';
import { FFMPEG, run, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';
import { freePort } from '../helpers/net';

const PATH = '/live/tl';

/** A tiny live test pattern (320x180, 2 s GOP, AAC) for `seconds`. */
function publish(url: string, seconds = 60): Run {
  return run(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-c:a', 'aac', '-ar', '48000', '-f', 'flv', url,
  ], (seconds + 30) * 1000);
}

describe('health timeline (issue 14)', () => {
  let t: TestStudio;
  let again: TestStudio | null = null;
  let dataDir = '';
  const pubs: Run[] = [];
  const events: TimelineEvent[] = [];
  const attempts = new Set<number>();
  const KEY = 'live_tl_SECRET_KEY_1234';

  const timeline = async (s: TestStudio, args?: { stream?: string; minutes?: number }): Promise<TimelineEvent[]> => {
    const r = (await s.studio.api.dispatch('health.timeline', args)) as { ok: boolean; result: TimelineEvent[] };
    expect(r.ok).toBe(true);
    return r.result;
  };
  const kinds = (l: TimelineEvent[]): string[] => l.filter((e) => e.stream === PATH).map((e) => e.kind);
  const has = (kind: string) => async () => kinds(await timeline(t)).includes(kind);

  beforeAll(async () => {
    t = await startStudio({ slate: { enabled: true, after_ms: 500, max_s: 120 }, relay: { hold_s: 60 } });
    dataDir = t.studio.config.data_dir;
    t.studio.api.events.subscribe((e: AnyEvent) => {
      if (e.event === 'health.event') events.push(e.data);
      if (e.event === 'destination.state' && e.data.state === 'retrying') attempts.add(e.data.attempt);
    });
    await t.studio.destinations.add({
      name: 'Closed port', platform: 'custom', url: `rtmp://127.0.0.1:${await freePort()}/live`, key: KEY,
      source: { stream: PATH }, auto: true, enabled: true,
    });
  }, 30_000);

  afterAll(async () => {
    for (const p of pubs) p.child.kill('SIGKILL');
    await t?.stop();
    await again?.stop();
  });

  it('records published, one destination_retrying however many retries, dropped + slate_on, returned + slate_off', async () => {
    pubs.push(publish(t.rtmpUrl(PATH)));
    await waitFor(has('published'), 'published', 20_000, 100);
    await waitFor(has('destination_retrying'), 'destination_retrying', 20_000, 100);
    // several attempts, still one entry
    await waitFor(() => attempts.size >= 3, 'three retrying attempts', 40_000, 200);
    let list = await timeline(t);
    expect(kinds(list).filter((k) => k === 'destination_retrying')).toHaveLength(1);
    const retry = list.find((e) => e.kind === 'destination_retrying')!;
    expect(retry.text).toContain('Closed port');
    expect(retry.text).not.toContain(KEY);

    // the publisher dies: dropped, then the slate stands in
    await waitFor(() => t.studio.registry.get(PATH)?.videoInfo, 'video parameters', 10_000);
    pubs[0].child.kill('SIGKILL');
    await waitFor(has('dropped'), 'dropped', 15_000, 100);
    await waitFor(has('slate_on'), 'slate_on', 60_000, 200);
    expect(t.studio.slate.active(PATH)).toBe(true);

    // the publisher comes back: returned, slate_off
    pubs.push(publish(t.rtmpUrl(PATH)));
    await waitFor(has('returned'), 'returned', 20_000, 100);
    await waitFor(has('slate_off'), 'slate_off', 20_000, 100);

    list = await timeline(t);
    const k = kinds(list);
    for (const want of ['published', 'destination_retrying', 'dropped', 'slate_on', 'returned', 'slate_off']) expect(k).toContain(want);
    expect(k.indexOf('published')).toBeLessThan(k.indexOf('dropped'));
    expect(k.indexOf('dropped')).toBeLessThan(k.indexOf('slate_on'));
    expect(k.indexOf('slate_on')).toBeLessThan(k.indexOf('returned'));
    expect(k.filter((x) => x === 'published')).toHaveLength(1);
    expect(k.filter((x) => x === 'destination_retrying')).toHaveLength(1);
    // newest last, and one health.event per entry
    for (let i = 1; i < list.length; i++) expect(list[i].at).toBeGreaterThanOrEqual(list[i - 1].at);
    expect(events.map((e) => `${e.kind}@${e.at}`)).toEqual(list.map((e) => `${e.kind}@${e.at}`));
    // one stream's filter
    expect((await timeline(t, { stream: '/live/other' })).length).toBe(0);
  }, 150_000);

  it('keeps the timeline across a studio restart (the store)', async () => {
    const before = await timeline(t, { minutes: 60 });
    for (const p of pubs) p.child.kill('SIGKILL');
    await t.stop();
    again = await startStudio({ data_dir: dataDir });
    const after = await timeline(again, { minutes: 60 });
    const strip = (l: TimelineEvent[]) => l.map((e) => `${e.kind}|${e.stream}|${e.at}|${e.text}`);
    expect(strip(after).slice(0, before.length)).toEqual(strip(before));
    expect(kinds(after)).toContain('slate_on');
  }, 60_000);
});

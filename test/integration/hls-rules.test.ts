import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, FFPROBE, publishTestPattern, run } from '../helpers/ffmpeg';
import { HlsHistory, MpdHistory, UriContent, parseMediaPlaylist, parseMpd } from '../helpers/playlist-validator';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * The live-output rules (RFC 8216, rfc8216bis, DASH) over real captures: ffmpeg publishes ~6 s, drops ~1 s,
 * publishes ~6 s again under the same key; the TS and LL-HLS playlists and the MPD are captured all along and
 * validated by test/helpers/playlist-validator.ts.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-hls-rules-'));
let files = 0;

async function probe(bytes: Buffer): Promise<Array<{ codec_type: string; nb_read_frames?: string }>> {
  const f = path.join(dir, `s${files++}.bin`);
  writeFileSync(f, bytes);
  const r = await run(FFPROBE, ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'json', f], 20_000).done;
  return (JSON.parse(r.stdout.toString()) as { streams?: Array<{ codec_type: string; nb_read_frames?: string }> }).streams ?? [];
}

const frames = (streams: Array<{ codec_type: string; nb_read_frames?: string }>, kind: string): number => Number(streams.find((s) => s.codec_type === kind)?.nb_read_frames ?? 0);

describe('live outputs across a publisher reconnect', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ hls: { segment_seconds: 1, list_size: 4, cleanup_after_s: 4 } });
  });
  afterAll(() => t.stop());

  it('TS, LL-HLS and DASH keep every rule across a drop and a return; a segment that left stays for target + playlist duration', async () => {
    const url = (f: string): string => t.httpUrl(`/live/rc/${f}`);
    const get = async (f: string): Promise<Buffer | null> => {
      const r = await fetch(url(f));
      return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : null;
    };
    const ts = new HlsHistory('TS');
    const ll = new HlsHistory('LL-HLS');
    const mpd = new MpdHistory('DASH', { early: 500, late: 4000 });
    const content = new UriContent();
    const bytes = new Map<string, Buffer>();
    const llInit = new Map<string, string>();
    const dashSegs = new Map<string, { kind: string; t: number; init: string }>();
    const retention: Array<Promise<string | null>> = [];
    let firstTs: string | null = null;
    let endlists = 0;
    let last = { ts: '', ll: '', mpd: '' };

    const keep = async (uri: string): Promise<void> => {
      if (bytes.has(uri)) return;
      const b = await get(uri);
      if (b) {
        bytes.set(uri, b);
        content.record(uri, b);
      }
    };
    /** a segment that just left the playlist: 200 until target + playlist duration has passed, then 404 */
    const retained = (uri: string, keepMs: number): Promise<string | null> => (async () => {
      const left = Date.now();
      const at = async (ms: number, want: number): Promise<string | null> => {
        await sleep(Math.max(0, left + ms - Date.now()));
        const s = (await fetch(url(uri))).status;
        return s === want ? null : `${uri} answered ${s} at +${Date.now() - left} ms (keep ${keepMs} ms), wanted ${want}`;
      };
      return (await at(0, 200)) ?? (await at(keepMs - 800, 200)) ?? (await at(keepMs + 800, 404));
    })();

    const capture = async (): Promise<void> => {
      const [a, b, c] = await Promise.all([get('index.m3u8'), get('ll.m3u8'), get('index.mpd')]);
      const now = Date.now();
      if (!a || !b || !c) throw new Error(`a playlist answered 404 (ts ${!!a}, ll ${!!b}, mpd ${!!c})`);
      for (const x of [a, b]) if (x.toString().includes('#EXT-X-ENDLIST')) endlists++;
      last = { ts: a.toString(), ll: b.toString(), mpd: c.toString() };
      ts.add(a.toString());
      ll.add(b.toString());
      mpd.add(c.toString(), now);
      const tsPl = parseMediaPlaylist(a.toString(), []);
      if (firstTs === null) firstTs = tsPl.segs[0].uri;
      else if (firstTs !== '' && !tsPl.segs.some((s) => s.uri === firstTs)) {
        const target = tsPl.target * 1000;
        const dur = tsPl.segs.reduce((n, s) => n + s.duration * 1000, 0);
        retention.push(retained(firstTs, target + dur));
        firstTs = '';
      }
      for (const s of tsPl.segs) await keep(s.uri!);
      for (const s of parseMediaPlaylist(b.toString(), []).segs) {
        if (!s.uri || !s.map) continue;
        await keep(s.map);
        await keep(s.uri);
        llInit.set(s.uri, s.map);
      }
      for (const tr of parseMpd(c.toString()).tracks) {
        for (const [i, s] of tr.s.entries()) {
          const uri = tr.media.replace('$Number$', String(tr.startNumber + i));
          await keep(tr.init);
          await keep(uri);
          dashSegs.set(uri, { kind: tr.kind, t: s.t / tr.timescale, init: tr.init });
        }
      }
    };

    const p1 = publishTestPattern(t.rtmpUrl('/live/rc'), { size: '320x240', seconds: 30 });
    let p2: ReturnType<typeof publishTestPattern> | null = null;
    try {
      await waitFor(() => t.studio.registry.get('/live/rc')?.ready, 'first publish', 15_000);
      await waitFor(async () => (await get('index.m3u8')) && (await get('ll.m3u8')) && (await get('index.mpd')), 'playlists', 10_000, 200);
      const t0 = Date.now();
      while (Date.now() - t0 < 5500) {
        await capture();
        await sleep(250);
      }
      p1.child.kill('SIGKILL');
      await waitFor(() => !t.studio.registry.get('/live/rc')?.publisher, 'first publisher gone');
      const t1 = Date.now();
      while (Date.now() - t1 < 1000) {
        await capture(); // the playlists and the MPD stay while the publisher is away
        await sleep(250);
      }
      p2 = publishTestPattern(t.rtmpUrl('/live/rc'), { size: '320x240', seconds: 30 });
      await waitFor(() => t.studio.registry.get('/live/rc')?.publisher, 'second publisher', 15_000);
      const t2 = Date.now();
      while (Date.now() - t2 < 6500) {
        await capture();
        await sleep(250);
      }
    } finally {
      p1.child.kill('SIGKILL');
      p2?.child.kill('SIGKILL');
    }
    for (const h of [ts, ll, mpd, content]) expect(h.problems).toEqual([]);
    expect(endlists).toBe(0);
    expect(ts.discontinuities).toBe(1);
    expect(ll.discontinuities).toBe(1);
    expect(mpd.gaps('video')).toBe(1);
    expect(mpd.gaps('audio')).toBe(1);
    expect((await Promise.all(retention)).filter(Boolean)).toEqual([]);
    expect(retention.length).toBe(1);

    // one wall clock: LL-HLS PROGRAM-DATE-TIME and DASH AST + S@t land on the TS PROGRAM-DATE-TIME of the same keyframe
    const tsPdt = parseMediaPlaylist(last.ts, []).segs.map((s) => s.pdt!);
    const llPdt = parseMediaPlaylist(last.ll, []).segs.filter((s) => s.uri).map((s) => s.pdt!);
    const m = parseMpd(last.mpd);
    const v = m.tracks.find((x) => x.kind === 'video')!;
    const dashPdt = v.s.map((s) => m.ast! + (s.t / v.timescale) * 1000);
    const nearest = (x: number): number => Math.min(...tsPdt.map((y) => Math.abs(y - x)));
    const matched = [...llPdt, ...dashPdt].filter((x) => nearest(x) < 40);
    expect(matched.length).toBeGreaterThanOrEqual(4);
    for (const x of [...llPdt.slice(-2), ...dashPdt.slice(-2)]) expect(nearest(x)).toBeLessThan(40);

    // every segment of the second session carries audio and a whole segment of video (30 fps)
    const second = (h: HlsHistory): Array<{ uri: string; duration: number }> => {
      const all = [...h.segments.values()];
      const dsn = Math.max(...all.map((s) => s.dsn));
      return all.filter((s) => s.dsn === dsn && bytes.has(s.uri));
    };
    const tsAfter = second(ts);
    const llAfter = second(ll);
    expect(tsAfter.length).toBeGreaterThanOrEqual(3);
    expect(llAfter.length).toBeGreaterThanOrEqual(3);
    for (const s of tsAfter) {
      const st = await probe(bytes.get(s.uri)!);
      expect(frames(st, 'audio'), s.uri).toBeGreaterThan(s.duration * 40);
      expect(Math.abs(frames(st, 'video') - s.duration * 30), s.uri).toBeLessThanOrEqual(1);
    }
    for (const s of llAfter) {
      const st = await probe(Buffer.concat([bytes.get(llInit.get(s.uri)!)!, bytes.get(s.uri)!]));
      expect(frames(st, 'audio'), s.uri).toBeGreaterThan(s.duration * 40);
      expect(Math.abs(frames(st, 'video') - s.duration * 30), s.uri).toBeLessThanOrEqual(1);
    }
    const dash = [...dashSegs.entries()].sort((x, y) => x[1].t - y[1].t);
    const gapAt = (kind: string): number => {
      const k = dash.filter((d) => d[1].kind === kind);
      return Math.max(...k.slice(1).map((d, i) => (d[1].t - k[i][1].t > 1.6 ? d[1].t : 0)));
    };
    for (const kind of ['video', 'audio']) {
      const after = dash.filter((d) => d[1].kind === kind && d[1].t >= gapAt(kind));
      expect(after.length, kind).toBeGreaterThanOrEqual(3);
      for (const [uri, d] of after) {
        const st = await probe(Buffer.concat([bytes.get(d.init)!, bytes.get(uri)!]));
        expect(frames(st, kind), uri).toBeGreaterThan(kind === 'video' ? 20 : 35);
      }
    }

    // no publisher: ENDLIST once the reconnect window (4 s) has passed, then the playlists go
    const ended = await waitFor(async () => {
      const x = await get('index.m3u8');
      return x?.toString().includes('#EXT-X-ENDLIST') ? x.toString() : null;
    }, 'ENDLIST after the window', 10_000, 200);
    expect(parseMediaPlaylist(ended, []).target).toBe(2);
    await waitFor(async () => (await fetch(url('index.m3u8'))).status === 404, 'playlists dropped', 10_000, 200);
  }, 90_000);

  it('audio-only: the DASH timeline is anchored at availabilityStartTime + now, timescale = sample rate, no gaps', async () => {
    const pub = run(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100', '-t', '20', '-c:a', 'aac', '-f', 'flv', t.rtmpUrl('/live/ao')], 40_000);
    try {
      await waitFor(() => t.studio.registry.get('/live/ao')?.ready, 'audio-only live', 15_000);
      await sleep(1500); // some audio history in the GOP cache before the DASH packager starts
      const h = new MpdHistory('audio-only DASH', { early: 300, late: 3500 });
      const hl = new HlsHistory('audio-only LL-HLS');
      for (let i = 0; i < 12; i++) {
        const r = await fetch(t.httpUrl('/live/ao/index.mpd'));
        expect(r.status).toBe(200);
        const text = await r.text();
        h.add(text, Date.now());
        const tr = parseMpd(text).tracks;
        expect(tr.map((x) => [x.kind, x.timescale])).toEqual([['audio', 44100]]);
        hl.add(await (await fetch(t.httpUrl('/live/ao/ll.m3u8'))).text());
        await sleep(300);
      }
      expect(h.problems).toEqual([]);
      expect(hl.problems).toEqual([]);
      expect(h.gaps('audio')).toBe(0);
    } finally {
      pub.child.kill('SIGKILL');
    }
  }, 60_000);
});

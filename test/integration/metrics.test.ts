import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

interface Scrape {
  types: Map<string, string>;
  samples: Map<string, number>;
  /** every sample of one metric name, keyed by its label set */
  series: (name: string) => Array<{ labels: Record<string, string>; value: number }>;
}

/** Parses Prometheus text format 0.0.4 strictly enough to fail on a malformed line. */
function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  const parsed: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      types.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    expect(m, `bad metrics line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const l of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    const value = Number(m![3].replace('Inf', 'Infinity'));
    samples.set(m![1] + (m![2] ?? ''), value);
    parsed.push({ name: m![1], labels, value });
  }
  return { types, samples, series: (name) => parsed.filter((p) => p.name === name) };
}

async function scrape(t: TestStudio): Promise<Scrape> {
  const r = await fetch(t.httpUrl('/metrics'));
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await r.text());
}

/** /metrics through prom-client: a registry per studio, Node and process metrics, our gauges from a live stream. */
describe('/metrics (prom-client)', () => {
  let t: TestStudio;
  let other: TestStudio;
  let pub: Run;

  beforeAll(async () => {
    [t, other] = await Promise.all([startStudio(), startStudio()]);
    pub = publishTestPattern(t.rtmpUrl('/live/cam'), { seconds: 40 });
    await waitFor(() => t.studio.registry.get('/live/cam')?.ready, 'stream ready', 15_000);
  });

  afterAll(async () => {
    pub.child.kill('SIGKILL');
    await Promise.all([t.stop(), other.stop()]);
  });

  it('exports process and Node metrics and our stream, player, job and recording metrics', async () => {
    // a player on HTTP-FLV that keeps reading while we scrape
    const play = await fetch(t.httpUrl('/live/cam.flv'));
    const reader = play.body!.getReader();
    let reading = true;
    const drain = (async () => {
      while (reading && !(await reader.read()).done);
    })();
    try {
      await waitFor(() => (t.studio.registry.get('/live/cam')?.bitrateOut ?? 0) > 0 && (t.studio.registry.get('/live/cam')?.video.bitrate ?? 0) > 0, 'bitrates sampled', 10_000);
      const m = await scrape(t);
      // prom-client's defaults, on this studio's registry
      expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(m.samples.get('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
      expect(m.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      expect(m.series('nodejs_version_info')[0].labels.version).toBe(process.version);
      // the first exporter's names and labels are kept
      expect(m.samples.get('onair_stream_live{stream="/live/cam"}')).toBe(1);
      expect(m.samples.get('onair_stream_bitrate_in_bps{stream="/live/cam"}')).toBeGreaterThan(100_000);
      expect(m.samples.get('onair_stream_bitrate_out_bps{stream="/live/cam"}')).toBeGreaterThan(0);
      expect(m.samples.get('onair_stream_fps{stream="/live/cam"}')).toBeGreaterThan(0);
      expect(m.samples.get('onair_uptime_seconds')).toBeGreaterThanOrEqual(0);
      expect(m.types.get('onair_net_received_bytes_total')).toBe('counter');
      expect(m.samples.get('onair_net_received_bytes_total')).toBeGreaterThan(10_000);
      expect(m.samples.get('onair_sessions{protocol="rtmp"}')).toBe(1);
      // players by protocol, per stream and in all
      const viewers = m.series('onair_stream_viewers');
      expect(viewers).toHaveLength(1);
      expect(viewers[0]).toMatchObject({ labels: { stream: '/live/cam' }, value: 1 });
      expect(m.samples.get(`onair_players{protocol="${viewers[0].labels.protocol}"}`)).toBe(1);
      expect(m.samples.get('onair_streams_live')).toBe(1);
      expect(m.samples.get('onair_stream_gop_cache_packets{stream="/live/cam"}')).toBeGreaterThan(0);
      expect(m.samples.get('onair_stream_gop_cache_bytes{stream="/live/cam"}')).toBeGreaterThan(1000);
      expect(m.samples.get('onair_stream_dropped_packets{stream="/live/cam"}')).toBe(0);
      for (const st of ['queued', 'running', 'done', 'failed', 'cancelled']) expect(m.samples.get(`onair_jobs{status="${st}"}`)).toBe(0);
      expect(m.samples.get('onair_recordings_active')).toBe(0);
      expect(m.types.get('onair_http_request_duration_seconds')).toBe('histogram');
    } finally {
      reading = false;
      await reader.cancel();
      await drain.catch(() => {});
    }
  }, 30_000);

  it('times HTTP requests by route kind and status class', async () => {
    await scrape(t); // the histogram is live once prom-client is loaded
    await fetch(t.httpUrl('/api/server'));
    await fetch(t.httpUrl('/api/streams/live/nope'));
    await new Promise((r) => setTimeout(r, 50));
    const m = await scrape(t);
    expect(m.samples.get('onair_http_request_duration_seconds_count{kind="api",code="2xx"}')).toBeGreaterThanOrEqual(2); // /api/server + the scrape before
    expect(m.samples.get('onair_http_request_duration_seconds_count{kind="api",code="4xx"}')).toBe(1);
    expect(m.samples.get('onair_http_request_duration_seconds_bucket{le="+Inf",kind="api",code="4xx"}')).toBe(1);
    expect(m.samples.get('onair_http_request_duration_seconds_sum{kind="api",code="4xx"}')).toBeLessThan(5);
  });

  it('keeps one registry per studio: another studio in the same process sees only its own streams', async () => {
    const m = await scrape(other);
    expect(m.samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.series('onair_stream_live')).toEqual([]);
    expect(m.samples.get('onair_streams_live')).toBe(0);
    expect(m.samples.get('onair_sessions{protocol="rtmp"}')).toBe(0);
  });
});

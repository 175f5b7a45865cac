import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioStats, ServerStats, StreamStats, StreamsResponse, VideoStats } from '../contract/stats';
import type { ServerContext } from '../context';
import type { Stream } from '../media/stream';

/**
 * The version in this package's package.json: the nearest one named onair-studio above `from` (core/api/ in a
 * checkout, dist/core/ for the compiled runtime, electron/dist/ inside app.asar).
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'onair-studio' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here (or not JSON): look one folder up
    }
    const up = path.dirname(dir);
    if (up === dir) return '0.0.0-unknown';
    dir = up;
  }
}

/** Read once, when this module loads. */
export const VERSION = packageVersion();

function videoStats(s: Stream): VideoStats | null {
  const v = s.videoInfo;
  if (!v) return null;
  const metaFps = typeof s.metaFields.framerate === 'number' ? s.metaFields.framerate : 0;
  return { codec: v.codec, width: v.width, height: v.height, profile: v.profile, level: v.level, fps: Math.round(s.video.rate) || metaFps };
}

function audioStats(s: Stream): AudioStats | null {
  const a = s.audioInfo;
  return a ? { codec: a.codec, profile: a.profile, samplerate: a.samplerate, channels: a.channels } : null;
}

export function streamStats(s: Stream): StreamStats {
  const p = s.publisher;
  const subs = s.allSubscribers().filter((x) => !x.internal);
  const viewers: Record<string, number> = {};
  let dropped = 0;
  for (const x of subs) {
    viewers[x.protocol] = (viewers[x.protocol] ?? 0) + 1;
    dropped += x.dropped;
  }
  const bitrateIn = s.video.bitrate + s.audio.bitrate;
  return {
    publisher: p
      ? {
          app: s.app, stream: s.name, clientId: p.id, connectCreated: p.connectCreated.toISOString(), bytes: p.bytes, ip: p.ip,
          protocol: p.protocol, audio: audioStats(s), video: videoStats(s), bitrateIn,
        }
      : null,
    subscribers: subs.map((x) => ({
      app: s.app, stream: s.name, clientId: x.id, connectCreated: x.connectCreated.toISOString(), bytes: x.bytes, ip: x.ip,
      protocol: x.protocol, dropped: x.dropped,
    })),
    bitrateIn,
    bitrateOut: s.bitrateOut,
    fps: Math.round(s.video.rate * 10) / 10,
    viewers,
    dropped,
    uptime: s.publishedAt ? Math.round((Date.now() - s.publishedAt.getTime()) / 1000) : 0,
  };
}

export function streamsStats(ctx: ServerContext): StreamsResponse {
  const out: StreamsResponse = {};
  for (const s of ctx.registry.list()) (out[s.app] ??= {})[s.name] = streamStats(s);
  return out;
}

let lastCpu = process.cpuUsage();
let lastCpuAt = Date.now();
let cpuPercent = 0;

/** Process CPU % of one core since the previous call (sampled at most once a second). */
export function processCpu(): number {
  const now = Date.now();
  if (now - lastCpuAt >= 1000) {
    const u = process.cpuUsage(lastCpu);
    cpuPercent = ((u.user + u.system) / 1000 / (now - lastCpuAt)) * 100;
    lastCpu = process.cpuUsage();
    lastCpuAt = now;
  }
  return Math.round(cpuPercent * 10) / 10;
}

export function serverStats(ctx: ServerContext, startedAt: number): ServerStats {
  const cpus = os.cpus();
  const mem = process.memoryUsage();
  const { sessions } = ctx;
  const rtmp = sessions.countBy('rtmp');
  const http = sessions.countBy('http');
  const ws = sessions.countBy('ws');
  const active = rtmp + http + ws;
  return {
    os: { arch: os.arch(), platform: os.platform(), release: os.release() },
    cpu: { num: cpus.length, load: Math.round((os.loadavg()[0] / Math.max(1, cpus.length)) * 100), model: cpus[0]?.model ?? '', speed: cpus[0]?.speed ?? 0 },
    mem: { totle: os.totalmem(), free: os.freemem() },
    net: { inbytes: ctx.net.inBytes, outbytes: ctx.net.outBytes },
    nodejs: {
      uptime: Math.floor((Date.now() - startedAt) / 1000),
      version: process.version,
      mem: { rss: mem.rss, heapTotal: mem.heapTotal, heapUsed: mem.heapUsed, external: mem.external },
    },
    clients: { accepted: sessions.accepted, active, idle: 0, rtmp, http, ws },
    version: VERSION,
    process: { cpu: processCpu() },
  };
}

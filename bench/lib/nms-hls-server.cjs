/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point for a CommonJS package */
/**
 * node-media-server@2.7.4 with its ffmpeg `trans` HLS task (the seed-001 setup), in its own process, for
 * the HLS-cost and latency benchmarks. argv[2] is JSON: { mediaroot, ffmpeg }. NMS cannot bind port 0 or
 * a host, so free ports are probed first and net.Server#listen is wrapped to bind 127.0.0.1 only. Prints
 * {"rtmp":port,"http":port} once both listeners are up (or {"error":...} and exits 1); stops when stdin
 * closes or on SIGTERM (NMS then kills its ffmpeg children).
 */
'use strict';
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number' && (a.length === 1 || typeof a[1] === 'function')) a.splice(1, 0, '127.0.0.1');
  return listen.apply(this, a);
};

const { runNms } = require('./nms-run.cjs');

runNms(
  (rtmpPort, httpPort) => {
    const opts = JSON.parse(process.argv[2] || '{}');
    if (!opts.mediaroot || !opts.ffmpeg) throw new Error('mediaroot and ffmpeg are required');
    return {
      rtmp: { port: rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
      http: { port: httpPort, mediaroot: opts.mediaroot, allow_origin: '*' },
      trans: { ffmpeg: opts.ffmpeg, tasks: [{ app: 'live', hls: true, hlsFlags: '[hls_time=2:hls_list_size=3:hls_flags=delete_segments]' }] },
      logType: 0,
    };
  },
  (nms) => {
    if (nms.nts) for (const t of nms.nts.transSessions.values()) t.end();
  },
  // give NMS a moment to SIGTERM its ffmpeg children
  300,
);

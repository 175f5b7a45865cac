/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point for a CommonJS package */
/**
 * node-media-server@2.7.4 in its own process for the fan-out benchmark. NMS cannot bind port 0, so two
 * free ports are picked by binding probe sockets to port 0 first. Prints {"rtmp":port,"http":port} as one
 * JSON line once both listeners are up (or {"error":...} and exits 1); stops when stdin closes or on SIGTERM.
 */
'use strict';
const os = require('node:os');
const { runNms } = require('./nms-run.cjs');

runNms(
  (rtmpPort, httpPort) => ({
    rtmp: { port: rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    http: { port: httpPort, allow_origin: '*', mediaroot: os.tmpdir() + '/onair-bench/nms-media' },
    logType: 0,
  }),
  null,
  0,
);

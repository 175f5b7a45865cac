/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point for a CommonJS package */
/**
 * node-media-server@2.7.4 on the RTMP and HTTP ports given as argv[2] and argv[3] (bench/startup.ts times
 * spawn -> both ports accept, so the ports are chosen outside). As plain as NMS's own quick start: no trans,
 * no relay, logType 0. Stops on SIGTERM.
 */
'use strict';
const os = require('node:os');
const NodeMediaServer = require('node-media-server');

const [rtmp, http] = process.argv.slice(2).map(Number);
const nms = new NodeMediaServer({
  rtmp: { port: rtmp, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  http: { port: http, allow_origin: '*', mediaroot: os.tmpdir() + '/onair-bench/nms-media' },
  logType: 0,
});
nms.run();
process.on('SIGTERM', () => {
  nms.stop();
  process.exit(0);
});

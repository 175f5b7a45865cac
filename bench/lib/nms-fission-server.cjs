/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point for a CommonJS package */
/**
 * node-media-server@2.7.4 with its `fission` task (seed 001: live multi-resolution transcoding), in its own
 * process, for bench/ladder.ts. argv[2] is JSON: { mediaroot, ffmpeg, model }. Ports as nms-run.cjs does
 * (free ports probed, 127.0.0.1 only); prints {"rtmp":port,"http":port} once listening.
 *
 * NMS 2.7.4's NodeFissionServer.run() starts with `await getFFmpegVersion(ffmpeg)`, a helper its
 * node_core_utils.js does not export: run() throws a TypeError before it registers its postPublish
 * handler, so fission never starts. When the helper is missing, this file supplies one (ffmpeg -version,
 * first line) BEFORE NMS is loaded; everything else — which streams match the rule, the ffmpeg argv built by
 * NodeFissionSession, spawning it as NMS's child — is NMS's own code, unchanged. (bench/ladder.ts checks
 * the same export to say so in its report.)
 */
'use strict';
const { execFileSync } = require('node:child_process');
const net = require('node:net');

const utils = require('node-media-server/src/node_core_utils');
const shim = typeof utils.getFFmpegVersion !== 'function';
if (shim) {
  utils.getFFmpegVersion = async (bin) => {
    try {
      const m = /ffmpeg version (\S+)/.exec(execFileSync(bin, ['-version'], { encoding: 'utf8', timeout: 10000 }));
      // a git build ("N-47683-g…") has no number: NMS's check `parseInt(v) < 4` then passes, as for 4.x+
      return m ? m[1] : '';
    } catch {
      return '';
    }
  };
  utils.getFFmpegUrl = utils.getFFmpegUrl || (() => 'https://ffmpeg.org/download.html');
}

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number' && (a.length === 1 || typeof a[1] === 'function')) a.splice(1, 0, '127.0.0.1');
  return listen.apply(this, a);
};

const { runNms } = require('./nms-run.cjs');

runNms(
  (rtmpPort, httpPort) => {
    const opts = JSON.parse(process.argv[2] || '{}');
    if (!opts.mediaroot || !opts.ffmpeg || !Array.isArray(opts.model)) throw new Error('mediaroot, ffmpeg and model are required');
    return {
      rtmp: { port: rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
      http: { port: httpPort, mediaroot: opts.mediaroot, allow_origin: '*' },
      fission: { ffmpeg: opts.ffmpeg, tasks: [{ rule: 'live/*', model: opts.model }] },
      logType: 0,
    };
  },
  (nms) => {
    if (nms.nfs) nms.nfs.stop();
  },
  // give NMS a moment to SIGTERM its ffmpeg children
  300,
);

/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS module for the CommonJS NMS entry points */
/**
 * What the two node-media-server@2.7.4 entry points (nms-server.cjs, nms-hls-server.cjs) share. NMS cannot
 * bind port 0, so two free ports are picked by binding probe sockets to port 0 first. Prints
 * {"rtmp":port,"http":port} as one JSON line once both listeners are up (or {"error":...} and exits 1);
 * stops when stdin closes or on SIGTERM.
 */
'use strict';
const net = require('node:net');
const NodeMediaServer = require('node-media-server');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function listening(server) {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
}

function fail(e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }) + '\n');
  process.exit(1);
}

/**
 * Runs NMS with makeConfig(rtmpPort, httpPort). On stop: beforeStop(nms) (optional), nms.stop(), then exit
 * after exitDelayMs (0: at once).
 */
async function serve(makeConfig, beforeStop, exitDelayMs) {
  const rtmpPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === rtmpPort) httpPort = await freePort();
  const nms = new NodeMediaServer(makeConfig(rtmpPort, httpPort));
  nms.run();
  await Promise.all([listening(nms.nrs.tcpServer), listening(nms.nhs.httpServer)]);
  process.stdout.write(JSON.stringify({ rtmp: rtmpPort, http: httpPort }) + '\n');
  const stop = () => {
    try {
      if (beforeStop) beforeStop(nms);
      nms.stop();
    } catch (e) {
      void e;
    }
    if (exitDelayMs > 0) setTimeout(() => process.exit(0), exitDelayMs);
    else process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

/** serve(...), reporting a failure as {"error":...} and exit code 1. */
function runNms(makeConfig, beforeStop, exitDelayMs) {
  serve(makeConfig, beforeStop, exitDelayMs).catch(fail);
}

module.exports = { runNms };

/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point for a CommonJS package */
/**
 * node-media-server@2.7.4 in its own process for the fan-out benchmark. NMS cannot bind port 0, so two
 * free ports are picked by binding probe sockets to port 0 first. Prints {"rtmp":port,"http":port} as one
 * JSON line once both listeners are up (or {"error":...} and exits 1); stops when stdin closes or on SIGTERM.
 */
'use strict';
const net = require('node:net');
const os = require('node:os');
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

async function main() {
  const rtmpPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === rtmpPort) httpPort = await freePort();
  const nms = new NodeMediaServer({
    rtmp: { port: rtmpPort, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    http: { port: httpPort, allow_origin: '*', mediaroot: os.tmpdir() + '/onair-bench/nms-media' },
    logType: 0,
  });
  nms.run();
  await Promise.all([listening(nms.nrs.tcpServer), listening(nms.nhs.httpServer)]);
  process.stdout.write(JSON.stringify({ rtmp: rtmpPort, http: httpPort }) + '\n');
  const stop = () => {
    try {
      nms.stop();
    } catch (e) {
      void e;
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main().catch(fail);

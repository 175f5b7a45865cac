/**
 * OnAir Studio in its own process for the fan-out benchmark. Prints {"rtmp":port,"http":port} as one JSON
 * line once listening; stops when stdin closes (the bench went away) or on SIGTERM/SIGINT.
 *
 * Its data folder (SQLite store, media root) is a fresh temp dir, removed on exit. The in-process live
 * HLS/LL-HLS/DASH muxers (on by default in the product) are off unless FANOUT_ONAIR_HLS=1, so the
 * comparison with node-media-server (which muxes nothing without `trans`) is like for like.
 * FANOUT_ONAIR_FLUSH_MS sets rtmp.flush_ms (the bench's flush curve; 0 by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStudio } from '../../core/studio';
import { runAndPrintPorts, stopWhenParentGoes, studioShutdown } from './studio-child';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-bench-data-'));
const hls = process.env.FANOUT_ONAIR_HLS === '1' ? {} : { enabled: false, ll: false, dash: false };
const studio = createStudio(
  {
    host: '127.0.0.1',
    rtmp: { port: 0, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60, flush_ms: Number(process.env.FANOUT_ONAIR_FLUSH_MS ?? 0) },
    http: { port: 0, allow_origin: '*', mediaroot: path.join(dataDir, 'media') },
    data_dir: dataDir,
    hls,
    log_level: 'silent',
    // every load client is on 127.0.0.1: the per-address limits would cap the bench, not the server
    limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
    // benches read /api/server without credentials (loopback bench only)
    auth: { api: false },
  },
  { logToStdout: false },
);

const shutdown = studioShutdown(studio, () => rmSync(dataDir, { recursive: true, force: true }));
stopWhenParentGoes(() => shutdown(0));
await runAndPrintPorts(studio, () => shutdown(1));

/**
 * OnAir Studio in its own process for the restream bench, with the relay's DestinationManager (the code the
 * `destinations` feature runs) on its registry. Prints {"rtmp":port,"http":port} once listening, then one
 * {"state":DestinationStatus} line per state change. Reads JSON lines on stdin: {"add":{id,url,key}} or
 * {"remove":id}. Stops when stdin closes or on SIGTERM/SIGINT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createStudio } from '../../core/studio';
import { DestinationManager } from '../../core/relay/manager';
import { runAndPrintPorts, stopWhenParentGoes, studioShutdown } from './studio-child';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-bench-restream-'));
const studio = createStudio(
  {
    host: '127.0.0.1',
    rtmp: { port: 0 },
    http: { port: 0, mediaroot: path.join(dataDir, 'media') },
    data_dir: dataDir,
    hls: { enabled: false, ll: false, dash: false },
    log_level: 'silent',
    limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
    auth: { api: false },
  },
  { logToStdout: false },
);
const mgr = new DestinationManager({
  registry: studio.registry,
  log: pino({ level: 'silent' }),
  config: () => ({ backoff: { baseMs: 200, maxMs: 1000, jitter: 0.1, maxAttempts: 10_000 } }),
});
mgr.on('state', (s) => process.stdout.write(`${JSON.stringify({ state: { id: s.id, state: s.state, at: Date.now() } })}\n`));
createInterface({ input: process.stdin }).on('line', (line) => {
  try {
    const m = JSON.parse(line) as { add?: { id: string; url: string; key: string }; remove?: string };
    if (m.add) mgr.add({ id: m.add.id, name: m.add.id, platform: 'custom', url: m.add.url, key: m.add.key, source: { stream: '/live/cam' }, auto: true, enabled: true });
    if (m.remove) mgr.remove(m.remove);
  } catch (e) {
    process.stderr.write(`restream-server: ${(e as Error).message}\n`);
  }
});
const shutdown = studioShutdown(studio, () => {
  mgr.close();
  rmSync(dataDir, { recursive: true, force: true });
});
stopWhenParentGoes(() => shutdown(0));
await runAndPrintPorts(studio, () => shutdown(1));

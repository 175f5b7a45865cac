/**
 * OnAir Studio in its own process for the HLS-cost and latency benchmarks (the fan-out child has no HLS or
 * data-folder knobs). argv[2] is a JSON object: { dataDir, panelDir?, hls? } where hls is the config's hls
 * section. Prints {"rtmp":port,"http":port} as one JSON line once listening; stops when stdin closes or
 * on SIGTERM/SIGINT.
 */
import { createStudio } from '../../core/studio';
import { runAndPrintPorts, stopWhenParentGoes, studioShutdown } from './studio-child';

interface ChildArgs {
  dataDir: string;
  panelDir?: string;
  hls?: Record<string, unknown>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
if (!args.dataDir) {
  process.stdout.write(`${JSON.stringify({ error: 'dataDir is required' })}\n`);
  process.exit(1);
}

const studio = createStudio(
  {
    host: '127.0.0.1',
    rtmp: { port: 0, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    http: { port: 0, allow_origin: '*' },
    hls: args.hls ?? {},
    data_dir: args.dataDir,
    log_level: 'silent',
    // every load client is on 127.0.0.1: the per-address limits would cap the bench, not the server
    limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
    // benches read /api/server without credentials (loopback bench only)
    auth: { api: false },
  },
  { logToStdout: false, panelDir: args.panelDir },
);

const shutdown = studioShutdown(studio);
stopWhenParentGoes(() => shutdown(0));
await runAndPrintPorts(studio, () => process.exit(1));

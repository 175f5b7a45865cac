/**
 * OnAir Studio in its own process for the HLS-cost and latency benchmarks (the fan-out child has no HLS or
 * data-folder knobs). argv[2] is a JSON object: { dataDir, panelDir?, hls? } where hls is the config's hls
 * section. Prints {"rtmp":port,"http":port} as one JSON line once listening; stops when stdin closes or
 * on SIGTERM/SIGINT.
 */
import { createStudio } from '../../core/studio';

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
  },
  { logToStdout: false, panelDir: args.panelDir },
);

let stopping = false;
function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(code), 2000);
  hard.unref();
  studio.stop().then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.stdin.on('end', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();

try {
  const ports = await studio.run();
  process.stdout.write(`${JSON.stringify({ rtmp: ports.rtmp, http: ports.http })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
  process.exit(1);
}

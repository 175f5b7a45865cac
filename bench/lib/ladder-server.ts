/**
 * OnAir Studio in its own process for the ladder bench (bench/ladder.ts): product-default live HLS / LL-HLS /
 * DASH, the ladder's encoder pinned to libx264 with the preset given in argv (no hardware probing), and no
 * ladder configured at start (the publisher-only baseline). argv[2] is JSON: { dataDir, x264Preset }.
 * Prints {"rtmp":port,"http":port} once listening; then answers JSON lines on stdin:
 *   {"id":n,"cmd":"ladder.set"|"ladder.list"|…,"args":…}  → {"id":n,"reply":<contract Reply>}
 *   {"id":n,"live":true}                                    → {"id":n,"live":["/live/cam",…]} (streams with a publisher)
 * Stops when stdin closes or on SIGTERM/SIGINT (the studio stops its ladders' ffmpeg process groups).
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createStudio } from '../../core/studio';
import { runAndPrintPorts, stopWhenParentGoes, studioShutdown } from './studio-child';

interface ChildArgs {
  dataDir: string;
  x264Preset: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
if (!args.dataDir || !args.x264Preset) {
  process.stdout.write(`${JSON.stringify({ error: 'dataDir and x264Preset are required' })}\n`);
  process.exit(1);
}

const studio = createStudio(
  {
    host: '127.0.0.1',
    rtmp: { port: 0, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    http: { port: 0, allow_origin: '*' },
    data_dir: args.dataDir,
    log_level: 'silent',
    limits: { rtmp_max_conn_per_ip: 0, http_max_conn_per_ip: 0 },
    // the bench talks to the contract over stdin and fetches playlists without credentials (loopback only)
    auth: { api: false },
    ladder: { encoder: 'libx264', x264_preset: args.x264Preset },
  },
  { logToStdout: false },
);

const reply = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  let id: unknown = null;
  void (async () => {
    const m = JSON.parse(line) as { id?: unknown; cmd?: string; args?: unknown; live?: boolean };
    id = m.id ?? null;
    if (m.live) reply({ id, live: studio.registry.live().map((s) => s.path) });
    else if (m.cmd) reply({ id, reply: await studio.api.dispatch(m.cmd, m.args) });
  })().catch((e: unknown) => reply({ id, error: (e as Error).message }));
});

const shutdown = studioShutdown(studio, () => rmSync(args.dataDir, { recursive: true, force: true }));
stopWhenParentGoes(() => shutdown(0));
await runAndPrintPorts(studio, () => shutdown(1));

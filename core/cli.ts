import path from 'node:path';
import { API_TOKEN_FILE } from './auth/api-token';
import { loadConfigFile } from './config';
import { withSavedSettings } from './config-store';
import { isOnAirError } from './errors';
import { runWorkerProcess } from './jobs/worker-cli';
import { createStudio } from './studio';

const HELP = `OnAir Studio — media server and studio panel

Usage:
  onair serve [--config FILE] [--host ADDR] [--rtmp-port N] [--http-port N]
  onair worker [--config FILE] [--concurrency N]   transcode jobs from a jobs.queue "bullmq" studio
  onair --help | --version

Environment:
  ONAIR_DATA_DIR   folder for the database, recordings and media (default: the OS app-data folder)
`;

interface CliArgs {
  command: string;
  config?: string;
  host?: string;
  rtmpPort?: number;
  httpPort?: number;
  concurrency?: number;
}

function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { command: argv[0] ?? 'help' };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${a}: "${v}" is not a port number`);
      return n;
    };
    if (a === '--config' || a === '-c') out.config = next();
    else if (a === '--host') out.host = next();
    else if (a === '--rtmp-port') out.rtmpPort = num(next());
    else if (a === '--http-port') out.httpPort = num(next());
    else if (a === '--concurrency') {
      const v = next();
      out.concurrency = Number(v);
      if (!Number.isInteger(out.concurrency) || out.concurrency < 1 || out.concurrency > 64) throw new Error(`--concurrency: "${v}" is not 1…64`);
    }
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

function withOverrides(base: unknown, a: CliArgs): Record<string, unknown> {
  const cfg = { ...((base ?? {}) as Record<string, unknown>) };
  if (a.host) cfg.host = a.host;
  if (a.rtmpPort !== undefined) cfg.rtmp = { ...((cfg.rtmp ?? {}) as object), port: a.rtmpPort };
  if (a.httpPort !== undefined) cfg.http = { ...((cfg.http ?? {}) as object), port: a.httpPort };
  return cfg;
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`onair: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.command === '--version' || args.command === 'version') {
    process.stdout.write('onair 0.1.0\n');
    return 0;
  }
  if (args.command === 'worker') {
    try {
      await runWorkerProcess(withSavedSettings(args.config ? loadConfigFile(args.config) : {}), { concurrency: args.concurrency });
      return -1; // keep running until SIGTERM
    } catch (e) {
      process.stderr.write(`onair worker: ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (args.command !== 'serve') {
    process.stdout.write(HELP);
    return args.command === 'help' || args.command === '--help' || args.command === '-h' ? 0 : 2;
  }
  try {
    // settings saved from the panel (<data_dir>/config.json) sit over the config file; flags win over both
    const studio = createStudio(withOverrides(withSavedSettings(args.config ? loadConfigFile(args.config) : {}), args));
    const p = await studio.run();
    const host = p.host === '0.0.0.0' || p.host === '::' ? '127.0.0.1' : p.host;
    const token = studio.auth.apiToken();
    const gate = token && studio.config.auth.api_token
      ? [`  Panel      http://${host}:${p.http}/   (log in with the api_token of your config)`]
      : token
      ? [`  Panel      http://${host}:${p.http}/?token=${token}`, `  API token  ${path.join(studio.config.data_dir, API_TOKEN_FILE)} (Authorization: Bearer <token>)`]
      : [`  Panel      http://${host}:${p.http}/   (API gate OFF: auth.api is false)`];
    process.stdout.write(
      [
        '',
        'OnAir Studio is running',
        ...gate,
        `  RTMP in    rtmp://${host}:${p.rtmp}/live   (stream key: any name, e.g. "studio")`,
        ...(p.rtmps !== null ? [`  RTMPS in   rtmps://<name in your certificate>:${p.rtmps}/live`] : []),
        `  HTTP-FLV   http://${host}:${p.http}/live/<key>.flv`,
        `  WS-FLV     ws://${host}:${p.http}/live/<key>.flv`,
        `  API        http://${host}:${p.http}/api/streams`,
        `  Data       ${studio.config.data_dir}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    let stopping = false;
    const shutdown = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\n${sig}: stopping…\n`);
      studio.stop().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`onair: error while stopping: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    return -1; // keep running
  } catch (e) {
    const msg = isOnAirError(e) ? e.message : (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port in use: ${(e as Error).message}` : (e as Error).message;
    process.stderr.write(`onair: ${msg}\n`);
    return 1;
  }
}

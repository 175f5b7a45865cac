/**
 * nginx with the RTMP module as a real restream peer (a stand-in for YouTube/Twitch ingest), run as OUR OWN
 * process (not the system service): a generated config in a temp dir, `daemon off; master_process off;`, so one
 * pid that tests can stop, pause (SIGSTOP, a hung ingest), resume and restart on the same ports.
 *
 *   const n = await startNginxRtmp({ tls: true, onPublish: 'http://127.0.0.1:1234/hook' });
 *   // rtmp://127.0.0.1:${n.rtmpPort}/live/<key>   records to n.recordDir/<key>.flv
 *   // rtmps://localhost:${n.tlsPort}/live/<key>   (nginx stream ssl; trust n.caPem, names "localhost" only)
 *
 * As an edge (the nginx-rtmp idiom `pull rtmp://127.0.0.1:<originPort>/<originApp> live=1;`): a player of
 * rtmp://127.0.0.1:${e.rtmpPort}/edge/<name> makes nginx pull <name> from the origin (one pull per stream, dropped
 * after the last player leaves):
 *
 *   const e = await startNginxRtmp({ pull: { originPort: studio.ports.rtmp, originApp: 'live' }, workerConnections: 1024 });
 *
 * Needs the Debian packages nginx, libnginx-mod-rtmp, libnginx-mod-stream and openssl (.ci/run installs them);
 * a missing one fails loudly.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, canConnect } from './net';

export { freePort };

export const NGINX = '/usr/sbin/nginx';
const MODULES = '/usr/lib/nginx/modules';
const RTMP_MODULE = path.join(MODULES, 'ngx_rtmp_module.so');
const STREAM_MODULE = path.join(MODULES, 'ngx_stream_module.so');

export interface NginxRtmpOptions {
  /** an `on_publish` hook URL: nginx POSTs the publish (name=<key>, app, …); any non-2xx answer refuses it */
  onPublish?: string;
  /** also put a TLS front (nginx stream ssl, self-signed cert for "localhost") before the RTMP port */
  tls?: boolean;
  /** also an edge application `<app>` (default "edge"): `live on; pull rtmp://127.0.0.1:<originPort>/<originApp> live=1;` (no recording) */
  pull?: { originPort: number; originApp: string; app?: string };
  /** `events { worker_connections }` (default 256): every player, the listener and each pull take one */
  workerConnections?: number;
}

export interface NginxRtmp {
  rtmpPort: number;
  /** `record all` writes <recordDir>/<name>.flv (record_unique off) */
  recordDir: string;
  /** the TLS front's port (0 without `tls`) */
  tlsPort: number;
  /** the edge application's name ("" without `pull`) */
  edgeApp: string;
  /** the pid of the running nginx process (one process: `master_process off`), for /proc CPU readings; 0 when stopped */
  pid(): number;
  /** the self-signed certificate of the TLS front, to pass as `ca` ("" without `tls`) */
  caPem: string;
  /** nginx's error log so far (for failure messages) */
  log(): string;
  /** SIGSTOP: the peer hangs with its sockets open */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** stop and start again on the same ports (connections drop; a new publish works) */
  restart(): Promise<void>;
  /** stop nginx and remove the temp dir */
  stop(): Promise<void>;
}

function need(file: string, pkg: string): void {
  if (!existsSync(file)) throw new Error(`test tool missing: ${file} (apt-get install ${pkg}; .ci/run installs it)`);
}



/** A self-signed certificate for "localhost" (CN and SAN) made by openssl in `dir`. */
export function makeCert(dir: string): { key: string; cert: string } {
  need('/usr/bin/openssl', 'openssl');
  const key = path.join(dir, 'tls.key');
  const cert = path.join(dir, 'tls.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
  ], { stdio: 'ignore' });
  return { key, cert };
}

function config(dir: string, recordDir: string, rtmpPort: number, opts: NginxRtmpOptions, tls: { port: number; key: string; cert: string } | null): string {
  const lines = [
    `load_module ${RTMP_MODULE};`,
    ...(tls ? [`load_module ${STREAM_MODULE};`] : []),
    'daemon off;',
    'master_process off;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} info;`,
    `events { worker_connections ${opts.workerConnections ?? 256}; }`,
    'rtmp {',
    '  server {',
    `    listen 127.0.0.1:${rtmpPort};`,
    '    chunk_size 4096;',
    '    application live {',
    '      live on;',
    '      record all;',
    `      record_path ${recordDir};`,
    '      record_unique off;',
    ...(opts.onPublish ? [`      on_publish ${opts.onPublish};`] : []),
    '    }',
    ...(opts.pull ? [
      `    application ${opts.pull.app ?? 'edge'} {`,
      '      live on;',
      `      pull rtmp://127.0.0.1:${opts.pull.originPort}/${opts.pull.originApp} live=1;`,
      '    }',
    ] : []),
    '  }',
    '}',
  ];
  if (tls) {
    lines.push(
      'stream {',
      '  server {',
      `    listen 127.0.0.1:${tls.port} ssl;`,
      `    ssl_certificate ${tls.cert};`,
      `    ssl_certificate_key ${tls.key};`,
      `    proxy_pass 127.0.0.1:${rtmpPort};`,
      '  }',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

export async function startNginxRtmp(opts: NginxRtmpOptions = {}): Promise<NginxRtmp> {
  need(NGINX, 'nginx');
  need(RTMP_MODULE, 'libnginx-mod-rtmp');
  if (opts.tls) need(STREAM_MODULE, 'libnginx-mod-stream');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-nginx-'));
  const recordDir = path.join(dir, 'rec');
  mkdirSync(recordDir);
  mkdirSync(path.join(dir, 'logs'));
  const cert = opts.tls ? makeCert(dir) : null;
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  const log = (): string => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  let proc: ChildProcess | null = null;
  let ports = { rtmp: 0, tls: 0 };

  const launch = async (): Promise<void> => {
    const child = spawn(NGINX, ['-p', dir, '-e', errorLog, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    proc = child;
    const end = Date.now() + 10_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`nginx exited (${exited}): ${stderr}\n${log()}`);
      if ((await canConnect(ports.rtmp)) && (!cert || (await canConnect(ports.tls)))) return;
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not listen within 10 s: ${stderr}\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async (): Promise<void> => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGCONT'); // a paused nginx cannot act on SIGTERM
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };

  // free ports can be taken between our probe and nginx's bind: try a few fresh pairs
  for (let attempt = 1; ; attempt++) {
    ports = { rtmp: await freePort(), tls: cert ? await freePort() : 0 };
    writeFileSync(conf, config(dir, recordDir, ports.rtmp, opts, cert ? { port: ports.tls, ...cert } : null));
    try {
      await launch();
      break;
    } catch (e) {
      await kill();
      if (attempt >= 3 || !/Address already in use/.test(String(e))) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    }
  }

  const signal = (sig: NodeJS.Signals): void => {
    if (!proc) throw new Error('nginx is not running');
    proc.kill(sig);
  };
  return {
    rtmpPort: ports.rtmp,
    recordDir,
    tlsPort: ports.tls,
    edgeApp: opts.pull ? opts.pull.app ?? 'edge' : '',
    pid: () => proc?.pid ?? 0,
    caPem: cert ? readFileSync(cert.cert, 'utf8') : '',
    log,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Chat benchmark (issue 13): CHAT_N socket.io-client connections (WebSocket) in one room, spread over
 * CHAT_WORKERS client processes so the clients are not the bottleneck; CHAT_SENDERS of them send CHAT_RATE
 * comments a second in total for CHAT_SECONDS, each carrying its send time. Every receiver records the delivery
 * latency (same machine, same clock). The studio runs in this process: its CPU (process.cpuUsage) and RSS are
 * the server's. Prints p50/p95/p99 latency, delivery ratio, server CPU and RSS growth, PASS/FAIL for
 * p95 < 100 ms and RSS growth < 100 MB.
 *
 * Env: CHAT_N=1000 CHAT_WORKERS=3 CHAT_SENDERS=5 CHAT_RATE=50 CHAT_SECONDS=25
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const num = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const N = num('CHAT_N', 1000);
const WORKERS = num('CHAT_WORKERS', 3);
const SENDERS = num('CHAT_SENDERS', 5);
const RATE = num('CHAT_RATE', 50);
const SECONDS = num('CHAT_SECONDS', 25);
const BUCKETS = 10_001; // 1 ms buckets, the last one is ">= 10 s"

type ToWorker = { go: true; senders: number; rate: number; seconds: number } | { stop: true };
type FromWorker = { ready: number } | { hist: number[]; received: number; sent: number; errors: number } | { failed: string };

async function worker(): Promise<void> {
  const { io } = await import('socket.io-client');
  const url = process.env.CHAT_URL!;
  const room = Number(process.env.CHAT_ROOM);
  const n = Number(process.env.CHAT_COUNT);
  const id = process.env.CHAT_WORKER_ID!;
  const hist = new Array<number>(BUCKETS).fill(0);
  let received = 0;
  let errors = 0;
  const sockets: Array<ReturnType<typeof io>> = [];
  const send = (m: FromWorker): void => void process.send?.(m);
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) => {
      const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20_000 });
      s.on('comment', (c: { content: string }) => {
        const at = Number(c.content.split(' ', 1)[0]);
        if (!Number.isFinite(at)) return;
        received++;
        hist[Math.min(BUCKETS - 1, Math.max(0, Math.round(Date.now() - at)))]++;
      });
      s.onAny((ev: string) => {
        if (ev === s.id) errors++;
      });
      return new Promise<typeof s>((resolve, reject) => {
        s.once('connect', () => {
          s.emit('joinLive', { live_id: room, name: `w${id}-${i + j}` });
          resolve(s);
        });
        s.once('connect_error', reject);
      });
    });
    try {
      sockets.push(...(await Promise.all(batch)));
    } catch (e) {
      send({ failed: (e as Error).message });
      process.exit(1);
    }
  }
  send({ ready: sockets.length });
  process.on('message', (m: ToWorker) => {
    if ('stop' in m) {
      for (const s of sockets) s.disconnect();
      process.exit(0);
    }
    const senders = sockets.slice(0, m.senders);
    let sent = 0;
    const every = 1000 / (m.rate / Math.max(1, m.senders));
    const timers = senders.map((s, k) =>
      setTimeout(() => {
        const t = setInterval(() => {
          s.emit('comment', { live_id: room, data: `${Date.now()} w${id}s${k} #${sent++}` });
        }, every);
        timers.push(t);
      }, (every / senders.length) * k),
    );
    setTimeout(() => {
      for (const t of timers) clearInterval(t);
      setTimeout(() => send({ hist, received, sent, errors }), 2000); // drain
    }, m.seconds * 1000);
  });
}

function pct(hist: number[], p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i];
    if (acc >= total * p) return i;
  }
  return NaN;
}

async function main(): Promise<void> {
  const { createStudio } = await import('../core/studio');
  const studio = createStudio({
    host: '127.0.0.1', rtmp: { port: 0 }, http: { port: 0 }, auth: { api: false }, log_level: 'warn', hls: {},
    data_dir: mkdtempSync(path.join(os.tmpdir(), 'onair-bench-chat-')),
    limits: { http_max_conn_per_ip: 0 },
    // every client is 127.0.0.1 here: the per-address bounds are lifted, the per-socket one fits the senders
    chat: { per_socket_5s: 1000, per_address_5s: 100_000, connects_per_minute: 100_000, sockets_per_address: 100_000, strikes_to_drop: 10_000 },
  }, { logToStdout: false });
  const ports = await studio.run();
  const r = await studio.api.dispatch('rooms.add', { title: 'Bench' });
  if (!r.ok) throw new Error(r.error.message);
  const room = (r.result as { id: number }).id;
  const rss0 = process.memoryUsage().rss;
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  log(`studio on ${ports.http}; ${N} clients in ${WORKERS} workers, ${SENDERS} senders, ${RATE} msg/s for ${SECONDS} s`);
  const kids: ChildProcess[] = [];
  const ready: Promise<number>[] = [];
  const results: Promise<Extract<FromWorker, { hist: number[] }>>[] = [];
  const runTs = path.resolve('bin/run-ts.mjs');
  const t0 = Date.now();
  for (let w = 0; w < WORKERS; w++) {
    const count = Math.floor(N / WORKERS) + (w < N % WORKERS ? 1 : 0);
    const k = fork(runTs, [path.resolve('bench/chat.ts'), '--worker'], { env: { ...process.env, CHAT_URL: `http://127.0.0.1:${ports.http}`, CHAT_ROOM: String(room), CHAT_COUNT: String(count), CHAT_WORKER_ID: String(w) } });
    kids.push(k);
    ready.push(new Promise((res, rej) => k.on('message', (m: FromWorker) => ('ready' in m ? res(m.ready) : 'failed' in m ? rej(new Error(m.failed)) : undefined))));
    results.push(new Promise((res) => k.on('message', (m: FromWorker) => 'hist' in m && res(m))));
  }
  const guard = setTimeout(() => {
    log('bench timed out');
    for (const k of kids) k.kill('SIGKILL');
    process.exit(2);
  }, (SECONDS + 120) * 1000);
  const connected = (await Promise.all(ready)).reduce((a, b) => a + b, 0);
  await new Promise((res) => setTimeout(res, 1500)); // joins and online broadcasts settle
  const members = studio.chat.chat(room).count;
  log(`${connected} connected, ${members} in the room after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rss1 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  let rssPeak = rss1;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);
  // senders spread over the workers
  kids.forEach((k, w) => {
    const senders = Math.floor(SENDERS / WORKERS) + (w < SENDERS % WORKERS ? 1 : 0);
    k.send({ go: true, senders, rate: (RATE * senders) / SENDERS, seconds: SECONDS } satisfies ToWorker);
  });
  const outs = await Promise.all(results);
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const rss2 = process.memoryUsage().rss;
  for (const k of kids) k.send({ stop: true } satisfies ToWorker);
  clearTimeout(guard);
  const hist = new Array<number>(BUCKETS).fill(0);
  for (const o of outs) o.hist.forEach((v, i) => (hist[i] += v));
  const sent = outs.reduce((a, o) => a + o.sent, 0);
  const received = outs.reduce((a, o) => a + o.received, 0);
  const errors = outs.reduce((a, o) => a + o.errors, 0);
  const p50 = pct(hist, 0.5);
  const p95 = pct(hist, 0.95);
  const p99 = pct(hist, 0.99);
  const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
  const growth = Math.max(rss2, rssPeak) - rss0;
  const rows: Array<[string, string, string]> = [
    ['clients in the room', String(members), `${connected} connected`],
    ['messages sent', String(sent), `${(sent / SECONDS).toFixed(1)}/s`],
    ['deliveries', String(received), `${((received / Math.max(1, sent * members)) * 100).toFixed(2)}% of sent × members`],
    ['errors to clients', String(errors), ''],
    ['latency p50', `${p50} ms`, ''],
    ['latency p95', `${p95} ms`, p95 < 100 ? 'PASS (< 100 ms)' : 'FAIL (>= 100 ms)'],
    ['latency p99', `${p99} ms`, ''],
    ['server CPU', `${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(1)}%`, `of one core, over ${wall.toFixed(1)} s`],
    ['server RSS', `${mb(rss0)} → ${mb(rss1)} → ${mb(Math.max(rss2, rssPeak))} MB`, 'idle → connected → peak while chatting'],
    ['RSS growth', `${mb(growth)} MB`, growth < 100 * 1024 * 1024 ? 'PASS (< 100 MB)' : 'FAIL (>= 100 MB)'],
  ];
  const w = [Math.max(...rows.map((x) => x[0].length)), Math.max(...rows.map((x) => x[1].length))];
  process.stdout.write(`\nbench/chat: ${N} socket.io clients, one room, ${RATE} msg/s for ${SECONDS} s (${WORKERS} client processes)\n`);
  for (const [a, b, c] of rows) process.stdout.write(`| ${a.padEnd(w[0])} | ${b.padEnd(w[1])} | ${c}\n`);
  await studio.stop();
  process.exit(p95 < 100 && growth < 100 * 1024 * 1024 ? 0 : 1);
}

if (process.argv.includes('--worker')) void worker();
else
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });

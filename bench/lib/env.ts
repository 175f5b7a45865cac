/** Benchmark knobs from the environment (FANOUT_*), validated so a typo fails loudly. */
export type ServerKind = 'onair' | 'nms';
export type PlayProtocol = 'rtmp' | 'http';

export interface FanoutEnv {
  counts: number[];
  seconds: number;
  protocols: PlayProtocol[];
  servers: ServerKind[];
  /** players connected per batch */
  batch: number;
  /** load-generator child processes that host the players */
  workers: number;
  /** how the OnAir child runs: esbuild bundle on plain node (default) or through the tsx loader */
  onairRunner: 'bundle' | 'tsx';
  /** OnAir's in-process live HLS/LL-HLS/DASH muxers on (FANOUT_ONAIR_HLS=1; read by onair-server.ts) */
  onairHls: boolean;
  /** the rtmp.flush_ms curve: OnAir RTMP runs once per value (HTTP-FLV at the first) */
  flushMs: number[];
}

function list<T extends string>(name: string, raw: string | undefined, def: string, allowed: readonly T[]): T[] {
  const items = (raw ?? def).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const it of items) {
    if (!(allowed as readonly string[]).includes(it)) throw new Error(`${name}: "${it}" is not one of ${allowed.join(', ')}`);
  }
  if (items.length === 0) throw new Error(`${name} is empty`);
  return items as T[];
}

function int(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${raw}`);
  return v;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): FanoutEnv {
  const counts = (env.FANOUT_N ?? '200,500').split(',').map((s) => int('FANOUT_N', s.trim(), 0, 1, 2000));
  return {
    counts,
    seconds: int('FANOUT_SECONDS', env.FANOUT_SECONDS, 20, 1, 600),
    protocols: list('FANOUT_PROTOCOLS', env.FANOUT_PROTOCOLS, 'rtmp,http', ['rtmp', 'http'] as const),
    servers: list('FANOUT_SERVERS', env.FANOUT_SERVERS, 'onair,nms', ['onair', 'nms'] as const),
    batch: int('FANOUT_BATCH', env.FANOUT_BATCH, 50, 1, 2000),
    workers: int('FANOUT_WORKERS', env.FANOUT_WORKERS, 1, 1, 4),
    onairHls: env.FANOUT_ONAIR_HLS === '1',
    flushMs: (env.FANOUT_FLUSH_MS ?? '0,50,100,300').split(',').map((s) => int('FANOUT_FLUSH_MS', s.trim(), 0, 0, 2000)),
    onairRunner: list('FANOUT_ONAIR_RUNNER', env.FANOUT_ONAIR_RUNNER, 'bundle', ['bundle', 'tsx'] as const)[0],
  };
}

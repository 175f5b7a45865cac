import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import type { Hooks } from '../hooks';
import type { QueuePolicy } from '../media/backpressure';
import type { StreamRegistry } from '../media/registry';
import type { SessionTable } from '../sessions';

/** What every protocol session needs from the studio; passed down, never global. */
export interface ServerContext {
  config: () => OnAirConfig;
  registry: StreamRegistry;
  sessions: SessionTable;
  hooks: Hooks;
  log: Logger;
  /** byte counters for /api/server */
  net: { inBytes: number; outBytes: number };
}

export function queuePolicy(cfg: OnAirConfig): QueuePolicy {
  return { maxBytes: cfg.player_queue.max_bytes, stallMs: cfg.player_queue.stall_ms };
}

import type { Logger } from 'pino';
import type { AuthAuthority } from './auth/authority';
import type { OnAirConfig } from './config';
import type { FfmpegBudget } from './ffmpeg/budget';
import type { Hooks } from './media/hooks';
import type { QueuePolicy } from './media/backpressure';
import type { StreamRegistry } from './media/registry';
import type { SessionTable } from './media/sessions';

/** What every protocol session needs from the studio; passed down, never global. */
export interface ServerContext {
  config: () => OnAirConfig;
  registry: StreamRegistry;
  sessions: SessionTable;
  hooks: Hooks;
  /** the one authority every protocol and route asks (core/auth) */
  auth: AuthAuthority;
  log: Logger;
  /** byte counters for /api/server */
  net: { inBytes: number; outBytes: number };
  /** the studio's one budget of ffmpeg processes (jobs, snapshots, thumbnails…); optional for hand-built contexts */
  ffmpeg?: FfmpegBudget;
}

export function queuePolicy(cfg: OnAirConfig): QueuePolicy {
  return { maxBytes: cfg.player_queue.max_bytes, stallMs: cfg.player_queue.stall_ms };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /** set when this studio is a cluster node (`cluster.redis`, core/cluster); absent otherwise */
  cluster?: ClusterSeam;
}

/** What the one publish path and the HLS routes ask of a cluster node (core/cluster/service.ts answers). */
export interface ClusterSeam {
  /**
   * Before a publisher attaches: claim `path` for this node, or throw a PublishRefused (owned by another node,
   * or the directory unreachable). Resolves with an undo, called when that publish then does not go live.
   */
  claim(path: string, protocol: string): Promise<() => void>;
  /** HLS/DASH asked for a stream not live here: answered with a redirect or a proxy → true; false → the usual 404 */
  elsewhere(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean>;
}

export function queuePolicy(cfg: OnAirConfig): QueuePolicy {
  return { maxBytes: cfg.player_queue.max_bytes, stallMs: cfg.player_queue.stall_ms };
}

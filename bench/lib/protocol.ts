/** Messages between the fan-out orchestrator and its load-generator children (IPC, advanced serialization). */
import type { PlayProtocol } from './env';

export interface StartLoad {
  type: 'start';
  protocol: PlayProtocol;
  host: string;
  /** RTMP port for 'rtmp', HTTP port for 'http' */
  port: number;
  app: string;
  name: string;
  count: number;
  batch: number;
  /** give up waiting for a batch's first keyframes after this long, ms */
  batchTimeoutMs: number;
}

/** Join `count` extra players one at a time (the others keep playing) and time their first keyframe. */
export interface ProbeJoins {
  type: 'probe';
  count: number;
  timeoutMs: number;
}

export type ToWorker = StartLoad | ProbeJoins | { type: 'window-start' } | { type: 'window-stop' } | { type: 'close' };

export interface LoadResult {
  /** connect start to first keyframe, ms, one per player that got one */
  ttfkMs: Float64Array;
  noKeyframe: number;
  /** players whose connection ended before the window did */
  closedEarly: number;
  /** first few distinct close/error reasons, for the log */
  reasons: string[];
  /** video frames received inside the window, one per player */
  framesPerPlayer: Float64Array;
  /** per video frame in the window: (arrival - ts) minus that player's minimum, ms */
  lateness: Float64Array;
}

export type FromWorker =
  | { type: 'connected'; players: number; withKeyframe: number; elapsedMs: number }
  | ({ type: 'result' } & LoadResult)
  | { type: 'probed'; ttfkMs: Float64Array; failed: number }
  | { type: 'error'; message: string };

/**
 * Restream destinations (issue 11): the shapes shared by the supervisor (core/relay/destination*.ts), the store
 * and the contract. A destination pushes one stream (or "whatever is live on app X") to an RTMP(S) server.
 */

export type DestinationState = 'idle' | 'connecting' | 'live' | 'retrying' | 'failed' | 'stopped';

export type Platform = 'youtube' | 'twitch' | 'facebook' | 'kick' | 'custom';

export interface DestinationSpec {
  id: string;
  name: string;
  platform: Platform;
  /** rtmp:// or rtmps:// server URL without the key, e.g. rtmps://a.rtmps.youtube.com:443/live2 */
  url: string;
  /** the stream key (secret: never logged, never answered whole) */
  key: string;
  /** what feeds it: one stream "/app/name", or every stream live on an app */
  source: { stream: string } | { app: string };
  /** start when the source goes live */
  auto: boolean;
  /** the user wants it running (persisted, resumed after a restart) */
  enabled: boolean;
}

export interface DestinationStatus {
  id: string;
  state: DestinationState;
  /** which stream feeds it right now (null when idle) */
  stream: string | null;
  /** bits per second the remote acknowledged over the last few seconds */
  ackedBitrate: number;
  bytesSent: number;
  bytesAcked: number;
  /** ms epoch when it last went live (null when not live) */
  liveSince: number | null;
  reconnects: number;
  /** retrying: attempt number and when the next try is, ms epoch */
  attempt: number;
  nextTryAt: number | null;
  /** the last error in plain words ("the server refused the stream key", "TLS handshake failed", …) */
  lastError: string | null;
  /** frames dropped because the remote could not keep up (the queue skipped to the next keyframe) */
  dropped: number;
  /**
   * Pre-flight against the platform's rules (core/relay/preflight.ts), once the source was seen long enough:
   * "copy", or "re-encode: keyframes every 8.3 s, Twitch needs ≤ 4 s" with the per-destination ffmpeg's state.
   * Absent/null until decided.
   */
  preflight?: PreflightView | null;
}

export interface PreflightView {
  mode: 'copy' | 're-encode';
  /** one line for the card */
  summary: string;
  reasons: string[];
  warnings: string[];
  /** the re-encode (null when copying): internal stream, encoder, ffmpeg restarts and last error */
  reencode: { path: string; encoder: string | null; restarts: number; error: string | null } | null;
}

/**
 * What the destinations API needs from the supervisor (core/relay/manager.ts DestinationManager implements it):
 * the specs it should run (a spec added or updated with `enabled` runs when its source is live), and each one's
 * live status. `state` events carry a DestinationStatus whenever one changes; `spec` events a spec whose
 * `enabled` the runtime flipped itself (a manual run ended), for the store. Specs carry the key in clear: the
 * runtime must never log it (core/relay/secrets.ts maskKey).
 */
export interface DestinationRuntime {
  add(spec: DestinationSpec): void;
  update(spec: DestinationSpec): void;
  remove(id: string): void;
  start(id: string): void;
  stop(id: string): void;
  retry(id: string): void;
  status(id: string): DestinationStatus;
  on(event: 'state', listener: (s: DestinationStatus) => void): unknown;
  on(event: 'spec', listener: (s: DestinationSpec) => void): unknown;
  off(event: 'state', listener: (s: DestinationStatus) => void): unknown;
  off(event: 'spec', listener: (s: DestinationSpec) => void): unknown;
  /** stop everything (studio shutdown) */
  close(): void;
}

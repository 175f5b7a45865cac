import type { Burst } from './burst';
import type { MediaPacket } from './packet';

export type Protocol = 'rtmp' | 'http' | 'ws' | 'hls' | 'dash' | 'record' | 'relay';

/** What a Stream knows about one of its outputs. The stream never waits for a subscriber. */
export interface Subscriber {
  readonly id: string;
  readonly protocol: Protocol;
  readonly ip: string;
  readonly connectCreated: Date;
  /** bytes written to this subscriber */
  readonly bytes: number;
  readonly dropped: number;
  /** an in-process output (HLS muxer, recorder): not a viewer */
  readonly internal?: boolean;
  /** Called once on attach with the stream's cached start (metadata, sequence headers, GOP). */
  start(init: StreamStart): void;
  /** Called for every live packet, in order. Must not throw, must not block. */
  send(packet: MediaPacket): void;
  /** End of one ingest burst: write what was coalesced. `burst` holds every packet fanned out since the last flush. */
  flush(burst?: Burst): void;
  /**
   * The stream is over: the publisher left and did not come back within the reconnect window
   * (`hls.cleanup_after_s`), or — for a subscriber without `survivesDrop` — the publisher left.
   */
  end(reason: string): void;
  /**
   * Stay attached when the publisher drops: wait up to the reconnect window for it to come back (players, HLS).
   * Without it (recorders) the subscriber is ended at the drop, as before.
   */
  readonly survivesDrop?: boolean;
  /** The publisher dropped; the stream may come back within the reconnect window (close what is open, no ENDLIST). */
  publisherLeft?(): void;
  /**
   * A publisher is back within the window. Called just before its first packet (a video keyframe, or the first
   * audio frame of an audio-only stream). Timestamps continue the old session's (one media clock per stream);
   * `changed` says which codec configurations differ (their new sequence headers are sent as packets).
   */
  publisherReturned?(changed: { video: boolean; audio: boolean }): void;
}

export interface StreamStart {
  metadata: MediaPacket | null;
  videoConfig: MediaPacket | null;
  audioConfig: MediaPacket | null;
  /** packets since the last keyframe (empty when the GOP cache is off) */
  gop: readonly MediaPacket[];
  hasAudio: boolean;
  hasVideo: boolean;
}

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
  /** The publisher left or the stream was kicked. */
  end(reason: string): void;
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

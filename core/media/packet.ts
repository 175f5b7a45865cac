/** A protocol-neutral media packet. `body` is the FLV tag body (identical to the RTMP message payload). */
export type PacketKind = 'video' | 'audio' | 'data';

export interface MediaPacket {
  kind: PacketKind;
  /** decode timestamp, ms, as received (32-bit) */
  timestamp: number;
  /** composition offset, ms */
  cts: number;
  keyframe: boolean;
  /** codec configuration (AVC/HEVC/AAC sequence header, Enhanced RTMP SequenceStart) */
  seqHeader: boolean;
  body: Buffer;
  /** memoized serializations, filled lazily by each egress format, shared by all its players */
  flvTag?: Buffer;
  rtmpChunks?: Buffer;
  rtmpChunkSize?: number;
}

export const FLV_TYPE: Record<PacketKind, number> = { audio: 8, video: 9, data: 18 };

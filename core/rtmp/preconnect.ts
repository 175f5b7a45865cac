/**
 * What an RTMP peer may cost before its `connect` is accepted, and after: the chunk reader's limits and
 * the handshake / connect deadline. Until then the peer is a stranger: small messages, few chunk streams,
 * little partial data, and no lingering.
 */
import type { OnAirConfig } from '../config';
import { OnAirError } from '../errors';
import type { ChunkLimits, RtmpMessage } from '../format/rtmp/rtmp-chunk';
import { MSG, decodeCommand } from '../format/rtmp/rtmp-messages';

export function preconnectLimits(cfg: OnAirConfig): ChunkLimits {
  const l = cfg.limits;
  return {
    maxMessageSize: Math.min(l.rtmp_preconnect_max_message, cfg.rtmp.max_message_size),
    maxBufferedBytes: l.rtmp_preconnect_max_buffered,
    maxChunkStreams: l.rtmp_preconnect_max_chunk_streams,
  };
}

export function connectedLimits(cfg: OnAirConfig): ChunkLimits {
  return { maxMessageSize: cfg.rtmp.max_message_size, maxPartialStreams: cfg.limits.rtmp_max_chunk_streams };
}

/** The chunk reader halts after this message, so what follows is read under the limits connect decides. */
export function isConnectCommand(m: RtmpMessage): boolean {
  if (m.type !== MSG.COMMAND_AMF0 && m.type !== MSG.COMMAND_AMF3) return false;
  try {
    return decodeCommand(m).name === 'connect';
  } catch {
    return false; // the session decodes it again and closes with the error
  }
}

/** One deadline at a time (handshake, then connect); calls `expire` with a LIMIT error when it passes. */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly expire: (e: OnAirError) => void) {}

  arm(ms: number, what: string): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire(new OnAirError('LIMIT', `${what} not done within ${ms} ms`));
    }, ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

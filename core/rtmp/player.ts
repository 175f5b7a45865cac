import { encodeChunks } from '../format/rtmp/rtmp-chunk';
import { MSG } from '../format/rtmp/rtmp-messages';
import type { ByteSink } from '../media/byte-sink';
import type { MediaPacket } from '../media/packet';
import type { RtmpSession } from './session';
import { queuePolicy } from '../context';
import { PlayerBase } from '../media/player-base';

const TYPE = { audio: MSG.AUDIO, video: MSG.VIDEO, data: MSG.DATA_AMF0 } as const;
const CSID = { audio: 4, video: 6, data: 5 } as const;

/** RTMP chunks for a packet, built once per chunk size and shared by every player on message stream 1. */
export function sharedRtmpChunks(p: MediaPacket, chunkSize: number, streamId: number): Buffer {
  if (streamId !== 1) return encodeChunks({ csid: CSID[p.kind], type: TYPE[p.kind], streamId, timestamp: p.timestamp, payload: p.body }, chunkSize);
  if (p.rtmpChunks && p.rtmpChunkSize === chunkSize) return p.rtmpChunks;
  const buf = encodeChunks({ csid: CSID[p.kind], type: TYPE[p.kind], streamId: 1, timestamp: p.timestamp, payload: p.body }, chunkSize);
  p.rtmpChunks = buf;
  p.rtmpChunkSize = chunkSize;
  return buf;
}

function sessionSink(s: RtmpSession): ByteSink {
  return {
    write: (b) => s.write(b),
    // corked: the buffers leave in one writev (one syscall), each still the shared encoding
    writev: (bufs) => {
      s.socket.cork();
      for (const b of bufs) s.write(b);
      s.socket.uncork();
    },
    get queued() {
      return s.socket.writableLength;
    },
    close: (reason) => s.close(reason),
  };
}

/** A player on an RTMP connection's NetStream. */
export class RtmpPlayer extends PlayerBase {
  constructor(private readonly session: RtmpSession, private readonly streamId: number, private readonly onFinish: (reason: string) => void) {
    super({
      id: session.id, ip: session.ip, protocol: 'rtmp', sink: sessionSink(session),
      policy: queuePolicy(session.ctx.config()), log: session.log,
    });
  }

  protected preamble(): null {
    return null;
  }

  protected encode(p: MediaPacket): Buffer {
    return sharedRtmpChunks(p, this.session.outChunkSize, this.streamId);
  }

  private formatKey = '';
  private formatChunkSize = 0;

  protected format(): string {
    const size = this.session.outChunkSize;
    if (size !== this.formatChunkSize) {
      this.formatChunkSize = size;
      this.formatKey = `rtmp:${size}:${this.streamId}`;
    }
    return this.formatKey;
  }

  protected finish(reason: string): void {
    this.onFinish(reason);
  }
}

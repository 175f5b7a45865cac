import { decodeAmf0, type AmfObject } from '../format/amf/amf';
import type { MediaPacket } from '../media/packet';
import type { RtmpClient } from '../rtmp/client';
import { AckMeter } from './ack-meter';
import type { DestinationOptions } from './destination';

/**
 * One connection of a destination to its remote (a new one after every failure): the send gate (a full socket
 * drops to the next keyframe), the remote-session clock, the acknowledgements and the dead-link watch. The
 * options are read once when the link opens, not per packet.
 */
export class RemoteLink {
  /** the remote-session clock: first media timestamp sent (null: none yet) */
  private base: number | null = null;
  /** the last media timestamp sent on the remote clock (any track), and per track */
  private lastTs = 0;
  private readonly lastOf = { audio: -1, video: -1 };
  /** the next media packet re-anchors the clock (splice) */
  private resync = false;
  waitKeyframe = false;
  private overSince = 0;
  readonly acks: AckMeter;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly client: RtmpClient,
    readonly streamId: number,
    readonly opts: DestinationOptions,
    /** the link is dead (no acknowledgements, or the remote stopped reading) */
    private readonly down: (link: RemoteLink, error: string) => void,
  ) {
    this.acks = new AckMeter(client.lastAckFromPeer, client.bytesOut);
    this.timer = setInterval(() => {
      if (this.acks.dead(client.bytesOut, opts.ackWindow, opts.ackTimeoutMs)) this.down(this, `no acknowledgement for ${Math.round(opts.ackTimeoutMs / 1000)} s`);
    }, 500);
    this.timer.unref();
  }

  /**
   * Send a packet unless the socket backlog is over the limit: then frames are dropped until the next keyframe
   * (and a backlog that stays over it for stallMs takes the link down). Returns the bytes written, or -1 when dropped.
   */
  forward(p: MediaPacket, hasVideo: boolean): number {
    if (!p.seqHeader && p.kind !== 'data') {
      const now = Date.now();
      if (this.client.writableLength > this.opts.maxQueueBytes) {
        if (this.overSince === 0) this.overSince = now;
        else if (now - this.overSince > this.opts.stallMs) this.down(this, 'the server is not reading (send queue full)');
        this.waitKeyframe = hasVideo;
        return -1;
      }
      this.overSince = 0;
      if (this.waitKeyframe) {
        if (p.kind !== 'video' || !p.keyframe) return 0;
        this.waitKeyframe = false;
      }
    }
    return this.write(p);
  }

  /**
   * The source changes under a live link (copy → re-encode; later a slate): the next media packet continues the
   * remote clock right after the last one sent, and frames wait for a keyframe. The remote sees one broadcast.
   */
  splice(): void {
    if (this.base === null) return;
    this.resync = true;
    this.waitKeyframe = true;
  }

  /** Send one packet on the remote-session clock; the bytes written. */
  write(p: MediaPacket): number {
    let ts = 0;
    if (p.kind !== 'data' && !p.seqHeader) {
      if (this.resync) {
        this.resync = false;
        this.base = p.timestamp - (this.lastTs + 1);
      }
      this.base ??= p.timestamp;
      let d = p.timestamp - this.base;
      if (d < -(2 ** 31)) d += 2 ** 32;
      ts = Math.max(0, d) >>> 0;
      // never backwards on a track (after a splice the new source's audio may start a little before its keyframe)
      if (ts < this.lastOf[p.kind]) return 0;
      this.lastOf[p.kind] = ts;
      this.lastTs = Math.max(this.lastTs, ts);
    } else if (this.resync) {
      ts = this.lastTs;
    } else if (this.base !== null) {
      ts = Math.max(0, p.timestamp - this.base) >>> 0;
    }
    const before = this.client.bytesOut;
    if (p.kind === 'video') this.client.sendVideo(this.streamId, ts, p.body);
    else if (p.kind === 'audio') this.client.sendAudio(this.streamId, ts, p.body);
    else this.writeData(ts, p.body);
    return this.client.bytesOut - before;
  }

  private writeData(ts: number, body: Buffer): void {
    let values: unknown[] = [];
    try {
      values = decodeAmf0(body);
    } catch {}
    if (values[0] === 'onMetaData' && typeof values[1] === 'object' && values[1] !== null) {
      this.client.sendMetadata(this.streamId, { ...(values[1] as AmfObject) });
    } else this.client.sendData(this.streamId, ts, body);
  }

  /** An Acknowledgement from the remote: the newly acknowledged bytes. */
  onAck(seq: number): number {
    return this.acks.onAck(seq, this.client.bytesOut, this.opts.bitrateWindowMs);
  }

  /** bits per second acknowledged over the sliding window (0 when acks stopped) */
  bitrate(): number {
    return this.acks.bitrate(this.opts.ackTimeoutMs);
  }

  close(): void {
    clearInterval(this.timer);
    this.client.close();
  }
}

import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, flvHeader, flvTag } from '../format/flv/flv';
import type { MediaPacket } from '../media/packet';
import type { StreamStart } from '../media/subscriber';
import { PlayerBase, type PlayerInit } from '../media/player-base';
import { ConfigBridge } from './bridge';

const TYPE = { video: FLV_VIDEO, audio: FLV_AUDIO, data: FLV_SCRIPT } as const;

/** FLV tag for a packet, built once and shared by every HTTP-FLV / WS-FLV player. */
export function sharedFlvTag(p: MediaPacket): Buffer {
  return (p.flvTag ??= flvTag(TYPE[p.kind], p.timestamp, p.body));
}

/** An HTTP-FLV or WS-FLV player: FLV header, then one tag per packet. */
export class FlvPlayer extends PlayerBase {
  /** a new AVC configuration mid-stream reaches the player with bridge frames (bridge.ts) */
  private readonly bridge = new ConfigBridge();

  constructor(init: PlayerInit, private readonly onFinish: (reason: string) => void) {
    super(init);
  }

  protected preamble(init: StreamStart): Buffer {
    this.bridge.started(init.videoConfig);
    return flvHeader(init.hasAudio, init.hasVideo);
  }

  override send(p: MediaPacket): void {
    if (this.bridge.passes(p)) return super.send(p);
    const out = this.bridge.map(p);
    if (out.length === 1 && out[0] === p) return super.send(p);
    this.inStep = false;
    for (const q of out) super.send(q);
  }

  protected encode(p: MediaPacket): Buffer {
    return sharedFlvTag(p);
  }

  protected format(): string {
    return 'flv';
  }

  protected finish(reason: string): void {
    this.onFinish(reason);
  }
}

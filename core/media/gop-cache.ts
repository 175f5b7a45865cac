import type { MediaPacket } from './packet';

/**
 * Packets since the last video keyframe, so a new player starts instantly. Bounded by bytes and packets:
 * when a limit is hit the cache is emptied and (for video) refills from the next keyframe. Audio-only
 * streams keep a rolling tail so they cannot grow it without bound either.
 */
export class GopCache {
  private packets: MediaPacket[] = [];
  private bytes = 0;
  constructor(private readonly maxBytes: number, private readonly maxPackets: number) {}

  push(p: MediaPacket, hasVideo: boolean): void {
    if (hasVideo) {
      if (p.kind === 'video' && p.keyframe) this.clear();
      else if (this.packets.length === 0) return; // wait for a keyframe
    }
    this.packets.push(p);
    this.bytes += p.body.length;
    if (this.bytes > this.maxBytes || this.packets.length > this.maxPackets) {
      if (hasVideo) this.clear();
      else this.trimHalf();
    }
  }

  private trimHalf(): void {
    const drop = Math.ceil(this.packets.length / 2);
    for (let i = 0; i < drop; i++) this.bytes -= this.packets[i].body.length;
    this.packets = this.packets.slice(drop);
  }

  clear(): void {
    this.packets = [];
    this.bytes = 0;
  }

  get list(): readonly MediaPacket[] {
    return this.packets;
  }

  get size(): { packets: number; bytes: number } {
    return { packets: this.packets.length, bytes: this.bytes };
  }
}

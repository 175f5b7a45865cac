import type { MediaPacket } from './packet';

/** An audio-only stream keeps this much of its newest audio for a joining player, ms. */
export const AUDIO_ONLY_TAIL_MS = 1000;

/**
 * Packets since the last video keyframe, so a new player starts instantly. Bounded by bytes and packets:
 * when a limit is hit the cache is emptied and (for video) refills from the next keyframe. Audio-only
 * streams are bounded in time as well: only the last AUDIO_ONLY_TAIL_MS, so a new player starts at live.
 */
export class GopCache {
  private packets: MediaPacket[] = [];
  private bytes = 0;
  constructor(private readonly maxBytes: number, private readonly maxPackets: number) {}

  push(p: MediaPacket, hasVideo: boolean, timestamp = p.timestamp): void {
    if (hasVideo) {
      if (p.kind === 'video' && p.keyframe) this.clear();
      else if (this.packets.length === 0) return; // wait for a keyframe
    }
    this.packets.push(p);
    this.bytes += p.body.length;
    if (!hasVideo) {
      let drop = 0;
      while (drop < this.packets.length - 1 && timestamp - this.packets[drop].timestamp > AUDIO_ONLY_TAIL_MS) drop++;
      if (drop > 0) {
        for (let i = 0; i < drop; i++) this.bytes -= this.packets[i].body.length;
        this.packets = this.packets.slice(drop);
      }
    }
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

import type { MediaPacket } from './packet';

/**
 * The packets a stream fanned out since its last flush. Players that took every one of them (the usual
 * case) get the same bytes, so each output format concatenates the burst once and all those players
 * write that one Buffer: one write per player per burst, whatever the number of packets.
 */
export class Burst {
  readonly packets: MediaPacket[] = [];
  private readonly encoded = new Map<string, Buffer>();

  shared(format: string, encode: (p: MediaPacket) => Buffer): Buffer {
    let b = this.encoded.get(format);
    if (!b) {
      b = this.packets.length === 1 ? encode(this.packets[0]) : Buffer.concat(this.packets.map(encode));
      this.encoded.set(format, b);
    }
    return b;
  }
}

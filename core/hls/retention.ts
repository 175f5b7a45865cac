/**
 * Segments (and their parts) that left a live playlist stay fetchable for one target duration + the playlist's
 * duration at the time they left (RFC 8216 §6.2.2), then answer 404.
 */
export class Retired<T extends { seq: number }> {
  private items: Array<{ item: T; until: number }> = [];

  add(item: T, keepMs: number, now = Date.now()): void {
    this.items.push({ item, until: now + keepMs });
    this.prune(now);
  }

  prune(now = Date.now()): void {
    while (this.items.length && this.items[0].until <= now) this.items.shift();
  }

  find(seq: number, now = Date.now()): T | undefined {
    return this.items.find((x) => x.item.seq === seq && x.until > now)?.item;
  }

  /** still-retained items (for init segments they reference) */
  list(now = Date.now()): T[] {
    return this.items.filter((x) => x.until > now).map((x) => x.item);
  }
}

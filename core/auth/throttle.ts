/**
 * Wrong-credential throttling per client address, with exponential backoff: the first `free` failures cost
 * nothing; after that each failure locks the address out for 1 s, 2 s, 4 s … up to `maxLockS`. While locked,
 * every attempt (right or wrong) is refused without being checked, so guessing speed is bounded. A success
 * clears the address. Entries are forgotten after `forgetMs` without failures; the table is bounded.
 */
export interface ThrottleOptions {
  free?: number;
  maxLockS?: number;
  forgetMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  last: number;
}

export class LoginThrottle {
  private readonly table = new Map<string, Entry>();
  private readonly free: number;
  private readonly maxLockS: number;
  private readonly forgetMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(o: ThrottleOptions = {}) {
    this.free = o.free ?? 5;
    this.maxLockS = o.maxLockS ?? 60;
    this.forgetMs = o.forgetMs ?? 15 * 60_000;
    this.maxEntries = o.maxEntries ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** Seconds the address must wait before it may try again, 0 when it may try now. */
  lockedFor(addr: string): number {
    const e = this.table.get(addr);
    if (!e) return 0;
    const t = this.now();
    if (t - e.last > this.forgetMs) {
      this.table.delete(addr);
      return 0;
    }
    return Math.max(0, (e.lockedUntil - t) / 1000);
  }

  failed(addr: string): void {
    const t = this.now();
    let e = this.table.get(addr);
    if (!e || t - e.last > this.forgetMs) {
      e = { failures: 0, lockedUntil: 0, last: t };
      if (this.table.size >= this.maxEntries) this.evict(t);
      this.table.set(addr, e);
    }
    e.failures++;
    e.last = t;
    const over = e.failures - this.free;
    if (over > 0) e.lockedUntil = t + Math.min(this.maxLockS, 2 ** (over - 1)) * 1000;
  }

  succeeded(addr: string): void {
    this.table.delete(addr);
  }

  private evict(t: number): void {
    for (const [k, e] of this.table) if (t - e.last > this.forgetMs || e.lockedUntil < t) this.table.delete(k);
    if (this.table.size >= this.maxEntries) this.table.delete(this.table.keys().next().value as string);
  }
}

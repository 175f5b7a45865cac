/** Counts events and bytes; `sample()` once a second gives per-second rates over the last window. */
export class RateMeter {
  private count = 0;
  private bytes = 0;
  private lastCount = 0;
  private lastBytes = 0;
  private lastAt = Date.now();
  /** events per second and bits per second over the last sample window */
  rate = 0;
  bitrate = 0;

  add(bytes: number): void {
    this.count++;
    this.bytes += bytes;
  }

  addBytes(bytes: number): void {
    this.bytes += bytes;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get totalCount(): number {
    return this.count;
  }

  sample(now = Date.now()): void {
    const dt = (now - this.lastAt) / 1000;
    if (dt <= 0) return;
    this.rate = (this.count - this.lastCount) / dt;
    this.bitrate = ((this.bytes - this.lastBytes) * 8) / dt;
    this.lastCount = this.count;
    this.lastBytes = this.bytes;
    this.lastAt = now;
  }
}

/**
 * What the remote acknowledged on one RTMP connection: the bytes (from its Acknowledgement sequence numbers,
 * 32-bit and wrapping), the bitrate over a sliding window, and whether the link looks dead (bytes beyond a
 * window outstanding and no acknowledgement for too long).
 */
/** a remote acknowledging less often than this is treated as acknowledging this often (nginx's default is 5 MB) */
const MAX_SPACING = 16 * 1024 * 1024;

export class AckMeter {
  acked = 0;
  lastAt: number;
  private outAtLast: number;
  private samples: Array<{ t: number; acked: number }> = [];
  /** the most bytes one acknowledgement covered: a remote that ignores our window acks this far apart */
  private spacing = 0;

  constructor(private lastSeq: number, bytesOut: number, now = Date.now()) {
    this.lastAt = now;
    this.outAtLast = bytesOut;
  }

  /** An Acknowledgement arrived; returns the newly acknowledged bytes. */
  onAck(seq: number, bytesOut: number, windowMs: number, now = Date.now()): number {
    const delta = (seq - this.lastSeq + 2 ** 32) % 2 ** 32;
    this.lastSeq = seq;
    this.lastAt = now;
    this.outAtLast = bytesOut;
    this.acked += delta;
    this.spacing = Math.min(MAX_SPACING, Math.max(this.spacing, delta));
    this.samples.push({ t: now, acked: this.acked });
    while (this.samples.length > 2 && this.samples[1].t <= now - windowMs) this.samples.shift();
    return delta;
  }

  /** bits per second acknowledged over the window (0 before 1 s of samples, or when acks stopped) */
  bitrate(timeoutMs: number, now = Date.now()): number {
    if (this.samples.length < 2 || now - this.lastAt > timeoutMs) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = last.t - first.t;
    return span < 1000 ? 0 : Math.round(((last.acked - first.acked) * 8 * 1000) / span);
  }

  /**
   * More than 1.5 windows sent since the last acknowledgement, and none for `timeoutMs`. The window is ours, or
   * the remote's own cadence when it acknowledges less often than we asked (it ignored our Window Ack Size).
   */
  dead(bytesOut: number, window: number, timeoutMs: number, now = Date.now()): boolean {
    const w = Math.max(window, this.spacing);
    return bytesOut - this.outAtLast > w * 1.5 + 4096 && now - this.lastAt > timeoutMs;
  }
}

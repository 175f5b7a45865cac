import { OnAirError } from '../errors';

/** The `limits` keys the budget reads (read on every request, so a config change applies at once). */
export interface FfmpegLimits {
  ffmpeg_max_processes: number;
  ffmpeg_queue_ms: number;
}

/** Where spawned processes are written down (the store), so the next start can kill what outlived a crash. */
export interface ProcessTracker {
  add(p: { pid: number; kind: string; cmd: string; jobId: string | null }): void;
  remove(pid: number): void;
}

interface Waiter {
  grant(): void;
}

/**
 * The studio's one budget of ffmpeg/ffprobe processes (transcodes, probes, covers, snapshots, thumbnails):
 * a counting semaphore with a FIFO queue. A request that cannot get a slot within `ffmpeg_queue_ms`
 * fails with OnAirError('BUSY'). The optional tracker records every process it lets run.
 */
export class FfmpegBudget {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** set while the store is open */
  tracker: ProcessTracker | null = null;

  constructor(private readonly limits: () => FfmpegLimits) {}

  /** processes holding a slot now */
  get active(): number {
    return this.running;
  }

  /** requests waiting for a slot */
  get queued(): number {
    return this.waiting.length;
  }

  /** true when a request now would have to wait */
  get full(): boolean {
    return this.running >= this.max() || this.waiting.length > 0;
  }

  private max(): number {
    return Math.max(1, this.limits().ffmpeg_max_processes);
  }

  busyError(): OnAirError {
    const n = this.running;
    return new OnAirError('BUSY', `busy: ${n} ffmpeg process${n === 1 ? '' : 'es'} running, try again shortly`);
  }

  /**
   * Wait for a slot. Resolves with `release` (call it once, when the process has exited); rejects with
   * BUSY after `ffmpeg_queue_ms`, or with INTERNAL 'cancelled' when `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new OnAirError('INTERNAL', 'cancelled'));
    if (this.running < this.max() && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    const waitMs = this.limits().ffmpeg_queue_ms;
    if (waitMs <= 0) return Promise.reject(this.busyError());
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        grant: () => {
          leave();
          this.running++;
          resolve(this.releaser());
        },
      };
      const timer = setTimeout(() => {
        leave();
        reject(this.busyError());
        this.pump();
      }, waitMs);
      const onAbort = (): void => {
        leave();
        reject(new OnAirError('INTERNAL', 'cancelled'));
        this.pump();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(w);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.running < this.max()) this.waiting[0].grant();
  }
}

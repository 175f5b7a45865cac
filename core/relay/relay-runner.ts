/**
 * Supervision of one relay ingest (a static source, or one on-demand pull): run an attempt, and when it ends
 * retry with exponential backoff and jitter (core/relay/machine.ts backoffDelay) until stopped. States:
 * idle → connecting → live → retrying (attempt n, next try, last error) → connecting …; stop() → stopped.
 * A static relay never gives up (a camera may come back hours later); the delay is capped.
 */
import type { DestinationState } from './types';
import { backoffDelay, type BackoffPolicy } from './machine';
import type { IngestAttempt } from './relay-ingest';

export interface RunnerStatus {
  state: DestinationState;
  attempt: number;
  nextTryAt: number | null;
  lastError: string | null;
  liveSince: number | null;
}

export class RelayRunner {
  private st: RunnerStatus = { state: 'idle', attempt: 0, nextTryAt: null, lastError: null, liveSince: null };
  private current: IngestAttempt | null = null;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private gen = 0;

  constructor(
    private readonly attempt: () => IngestAttempt,
    private readonly backoff: () => BackoffPolicy,
    private readonly onChange: () => void,
  ) {}

  status(): RunnerStatus {
    return { ...this.st };
  }

  get running(): boolean {
    return this.st.state !== 'idle' && this.st.state !== 'stopped';
  }

  start(): void {
    if (this.running) return;
    this.st.attempt = 0;
    this.run();
  }

  /** "Retry now": start over at attempt 1. */
  retry(): void {
    void this.halt('retry');
    this.st.attempt = 0;
    this.run();
  }

  /** Stop; resolves once the attempt is over (its ffmpeg has exited). */
  stop(): Promise<void> {
    const gone = this.halt('stopped');
    this.set({ state: 'stopped', nextTryAt: null, liveSince: null });
    return gone;
  }

  private halt(reason: string): Promise<void> {
    this.gen++;
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    this.timer = this.poll = null;
    const a = this.current;
    this.current = null;
    a?.stop(reason);
    return a ? a.done.then(() => undefined) : Promise.resolve();
  }

  private set(p: Partial<RunnerStatus>): void {
    this.st = { ...this.st, ...p };
    this.onChange();
  }

  private run(): void {
    const gen = ++this.gen;
    this.st.attempt++;
    this.set({ state: 'connecting', nextTryAt: null });
    const a = this.attempt();
    this.current = a;
    this.poll = setInterval(() => {
      if (gen === this.gen && this.st.state === 'connecting' && a.live()) this.set({ state: 'live', liveSince: Date.now(), lastError: null });
    }, 200);
    void a.done.then((reason) => {
      if (gen !== this.gen) return;
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
      this.current = null;
      // a run that went live resets the count: the next failure waits the shortest delay again
      if (this.st.state === 'live') this.st.attempt = 1;
      const p = this.backoff();
      const delay = backoffDelay(this.st.attempt, { ...p, maxAttempts: Infinity });
      this.set({ state: 'retrying', lastError: reason, liveSince: null, nextTryAt: Date.now() + delay });
      this.timer = setTimeout(() => {
        if (gen === this.gen) this.run();
      }, delay);
    });
  }
}

/**
 * The supervision state machine of one restream destination (issue 11), after datarhei/core's process.go:
 * explicit states, legal transitions only, exponential backoff with jitter and a cap on attempts.
 *
 *   idle ─► connecting ─► live ─► retrying (attempt n, next try at t, last error) ─► connecting …
 *                      └────────► retrying ─► failed (gave up after `maxAttempts`)
 *   any running state ─► stopped (the user) ─► connecting (start / retry now)
 *   any state ─► idle (the source stream ended)
 *
 * An illegal transition throws (a bug in the supervisor, caught by the tests). The machine owns no timers:
 * the destination schedules the next try from `nextTryAt`.
 */
import type { DestinationState } from './types';

export interface BackoffPolicy {
  /** the first retry's delay, ms (default 1 s) */
  baseMs: number;
  /** the delay never grows past this, ms (default 30 s) */
  maxMs: number;
  /** ± this fraction of random spread on every delay (default 0.2) */
  jitter: number;
  /** after this many failed attempts in a row the destination gives up: `failed` (default 10) */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000, jitter: 0.2, maxAttempts: 10 };

/** The delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, then ± jitter. */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const raw = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = raw * p.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(raw + spread));
}

const LEGAL: Readonly<Record<DestinationState, readonly DestinationState[]>> = {
  idle: ['connecting', 'stopped'],
  connecting: ['live', 'retrying', 'failed', 'stopped', 'idle'],
  live: ['retrying', 'stopped', 'idle'],
  retrying: ['connecting', 'failed', 'stopped', 'idle'],
  failed: ['connecting', 'stopped', 'idle'],
  stopped: ['connecting', 'idle'],
};

export function isLegal(from: DestinationState, to: DestinationState): boolean {
  return LEGAL[from].includes(to);
}

export interface MachineSnapshot {
  state: DestinationState;
  attempt: number;
  nextTryAt: number | null;
  lastError: string | null;
  reconnects: number;
  liveSince: number | null;
}

export class DestinationMachine {
  state: DestinationState = 'idle';
  /** failed attempts in a row (0 once live, or after "retry now") */
  attempt = 0;
  nextTryAt: number | null = null;
  lastError: string | null = null;
  /** connections opened after the first one of a run */
  reconnects = 0;
  liveSince: number | null = null;
  private connectedOnce = false;

  constructor(
    private readonly policy: () => BackoffPolicy = () => DEFAULT_BACKOFF,
    private readonly onChange: (s: MachineSnapshot) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  snapshot(): MachineSnapshot {
    const { state, attempt, nextTryAt, lastError, reconnects, liveSince } = this;
    return { state, attempt, nextTryAt, lastError, reconnects, liveSince };
  }

  private go(to: DestinationState): void {
    if (!isLegal(this.state, to)) throw new Error(`illegal destination transition ${this.state} → ${to}`);
    this.state = to;
    if (to !== 'live') this.liveSince = null;
    if (to !== 'retrying') this.nextTryAt = null;
    this.onChange(this.snapshot());
  }

  /** A connection attempt begins (first start, a scheduled retry, or "retry now"). */
  connecting(): void {
    if (this.connectedOnce) this.reconnects++;
    this.connectedOnce = true;
    this.go('connecting');
  }

  /** The remote accepted the publish and acknowledged bytes. */
  live(): void {
    this.attempt = 0;
    this.lastError = null;
    this.liveSince = this.now();
    this.go('live');
  }

  /**
   * The connection failed or died: `retrying` with the next try's time, or `failed` once the attempts are
   * used up. Returns the delay until the next try, ms, or null when it gave up.
   */
  failure(error: string): number | null {
    this.lastError = error;
    this.attempt++;
    if (this.attempt > this.policy().maxAttempts) {
      this.go('failed');
      return null;
    }
    const delay = backoffDelay(this.attempt, this.policy(), this.random);
    this.nextTryAt = this.now() + delay;
    this.go('retrying');
    return delay;
  }

  /** "Retry now": the attempt count starts over; the caller connects at once. */
  retryNow(): void {
    this.attempt = 0;
    this.connecting();
  }

  /** The user stopped it. */
  stopped(): void {
    this.attempt = 0;
    this.go('stopped');
  }

  /** The source stream ended (or the destination was never started): nothing runs, nothing is wrong. */
  idle(): void {
    this.attempt = 0;
    this.connectedOnce = false;
    this.go('idle');
  }
}

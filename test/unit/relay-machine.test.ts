import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, DestinationMachine, backoffDelay, isLegal, type MachineSnapshot } from '../../core/relay/machine';
import { describeFailure, WORDS } from '../../core/relay/link-errors';
import { OnAirError } from '../../core/errors';
import { AckMeter } from '../../core/relay/ack-meter';

describe('destination state machine', () => {
  it('walks idle → connecting → live → retrying → connecting → live, reporting every change', () => {
    const seen: MachineSnapshot[] = [];
    let now = 1000;
    const m = new DestinationMachine(() => DEFAULT_BACKOFF, (s) => seen.push(s), () => now, () => 0.5);
    m.connecting();
    m.live();
    expect(m.liveSince).toBe(1000);
    now = 5000;
    const delay = m.failure('connection refused');
    expect(delay).toBe(1000); // attempt 1: the base, no jitter at random() = 0.5
    expect(m.snapshot()).toMatchObject({ state: 'retrying', attempt: 1, nextTryAt: 6000, lastError: 'connection refused', liveSince: null });
    m.connecting();
    m.live();
    expect(m.snapshot()).toMatchObject({ state: 'live', attempt: 0, lastError: null, reconnects: 1 });
    expect(seen.map((s) => s.state)).toEqual(['connecting', 'live', 'retrying', 'connecting', 'live']);
  });

  it('illegal transitions throw', () => {
    const m = new DestinationMachine();
    expect(() => m.live()).toThrow(/idle → live/);
    m.connecting();
    m.live();
    expect(() => m.connecting()).toThrow(/live → connecting/);
    m.stopped();
    expect(() => m.live()).toThrow(/stopped → live/);
    expect(() => m.stopped()).toThrow(/stopped → stopped/);
    expect(isLegal('failed', 'live')).toBe(false);
    expect(isLegal('idle', 'retrying')).toBe(false);
    expect(isLegal('retrying', 'connecting')).toBe(true);
  });

  it('backs off exponentially with ±20 % jitter, capped at 30 s, then gives up after the cap of attempts', () => {
    const policy = { ...DEFAULT_BACKOFF, maxAttempts: 8 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, policy, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(3200);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(4800);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(10, policy);
      expect(d).toBeGreaterThanOrEqual(24_000);
      expect(d).toBeLessThanOrEqual(36_000);
    }
    const m = new DestinationMachine(() => policy, undefined, () => 0, () => 0.5);
    m.connecting();
    const delays: Array<number | null> = [];
    for (let i = 0; i < 9; i++) {
      delays.push(m.failure('no acknowledgement for 10 s'));
      if (m.state === 'retrying') m.connecting();
    }
    expect(delays.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(delays[8]).toBeNull();
    expect(m.snapshot()).toMatchObject({ state: 'failed', attempt: 9, nextTryAt: null, lastError: 'no acknowledgement for 10 s' });
    // "retry now" starts the count over
    m.retryNow();
    expect(m.snapshot()).toMatchObject({ state: 'connecting', attempt: 0 });
    expect(m.failure('connection refused')).toBe(1000);
  });

  it('the source ending makes it idle from any running state, and resets the reconnect count for the next run', () => {
    const m = new DestinationMachine();
    m.connecting();
    m.failure('x');
    m.connecting();
    expect(m.reconnects).toBe(1);
    m.idle();
    expect(() => m.idle()).toThrow(/idle → idle/);
    m.connecting();
    expect(m.snapshot()).toMatchObject({ state: 'connecting', attempt: 0 });
  });
});

describe('failures in plain words (by code and phase, never the raw message that may hold the key)', () => {
  const sys = (code: string, message = code): Error => Object.assign(new Error(message), { code });
  it('maps the usual failures', () => {
    expect(describeFailure(new OnAirError('IO', 'RTMP connect failed', sys('ECONNREFUSED')), 'connect')).toBe('connection refused');
    expect(describeFailure(new OnAirError('IO', 'x', sys('ENOTFOUND')), 'connect')).toBe('host not found');
    expect(describeFailure(new OnAirError('IO', 'x', sys('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")), 'connect'))
      .toBe("TLS handshake failed: Hostname/IP does not match certificate's altnames");
    const refused = new OnAirError('REJECTED', 'publish SECRETKEY1234 refused: NetStream.Publish.Rejected');
    expect(describeFailure(refused, 'publish')).toBe(WORDS.keyRefused);
    expect(describeFailure(new OnAirError('AUTH', 'publish SECRETKEY refused: NetStream.Publish.Unauthorized'), 'publish')).toBe(WORDS.keyRefused);
    expect(describeFailure(new OnAirError('IO', 'connection closed (closed by server)'), 'running')).toBe('the server closed the connection');
    expect(describeFailure(new OnAirError('IO', 'x', sys('ECONNRESET')), 'running')).toBe('the server closed the connection');
    for (const p of ['connect', 'publish', 'running'] as const) expect(describeFailure(refused, p)).not.toContain('SECRET');
  });
});

describe('acknowledgement meter', () => {
  it('counts acknowledged bytes across the 32-bit wrap, measures the bitrate, and finds a dead link', () => {
    const m = new AckMeter(2 ** 32 - 1000, 0, 0);
    expect(m.onAck(24_000, 25_000, 5000, 500)).toBe(25_000); // wrapped
    expect(m.bitrate(10_000, 600)).toBe(0); // under 1 s of samples
    for (let t = 1000; t <= 6000; t += 500) m.onAck((24_000 + (t - 500) * 125) % 2 ** 32, t * 125, 5000, t); // 1 Mbit/s
    expect(m.bitrate(10_000, 6000)).toBe(1_000_000);
    expect(m.bitrate(3000, 9500)).toBe(0); // acks stopped
    expect(m.dead(6000 * 125 + 100_000, 64 * 1024, 3000, 8000)).toBe(false); // not long enough
    expect(m.dead(6000 * 125 + 50_000, 64 * 1024, 3000, 9100)).toBe(false); // under 1.5 windows outstanding
    expect(m.dead(6000 * 125 + 120_000, 64 * 1024, 3000, 9100)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { makeSign, signHash, verifySign } from '../../core/auth/sign';

describe('signed URLs (Node-Media-Server 2.x scheme)', () => {
  it('matches the seed document vector', () => {
    expect(signHash('/live/stream', 1503458721, 'nodemedia2017privatekey')).toBe('80c1d1ad2e0c2ab63eebb50eed64201a');
    expect(makeSign('/live/stream', 1503458721, 'nodemedia2017privatekey')).toBe('1503458721-80c1d1ad2e0c2ab63eebb50eed64201a');
  });

  it('accepts valid, refuses expired / wrong / malformed / missing', () => {
    const secret = 's3cret';
    const exp = 2_000_000_000;
    const now = 1_900_000_000;
    expect(verifySign('/live/a', makeSign('/live/a', exp, secret), secret, now)).toEqual({ ok: true });
    expect(verifySign('/live/a', makeSign('/live/a', 1_800_000_000, secret), secret, now)).toEqual({ ok: false, reason: 'expired' });
    expect(verifySign('/live/b', makeSign('/live/a', exp, secret), secret, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySign('/live/a', makeSign('/live/a', exp, 'other'), secret, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySign('/live/a', 'garbage', secret, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySign('/live/a', undefined, secret, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySign('/live/a', '', secret, now)).toEqual({ ok: false, reason: 'missing' });
  });
});

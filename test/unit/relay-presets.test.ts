import { describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import type { Resolver } from '../../core/net/outbound';
import { PLATFORMS, PRESETS, TWITCH_AUTO_HOST, checkHostResolves, validateDestination, validateKey, validateName, validateUrl } from '../../core/relay/presets';
import type { Platform } from '../../core/relay/types';
import { stubResolver } from '../helpers/resolver-stub';

const stub = stubResolver;

function refusal(fn: () => unknown): OnAirError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OnAirError);
    expect((e as OnAirError).code).toBe('VALIDATION');
    return e as OnAirError;
  }
  throw new Error('expected a VALIDATION refusal');
}

async function asyncRefusal(p: Promise<unknown>): Promise<OnAirError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(OnAirError);
  expect((e as OnAirError).code).toBe('VALIDATION');
  return e as OnAirError;
}

describe('platform presets', () => {
  it('carries the platforms\' published ingest URLs', () => {
    expect(PRESETS.youtube.ingests.map((i) => i.url)).toEqual(expect.arrayContaining(['rtmps://a.rtmps.youtube.com:443/live2', 'rtmps://b.rtmps.youtube.com:443/live2?backup=1']));
    expect(PRESETS.twitch.ingests.find((i) => i.id === 'auto')?.url).toBe(`rtmp://${TWITCH_AUTO_HOST}/app`);
    expect(PRESETS.twitch.ingests.some((i) => i.url.startsWith('rtmps://'))).toBe(true);
    expect(PRESETS.facebook.defaultUrl).toBe('rtmps://live-api-s.facebook.com:443/rtmp/');
    expect(PRESETS.facebook.schemes).toEqual(['rtmps']);
    expect(PLATFORMS.sort()).toEqual(['custom', 'facebook', 'kick', 'twitch', 'youtube']);
  });

  it('every preset ingest URL passes its own platform\'s validation', () => {
    for (const p of PLATFORMS) for (const i of PRESETS[p].ingests) expect(validateUrl(p, i.url).href).toBeTruthy();
  });
});

describe('destination validation: every bad input is a VALIDATION refusal with a clear message', () => {
  it('refuses URLs that are not rtmp:// or rtmps://', () => {
    for (const u of ['http://example.test/live', 'https://a.rtmps.youtube.com/live2', 'srt://host:9000', 'file:///etc/passwd', 'rtmpx://host/app']) {
      expect(refusal(() => validateUrl('custom', u)).message).toMatch(/rtmp:\/\/ or rtmps:\/\//);
    }
    expect(refusal(() => validateUrl('custom', 'not a url')).message).toMatch(/spaces|not a URL/);
    expect(refusal(() => validateUrl('custom', 'rtmp//host/app')).message).toMatch(/not a URL/);
    expect(refusal(() => validateUrl('custom', '')).message).toMatch(/empty/);
    expect(refusal(() => validateUrl('custom', 'rtmp://host/' + 'a'.repeat(3000))).message).toMatch(/too long/);
  });

  it('refuses a user name or password in the URL', () => {
    expect(refusal(() => validateUrl('custom', 'rtmp://user:pass@127.0.0.1/live')).message).toMatch(/user name or password/);
    expect(refusal(() => validateUrl('youtube', 'rtmps://key@a.rtmps.youtube.com/live2')).message).toMatch(/user name or password/);
  });

  it('refuses plain RTMP for Facebook (and Kick), accepts it for YouTube, Twitch and Custom', () => {
    expect(refusal(() => validateUrl('facebook', 'rtmp://live-api-s.facebook.com:80/rtmp/')).message).toMatch(/Facebook accepts RTMPS only: use rtmps:\/\/live-api-s\.facebook\.com:443\/rtmp\//);
    expect(refusal(() => validateUrl('kick', 'rtmp://ingest.example.test/app')).message).toMatch(/Kick accepts RTMPS only/);
    for (const p of ['youtube', 'twitch', 'custom'] as Platform[]) expect(validateUrl(p, 'rtmp://127.0.0.1:1935/live').protocol).toBe('rtmp:');
    expect(validateUrl('facebook', 'rtmps://127.0.0.1:8443/rtmp/').protocol).toBe('rtmps:');
  });

  it('refuses spaces and control characters in URL, fragments and hostless URLs', () => {
    expect(refusal(() => validateUrl('custom', 'rtmp://host/li ve')).message).toMatch(/spaces or control/);
    expect(refusal(() => validateUrl('custom', 'rtmp://ho\tst/live')).message).toMatch(/spaces or control/);
    expect(refusal(() => validateUrl('custom', 'rtmp://host/live#frag')).message).toMatch(/fragment/);
    expect(refusal(() => validateUrl('custom', 'rtmp:///live')).message).toMatch(/no host/);
    expect(validateUrl('custom', '  rtmp://host/live\n').href).toBe('rtmp://host/live'); // surrounding blanks are trimmed
  });

  it('refuses keys that are empty, too long, or carry spaces or control characters', () => {
    expect(refusal(() => validateKey('')).message).toMatch(/empty/);
    for (const k of ['abc def', 'abc\tdef', 'abc\ndef', 'abc\u0000def', 'abc\u007fdef', ' abcdef', 'abcdef ', 'abc\u00a0def', 'abc\u200bdef']) {
      expect(refusal(() => validateKey(k)).message).toMatch(/spaces or control characters/);
    }
    expect(refusal(() => validateKey('k'.repeat(513))).message).toMatch(/too long/);
  });

  it('accepts keys that look like options or carry query strings: they are data', () => {
    expect(validateKey('-i')).toBe('-i');
    expect(validateKey('--help;rm$(x)`y`')).toBe('--help;rm$(x)`y`');
    expect(validateKey('-f_flv')).toBe('-f_flv');
    expect(validateKey('FB-123456789?s_bl=1&s_psm=1&s_sw=0&a=AbCdEf')).toBe('FB-123456789?s_bl=1&s_psm=1&s_sw=0&a=AbCdEf');
    expect(validateKey('k'.repeat(512))).toHaveLength(512);
  });

  it('refuses a name that is empty, too long or has control characters; trims spaces', () => {
    expect(refusal(() => validateName('   ')).message).toMatch(/empty/);
    expect(refusal(() => validateName('x'.repeat(65))).message).toMatch(/too long \(at most 64/);
    expect(refusal(() => validateName('a\u0007b')).message).toMatch(/control/);
    expect(validateName('  My YouTube  ')).toBe('My YouTube');
    expect(validateName('é'.repeat(64))).toHaveLength(64);
  });
});

describe('host resolution', () => {
  const url = (h: string): URL => new URL(`rtmp://${h}/live`);

  it('skips the lookup for IP literals (loopback allowed: the user configures destinations)', async () => {
    const r = stub({});
    await checkHostResolves(url('127.0.0.1'), r);
    await checkHostResolves(url('[::1]:1935'), r);
    await checkHostResolves(url('10.1.2.3'), r);
    expect(r.calls).toEqual([]);
  });

  it('accepts a name that resolves, including to loopback; the real system resolver reads /etc/hosts', async () => {
    await checkHostResolves(url('ingest.example.test'), stub({ 'ingest.example.test': ['127.0.0.1'] }));
    await checkHostResolves(url('localhost')); // node's dns.lookup: answered from /etc/hosts, no traffic leaves
  });

  it('refuses a name that does not resolve, resolves to nothing, or does not answer in time', async () => {
    expect((await asyncRefusal(checkHostResolves(url('nowhere.example.test'), stub({})))).message).toMatch(/nowhere\.example\.test does not resolve \(ENOTFOUND\)/);
    const empty: Resolver = async () => [];
    expect((await asyncRefusal(checkHostResolves(url('empty.example.test'), empty))).message).toMatch(/does not resolve/);
    const hang: Resolver = () => new Promise(() => {});
    const t0 = Date.now();
    expect((await asyncRefusal(checkHostResolves(url('slow.example.test'), hang, 200))).message).toMatch(/did not resolve within/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('validateDestination checks everything and returns the normalized destination', async () => {
    const r = stub({ 'a.rtmps.youtube.com': ['127.0.0.1'] });
    const d = await validateDestination({ name: ' YT ', platform: 'youtube', url: ' rtmps://a.rtmps.youtube.com:443/live2 ', key: 'abcd-efgh-ijkl-mnop', extra: 1 }, { resolver: r });
    expect(d).toEqual({ name: 'YT', platform: 'youtube', url: 'rtmps://a.rtmps.youtube.com:443/live2', key: 'abcd-efgh-ijkl-mnop', extra: 1 });
    await asyncRefusal(validateDestination({ name: 'FB', platform: 'facebook', url: 'rtmp://live-api-s.facebook.com/rtmp/', key: 'k' }, { resolver: r }));
    await asyncRefusal(validateDestination({ name: 'X', platform: 'custom', url: 'rtmp://gone.example.test/live', key: 'k' }, { resolver: r }));
  });
});

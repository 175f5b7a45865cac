import { describe, expect, it } from 'vitest';
import { deliverCallback, isCallbackUrl } from '../../core/jobs/callbacks';
import { testHttp } from '../helpers/jobs';

/** the test servers live on loopback, which the outbound guard refuses unless allowed */
const policy = { allowPrivate: ['127.0.0.1'] };

describe('completion callbacks', () => {
  it('retries with backoff until a 2xx; POST carries JSON, GET carries query fields', async () => {
    let calls = 0;
    const web = await testHttp({
      '/flaky': (_req, res) => {
        res.writeHead(++calls < 3 ? 503 : 200);
        res.end();
      },
    });
    try {
      const t0 = Date.now();
      const r = await deliverCallback({ method: 'POST', url: web.url('/flaky'), body: { code: '200', data: { a: 1 } } }, { baseDelayMs: 50, policy });
      expect(r).toEqual({ delivered: true, attempts: 3, status: 200 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150); // 50 + 100 ms of backoff
      expect(web.received.map((x) => [x.method, x.body])).toEqual(Array(3).fill(['POST', '{"code":"200","data":{"a":1}}']));
      await deliverCallback({ method: 'GET', url: web.url('/get?id=7'), query: { diskuri: '/a b.mp4', t: '1' } }, { policy });
      expect(Object.fromEntries(web.received[3].url.searchParams)).toEqual({ id: '7', diskuri: '/a b.mp4', t: '1' });
    } finally {
      await web.close();
    }
  });

  it('gives up after the attempts (never throws) and stops at once when aborted', async () => {
    const r = await deliverCallback({ method: 'GET', url: 'http://127.0.0.1:1/x', query: {} }, { attempts: 2, baseDelayMs: 10, policy });
    expect(r).toMatchObject({ delivered: false, attempts: 2 });
    const ac = new AbortController();
    ac.abort();
    expect((await deliverCallback({ method: 'GET', url: 'http://127.0.0.1:1/x', query: {} }, { signal: ac.signal, policy })).attempts).toBe(0);
  });

  it('a private address is refused at every delivery without a request (no retries); a redirect is not followed', async () => {
    const web = await testHttp({
      '/moved': (_req, res) => {
        res.writeHead(302, { location: 'http://10.0.0.1/x' });
        res.end();
      },
    });
    try {
      for (const url of [web.url('/cb'), web.url('/cb').replace('127.0.0.1', 'localhost'), 'http://[::1]:1/x', 'http://2130706433:1/x']) {
        const r = await deliverCallback({ method: 'GET', url, query: { t: '1' } }, { attempts: 3, baseDelayMs: 10, policy: { allowPrivate: [] } });
        expect(r, url).toEqual({ delivered: false, attempts: 1, status: null });
      }
      expect(web.received).toEqual([]);
      const moved = await deliverCallback({ method: 'POST', url: web.url('/moved'), body: {} }, { attempts: 2, baseDelayMs: 10, policy });
      expect(moved).toEqual({ delivered: false, attempts: 2, status: 302 });
      expect(web.received.map((x) => x.url.pathname)).toEqual(['/moved', '/moved']);
    } finally {
      await web.close();
    }
  });

  it('only http(s) URLs without credentials are callbacks', () => {
    expect(isCallbackUrl('http://localhost/version?id=12')).toBe(true);
    for (const u of ['localhost/x', 'ftp://h/x', 'http://u:p@h/x', '']) expect(isCallbackUrl(u)).toBe(false);
  });
});

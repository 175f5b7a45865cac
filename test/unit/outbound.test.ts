import { describe, expect, it } from 'vitest';
import { classifyIp, parseCidr, parseIp } from '../../core/net/ip-ranges';
import { outboundRequest, OutboundError, vetUrl, type OutboundPolicy, type Resolver } from '../../core/net/outbound';
import { testHttp } from '../helpers/jobs';
import { stubResolver } from '../helpers/resolver-stub';

const stub = stubResolver;

async function refusal(p: Promise<unknown>): Promise<OutboundError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(OutboundError);
  return e as OutboundError;
}

describe('address classes', () => {
  it('IPv4 ranges', () => {
    const cases: Record<string, string> = {
      '127.0.0.1': 'loopback', '127.255.255.254': 'loopback', '0.0.0.0': 'unspecified', '0.1.2.3': 'unspecified',
      '10.0.0.1': 'private', '172.16.0.1': 'private', '172.31.255.255': 'private', '192.168.1.1': 'private', '100.64.0.1': 'private', '100.127.255.255': 'private',
      '169.254.169.254': 'link-local', '224.0.0.1': 'multicast', '239.255.255.250': 'multicast', '240.0.0.1': 'reserved', '255.255.255.255': 'reserved',
      '172.32.0.1': 'public', '172.15.255.255': 'public', '100.128.0.1': 'public', '8.8.8.8': 'public', '93.184.216.34': 'public', '11.0.0.1': 'public',
    };
    for (const [ip, cls] of Object.entries(cases)) expect(classifyIp(ip), ip).toBe(cls);
  });

  it('IPv6 ranges and IPv4 inside IPv6', () => {
    const cases: Record<string, string> = {
      '::1': 'loopback', '0:0:0:0:0:0:0:1': 'loopback', '[::1]': 'loopback', '::': 'unspecified',
      'fc00::1': 'private', 'fd12:3456::1': 'private', 'fe80::1': 'link-local', 'fe80::1%eth0': 'link-local', 'febf::1': 'link-local',
      'ff02::1': 'multicast', 'ff0e::1': 'multicast',
      '::ffff:127.0.0.1': 'loopback', '::ffff:7f00:1': 'loopback', '::FFFF:10.1.2.3': 'private', '::ffff:169.254.169.254': 'link-local',
      '::127.0.0.1': 'loopback', '64:ff9b::a00:1': 'private', '64:ff9b::8.8.8.8': 'public', '2002:7f00:1::': 'loopback', '2002:0808:0808::': 'public',
      '2606:4700:4700::1111': 'public', '2001:4860:4860::8888': 'public', '::ffff:8.8.8.8': 'public',
    };
    for (const [ip, cls] of Object.entries(cases)) expect(classifyIp(ip), ip).toBe(cls);
  });

  it('parses only real addresses; CIDRs', () => {
    for (const s of ['localhost', '1.2.3', '::g', '1::2::3', '256.0.0.1', '']) expect(parseIp(s), s).toBeNull();
    expect(classifyIp('not-an-ip')).toBe('reserved');
    expect(parseCidr('10.0.0.0/8')?.prefix).toBe(8);
    expect(parseCidr('fd00::/8')?.prefix).toBe(8);
    expect(parseCidr('127.0.0.1')?.prefix).toBe(32);
    for (const s of ['10.0.0.0/33', '10.0.0.0/x', 'example.com', '::/129']) expect(parseCidr(s), s).toBeNull();
  });
});

describe('vetUrl: numeric spellings, resolver answers, allow_private', () => {
  const none: OutboundPolicy = { allowPrivate: [], resolver: stub({}) };

  it('every spelling of loopback and the other ranges is refused without a DNS query', async () => {
    const urls = [
      'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://127.000.000.001/', 'http://0x7f.1/',
      'http://[::1]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://0/', 'http://[::]/',
      'http://10.0.0.1/', 'http://167772161/', 'https://169.254.169.254/latest/meta-data/', 'http://172.16.0.1/', 'http://192.168.0.1:8080/',
      'http://100.64.0.1/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://4294967295/', 'http://[fe80::1]/', 'http://[fd00::1]/', 'http://[ff02::1]/',
      'http://[64:ff9b::a00:1]/', 'http://[2002:a00:1::]/',
    ];
    for (const u of urls) {
      const e = await refusal(vetUrl(u, none));
      expect(e.kind, u).toBe('refused');
      expect(e.message, u).toBe('refused: private address');
      expect(e.code).toBe('VALIDATION');
    }
    expect((none.resolver as ReturnType<typeof stub>).calls).toEqual([]);
  });

  it('a name resolving to a private address is refused (any one of its addresses is enough)', async () => {
    const r = stub({
      'media.example': ['10.0.0.1'], 'meta.example': ['169.254.169.254'], 'mixed.example': ['93.184.216.34', '192.168.1.20'],
      'v6.example': ['fd00::5'], 'mapped.example': ['::ffff:10.0.0.1'], 'lo.example': ['::1'], 'pub.example': ['93.184.216.34', '2606:4700::1'],
    });
    const policy = { allowPrivate: [], resolver: r };
    for (const h of ['media.example', 'meta.example', 'mixed.example', 'v6.example', 'mapped.example', 'lo.example']) {
      const e = await refusal(vetUrl(`http://${h}/x.mp4`, policy, 'download'));
      expect([e.kind, e.message], h).toEqual(['refused', 'download refused: private address']);
    }
    expect((await refusal(vetUrl('http://meta.example/', policy))).addressClass).toBe('link-local');
    const ok = await vetUrl('https://pub.example/a.mp4', policy);
    expect(ok.addresses).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1', family: 6 }]);
    const nx = await refusal(vetUrl('http://nowhere.example/', policy, 'callback'));
    expect([nx.kind, nx.message]).toEqual(['failed', 'callback failed: host not found']);
  });

  it('allow_private: an address, a CIDR or a host name', async () => {
    const r = stub({ 'nas.lan': ['192.168.1.20'], 'cam.lan': ['10.1.2.3'], 'v6.lan': ['fd00::5'] });
    const p = (allowPrivate: string[]): OutboundPolicy => ({ allowPrivate, resolver: r });
    await expect(vetUrl('http://127.0.0.1:9/', p(['127.0.0.1']))).resolves.toMatchObject({ host: '127.0.0.1' });
    await expect(vetUrl('http://[::ffff:127.0.0.1]/', p(['127.0.0.1']))).resolves.toBeTruthy();
    await expect(vetUrl('http://127.0.0.2/', p(['127.0.0.1']))).rejects.toThrow('refused');
    await expect(vetUrl('http://127.0.0.2/', p(['127.0.0.0/8']))).resolves.toBeTruthy();
    await expect(vetUrl('http://[::1]/', p(['::1']))).resolves.toBeTruthy();
    await expect(vetUrl('http://cam.lan/', p(['10.0.0.0/8']))).resolves.toBeTruthy();
    await expect(vetUrl('http://cam.lan/', p(['10.0.0.0/16']))).rejects.toThrow('refused');
    await expect(vetUrl('http://nas.lan/', p(['NAS.lan.']))).resolves.toBeTruthy();
    await expect(vetUrl('http://nas.lan/', p(['cam.lan']))).rejects.toThrow('refused');
    await expect(vetUrl('http://v6.lan/', p(['fd00::/8']))).resolves.toBeTruthy();
    await expect(vetUrl('http://169.254.169.254/', p(['10.0.0.0/8', 'nas.lan']))).rejects.toThrow('refused');
  });

  it('only http(s) without credentials', async () => {
    for (const u of ['file:///etc/passwd', 'ftp://8.8.8.8/x', 'gopher://8.8.8.8/', 'http://user:pw@8.8.8.8/', 'nonsense', 'javascript:alert(1)']) {
      expect((await refusal(vetUrl(u, none))).kind, u).toBe('bad_url');
    }
  });
});

describe('outboundRequest against loopback servers', () => {
  it('connects to the vetted address (one lookup; a rebinding resolver gets no second say)', async () => {
    const web = await testHttp();
    const port = new URL(web.url('/')).port;
    let n = 0;
    const rebind: Resolver = async () => (n++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]);
    try {
      const res = await outboundRequest(`http://rebind.example:${port}/a?b=1`, { allowPrivate: ['127.0.0.1'], resolver: rebind });
      res.body.resume();
      expect(res.status).toBe(200);
      expect(n).toBe(1);
      expect(web.received.map((r) => r.url.pathname + r.url.search)).toEqual(['/a?b=1']);
    } finally {
      await web.close();
    }
  });

  it('every redirect hop is checked again: an allowed name redirecting to a refused address stops there', async () => {
    const inner = await testHttp();
    const outer = await testHttp({
      '/to-literal': (_q, res) => {
        res.writeHead(302, { location: inner.url('/secret') });
        res.end();
      },
      '/to-name': (_q, res) => {
        res.writeHead(307, { location: `http://intranet.example:${new URL(inner.url('/')).port}/secret` });
        res.end();
      },
      '/to-self': (_q, res) => {
        res.writeHead(301, { location: '/loop' });
        res.end();
      },
      '/loop': (_q, res) => {
        res.writeHead(302, { location: '/to-self' });
        res.end();
      },
    });
    const port = new URL(outer.url('/')).port;
    // "front.example" is allowed by name and stands in for a public server; the redirect targets are not allowed
    const policy = { allowPrivate: ['front.example'], resolver: stub({ 'front.example': ['127.0.0.1'], 'intranet.example': ['10.0.0.1'] }) };
    try {
      for (const p of ['/to-literal', '/to-name']) {
        const e = await refusal(outboundRequest(`http://front.example:${port}${p}`, policy, { label: 'download' }));
        expect([e.kind, e.message], p).toEqual(['refused', 'download refused: private address']);
      }
      expect(inner.received).toEqual([]);
      const loop = await refusal(outboundRequest(`http://front.example:${port}/to-self`, policy));
      expect(loop.message).toBe('failed: too many redirects');
      expect(outer.received.filter((r) => r.url.pathname === '/to-self' || r.url.pathname === '/loop')).toHaveLength(6);
      // with maxRedirects 0 the 3xx comes back as is
      const raw = await outboundRequest(`http://front.example:${port}/to-literal`, policy, { maxRedirects: 0 });
      raw.body.resume();
      expect(raw.status).toBe(302);
    } finally {
      await outer.close();
      await inner.close();
    }
  });

  it('an abort ends a trickling answer; a refused port is "connection refused"', async () => {
    const web = await testHttp({
      '/slow': (_q, res) => {
        res.writeHead(200);
        const t = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(t));
      },
    });
    const policy = { allowPrivate: ['127.0.0.1'] };
    try {
      const ac = new AbortController();
      const res = await outboundRequest(web.url('/slow'), policy, { signal: ac.signal });
      const closed = new Promise<void>((r) => res.body.once('close', () => r()));
      res.body.resume();
      ac.abort();
      await closed;
      const e = await refusal(outboundRequest('http://127.0.0.1:1/', policy, { label: 'download' }));
      expect([e.kind, e.message]).toEqual(['failed', 'download failed: connection refused']);
    } finally {
      await web.close();
    }
  });
});

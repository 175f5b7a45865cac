import pino from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisDirectory } from '../../core/cluster/directory';
import { redactRedisUrl } from '../../core/scale-config';
import { startRedis, type RedisServer } from '../helpers/redis';

const log = pino({ level: 'silent' });

describe('cluster claim Lua (real redis-server)', () => {
  let r: RedisServer;
  let a: RedisDirectory;
  let b: RedisDirectory;
  let raw: Redis;
  beforeAll(async () => {
    r = await startRedis();
    a = new RedisDirectory({ url: r.url, prefix: 't1:', nodeId: 'node-a', ttlMs: 5000, log });
    b = new RedisDirectory({ url: r.url, prefix: 't1:', nodeId: 'node-b', ttlMs: 5000, log });
    await Promise.all([a.start(), b.start()]);
    raw = new Redis(r.url);
    raw.on('error', () => undefined);
  }, 30_000);
  afterAll(async () => {
    raw?.disconnect();
    await a?.stop();
    await b?.stop();
    await r?.stop();
  });

  it('two concurrent claims of one path: exactly one wins, 50 rounds', async () => {
    expect(a.state()).toBe('connected');
    const wins = { 'node-a': 0, 'node-b': 0 };
    for (let i = 0; i < 50; i++) {
      const path = `/live/race${i}`;
      const [ra, rb] = await Promise.all([a.claim(path), b.claim(path)]);
      const results = [ra.result, rb.result].sort();
      expect(results).toEqual(['claimed', 'taken']);
      // both answers name the same owner, and that is what Redis holds
      expect(ra.owner.node).toBe(rb.owner.node);
      expect(await raw.get(`t1:stream:${path}`)).toBe(ra.owner.node);
      wins[ra.owner.node as keyof typeof wins]++;
    }
    expect(wins['node-a'] + wins['node-b']).toBe(50);
  });

  it('already mine renews; renew and release only touch our own claim', async () => {
    const path = '/live/mine';
    expect((await a.claim(path)).result).toBe('claimed');
    expect((await a.claim(path)).result).toBe('mine');
    expect(await b.renew(path)).toBe(false);
    expect(await b.release(path)).toBe(false);
    expect(await raw.get(`t1:stream:${path}`)).toBe('node-a');
    expect(await a.renew(path)).toBe(true);
    const ttl = await raw.pttl(`t1:stream:${path}`);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
    expect(await a.release(path)).toBe(true);
    expect(await raw.get(`t1:stream:${path}`)).toBeNull();
    expect(await raw.sismember('t1:streams', path)).toBe(0);
    expect((await b.claim(path)).result).toBe('claimed');
  });

  it('every key lives under the prefix', async () => {
    await a.register({ id: 'node-a', rtmp: 'rtmp://127.0.0.1:1', http: 'http://127.0.0.1:2', load: { cpu: 0, rss_mb: 1, streams: 0, players: 0 }, started_at: 1, last_seen: 2 });
    await a.writeEdge('/live/x');
    const keys = await raw.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.startsWith('t1:')).toBe(true);
  });

  it('the password of a Redis URL is masked', () => {
    expect(redactRedisUrl('redis://user:s3cret@host:6379/0')).not.toContain('s3cret');
    expect(redactRedisUrl('redis://:s3cret@host:6379')).toBe('redis://:***@host:6379');
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, type CommandName, type Destination, type Reply } from '../../core/contract';
import type { Resolver } from '../../core/net/outbound';
import { SecretBox, fileKeyProvider } from '../../core/relay/secrets';
import { openStore } from '../../core/store/db';
import { DestinationsRepo } from '../../core/store/destinations-repo';
import { connectWs, expectOk, type WsClient } from '../helpers/contract-ws';
import { startStudio, type TestStudio } from '../helpers/studio';

/** destinations.* over /api/ws and /api/destinations: validation, masked keys, persistence across a restart. */

const KEY = 'live_8675309_TopSecretKeyDoNotLeak_q7Zx';
const KEY2 = 'second-secret-key-0000-WXYZ';
const KEY3 = 'rotated-secret-key-1111-ABCD';
/** made-up names resolve to loopback; anything else does not resolve (nothing leaves this machine) */
const resolver: Resolver = async (host) => {
  if (host === 'ingest.example.test' || host === 'a.rtmps.youtube.com') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

let dataDir: string;
let t: TestStudio;
let c: WsClient;
let deadPort: number;
/** every answer any transport gave, to check that no key ever went out whole */
const answers: unknown[] = [];

async function start(): Promise<void> {
  t = await startStudio({ data_dir: dataDir, log_level: 'debug' }, { resolver });
  c = await connectWs(t.wsUrl('/api/ws'));
}
async function call(cmd: CommandName, args?: unknown): Promise<Reply> {
  const r = await c.call(cmd, args);
  answers.push(r);
  return r;
}
async function ok<T>(cmd: CommandName, args?: unknown): Promise<T> {
  const result = expectOk<T>(await call(cmd, args));
  commands[cmd].result.parse(result);
  return result;
}
async function fails(cmd: CommandName, args: unknown, code: string, message?: RegExp): Promise<void> {
  const r = await call(cmd, args);
  expect(r.ok, `${cmd} ${JSON.stringify(args)} should fail`).toBe(false);
  if (!r.ok) {
    expect(r.error.code, r.error.message).toBe(code);
    if (message) expect(r.error.message).toMatch(message);
  }
}
async function rest(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(t.httpUrl(p), { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as unknown;
  answers.push(json);
  return { status: res.status, json };
}
const storedKey = (id: string): string => {
  const s = openStore(dataDir);
  try {
    const r = new DestinationsRepo(s.db).get(id);
    if (!r) throw new Error(`no row ${id}`);
    return new SecretBox(fileKeyProvider(dataDir)).decrypt(r.keyCipher, id);
  } finally {
    s.close();
  }
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-dest-contract-'));
  // a port nothing listens on (the source is not live, so nothing connects anyway)
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  deadPort = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  await start();
});
afterAll(async () => {
  c?.close();
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const custom = (): Record<string, unknown> => ({ name: 'Local nginx', platform: 'custom', url: `rtmp://127.0.0.1:${deadPort}/live`, key: KEY, source: { stream: '/live/studio' }, enabled: true });

describe('destinations over /api/ws and REST', () => {
  let a: Destination;
  let b: Destination;

  it('adds a Custom destination to 127.0.0.1; answers show the key masked', async () => {
    expect(await ok('destinations.list')).toEqual([]);
    a = await ok<Destination>('destinations.add', custom());
    expect(a).toMatchObject({ name: 'Local nginx', platform: 'custom', url: `rtmp://127.0.0.1:${deadPort}/live`, key: `••••${KEY.slice(-4)}`, source: { stream: '/live/studio' }, enabled: true, auto: false });
    expect(a.status.id).toBe(a.id);
    const list = await ok<Destination[]>('destinations.list');
    expect(list.map((d) => [d.id, d.key])).toEqual([[a.id, `••••${KEY.slice(-4)}`]]);
    const r = await rest('GET', '/api/destinations');
    expect(r.status).toBe(200);
    expect(r.json).toEqual(list.map((d) => ({ ...d, status: expect.any(Object) as unknown })));
    expect(storedKey(a.id)).toBe(KEY);
  });

  it('adds over REST (201) with a name that resolves', async () => {
    const r = await rest('POST', '/api/destinations', { name: 'YT', platform: 'youtube', url: 'rtmps://a.rtmps.youtube.com:443/live2', key: KEY2, source: { app: 'live' }, auto: true });
    expect(r.status).toBe(201);
    b = r.json as Destination;
    expect(b).toMatchObject({ name: 'YT', platform: 'youtube', key: `••••${KEY2.slice(-4)}`, source: { app: 'live' }, auto: true, enabled: false });
    expect((await rest('GET', `/api/destinations/${b.id}`)).json).toMatchObject({ id: b.id, key: `••••${KEY2.slice(-4)}` });
  });

  it('refuses every bad input with a 4xx / VALIDATION and a message, and saves nothing', async () => {
    // [patch, message, the field a form shows it next to]
    const bad: Array<[Record<string, unknown>, RegExp, string | undefined]> = [
      [{ url: 'http://127.0.0.1/live' }, /rtmp:\/\/ or rtmps:\/\//, 'url'],
      [{ url: 'rtmp://user:pw@127.0.0.1/live' }, /user name or password/, 'url'],
      [{ platform: 'facebook', url: 'rtmp://live-api-s.facebook.com:80/rtmp/' }, /Facebook accepts RTMPS only/, 'url'],
      [{ key: 'has a space' }, /spaces or control/, 'key'],
      [{ key: 'line\nbreak' }, /spaces or control/, 'key'],
      [{ key: '' }, /empty/, 'key'],
      [{ url: 'rtmp://nowhere.example.test/live' }, /nowhere\.example\.test does not resolve/, 'url'],
      [{ name: 'n'.repeat(65) }, /too long/, 'name'],
      [{ source: { stream: 'live/studio' } }, /stream path/, 'source.stream'],
      [{ extra: 1 }, /extra|Unrecognized/i, undefined],
    ];
    for (const [patch, message, field] of bad) {
      await fails('destinations.add', { ...custom(), ...patch }, 'VALIDATION', message);
      const c = await call('destinations.add', { ...custom(), ...patch });
      if (field && !c.ok) expect(c.error.issues?.[0]?.path, JSON.stringify(patch)).toBe(field);
      const r = await rest('POST', '/api/destinations', { ...custom(), ...patch });
      expect(r.status, JSON.stringify(patch)).toBe(400);
      const err = (r.json as { error: { code: string; message: string; field?: string } }).error;
      expect(err.code).toBe('VALIDATION');
      expect(err.message).toMatch(message);
      expect(err.field, JSON.stringify(patch)).toBe(field);
    }
    // update is held to the same rules, and a refused update changes nothing
    await fails('destinations.update', { id: a.id, url: 'rtmp://nowhere.example.test/live' }, 'VALIDATION', /does not resolve/);
    await fails('destinations.update', { id: a.id, key: 'a b' }, 'VALIDATION', /spaces/);
    await fails('destinations.update', { id: b.id, platform: 'facebook', url: 'rtmp://ingest.example.test/rtmp/' }, 'VALIDATION', /RTMPS only/);
    await fails('destinations.update', { id: a.id, platform: 'kick' }, 'VALIDATION', /Kick accepts RTMPS only/);
    expect((await rest('PATCH', `/api/destinations/${a.id}`, { url: 'https://x/' })).status).toBe(400);
    const list = await ok<Destination[]>('destinations.list');
    expect(list.map((d) => d.id)).toEqual([a.id, b.id]);
    expect(list[0]).toMatchObject({ url: a.url, key: a.key, name: a.name, platform: 'custom' });
    expect(list[1]).toMatchObject({ url: b.url, key: b.key, platform: 'youtube' });
    expect(storedKey(a.id)).toBe(KEY);
    await fails('destinations.update', { id: 'nope', name: 'x' }, 'NOT_FOUND');
    expect((await rest('DELETE', '/api/destinations/nope')).status).toBe(404);
    expect((await rest('POST', '/api/destinations/bad%20id/start')).status).toBe(400);
  });

  it('update: a masked key or no key keeps the old one; a new key replaces it', async () => {
    const u1 = await ok<Destination>('destinations.update', { id: a.id, name: 'Renamed', key: a.key });
    expect(u1).toMatchObject({ id: a.id, name: 'Renamed', key: a.key });
    expect(storedKey(a.id)).toBe(KEY);
    const u2 = await rest('PATCH', `/api/destinations/${a.id}`, { auto: true });
    expect(u2.status).toBe(200);
    expect(u2.json).toMatchObject({ name: 'Renamed', auto: true, key: a.key });
    expect(storedKey(a.id)).toBe(KEY);
    const u3 = await rest('PUT', `/api/destinations/${b.id}`, { key: KEY3, url: 'rtmp://ingest.example.test/live2' });
    expect(u3.json).toMatchObject({ key: `••••${KEY3.slice(-4)}`, url: 'rtmp://ingest.example.test/live2' });
    expect(storedKey(b.id)).toBe(KEY3);
  });

  it('start / stop persist `enabled` and report the status (destination.state events)', async () => {
    const stopped = await ok<Destination>('destinations.stop', { id: a.id });
    expect(stopped.enabled).toBe(false);
    await c.waitEvent('destination.state', (e) => e.data.id === a.id && e.data.state === 'stopped');
    expect((await ok<Destination>('destinations.start', { id: a.id })).enabled).toBe(true);
    const r = await rest('POST', `/api/destinations/${a.id}/retry`);
    expect(r.status).toBe(200);
    expect((r.json as Destination).id).toBe(a.id);
    expect(((await rest('POST', `/api/destinations/${b.id}/stop`)).json as Destination).enabled).toBe(false);
  });

  it('remove works over both transports', async () => {
    const extra = await ok<Destination>('destinations.add', { ...custom(), name: 'to remove', enabled: false });
    expect(await ok('destinations.remove', { id: extra.id })).toEqual({ ok: true, id: extra.id });
    await fails('destinations.remove', { id: extra.id }, 'NOT_FOUND');
    const extra2 = (await rest('POST', '/api/destinations', { ...custom(), name: 'to remove 2' })).json as Destination;
    expect((await rest('DELETE', `/api/destinations/${extra2.id}`)).json).toEqual({ ok: true, id: extra2.id });
    expect((await ok<Destination[]>('destinations.list')).map((d) => d.id)).toEqual([a.id, b.id]);
  });

  it('a restart on the same data folder lists them again with `enabled` kept', async () => {
    // the first run's log lines, for the last test
    const logs = await ok('logs.tail', { limit: 1000 });
    expect(JSON.stringify(logs)).toMatch(/destination saved/);
    c.close();
    await t.stop();
    await start();
    const list = await ok<Destination[]>('destinations.list');
    expect(list.map((d) => [d.id, d.name, d.enabled, d.auto, d.key])).toEqual([
      [a.id, 'Renamed', true, true, `••••${KEY.slice(-4)}`],
      [b.id, 'YT', false, true, `••••${KEY3.slice(-4)}`],
    ]);
  });

  it('the keys never went out whole: not in any answer, not in the logs, not in the database file', async () => {
    const logs = await ok('logs.tail', { limit: 1000 });
    expect((logs as unknown[]).length).toBeGreaterThan(0);
    const out = JSON.stringify([answers, logs]);
    for (const k of [KEY, KEY2, KEY3]) {
      expect(out).not.toContain(k);
      expect(out).not.toContain(k.slice(0, 10));
    }
    const db = Buffer.concat(readdirSync(dataDir).filter((f) => f.startsWith('onair.db')).map((f) => readFileSync(path.join(dataDir, f))));
    expect(db.length).toBeGreaterThan(0);
    for (const k of [KEY, KEY2, KEY3]) expect(db.includes(Buffer.from(k))).toBe(false);
  });
});

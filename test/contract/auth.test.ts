import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWs, expectOk } from '../helpers/contract-ws';
import { startStudio, type TestStudio } from '../helpers/studio';

/** /api/ws behind the API gate: 401 on upgrade without credentials. */

let t: TestStudio;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-auth-'));
  t = await startStudio({ auth: { api: true, api_user: 'admin', api_pass: 'hunter2', api_token: 'tok-123' }, data_dir: dataDir });
});

afterAll(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('/api/ws with auth.api on', () => {
  it('answers 401 without a token', async () => {
    await expect(connectWs(t.wsUrl('/api/ws'))).rejects.toThrow('401');
    await expect(connectWs(t.wsUrl('/api/ws?token=wrong'))).rejects.toThrow('401');
  });

  it('accepts the API token in ?token= (browsers cannot set headers on a WebSocket)', async () => {
    const c = await connectWs(t.wsUrl('/api/ws?token=tok-123'));
    expect(expectOk(await c.call('streams.list'))).toEqual([]);
    c.close();
  });

  it('accepts Basic auth and a bearer token in headers', async () => {
    const basic = await connectWs(t.wsUrl('/api/ws'), { authorization: `Basic ${Buffer.from('admin:hunter2').toString('base64')}` });
    basic.close();
    const bearer = await connectWs(t.wsUrl('/api/ws'), { authorization: 'Bearer tok-123' });
    bearer.close();
    await expect(connectWs(t.wsUrl('/api/ws'), { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` })).rejects.toThrow('401');
  });

  it('trades user/password for a panel token at /api/panel-token', async () => {
    expect((await fetch(t.httpUrl('/api/panel-token'))).status).toBe(401);
    const res = await fetch(t.httpUrl('/api/panel-token'), { headers: { authorization: `Basic ${Buffer.from('admin:hunter2').toString('base64')}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { auth: boolean; token: string };
    expect(body.auth).toBe(true);
    const c = await connectWs(t.wsUrl(`/api/ws?token=${encodeURIComponent(body.token)}`));
    expect((await c.call('server.status')).ok).toBe(true);
    c.close();
  });

  it('server.panelToken gives the panel the token its <img>/<video>/upload URLs carry to /api', async () => {
    const c = await connectWs(t.wsUrl('/api/ws?token=tok-123'));
    const { token } = expectOk<{ token: string }>(await c.call('server.panelToken'));
    c.close();
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect((await fetch(t.httpUrl('/api/recordings'))).status).toBe(401);
    expect((await fetch(t.httpUrl('/api/recordings?token=wrong'))).status).toBe(401);
    const ok = await fetch(t.httpUrl(`/api/recordings?token=${encodeURIComponent(token)}`));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ recordings: [] });
  });

  it('lets the browser panel log in without a Basic challenge (no password dialog)', async () => {
    const session = async (q = ''): Promise<{ gate: boolean; valid: boolean }> => (await (await fetch(t.httpUrl(`/panel/session${q}`))).json()) as { gate: boolean; valid: boolean };
    expect(await session()).toEqual({ gate: true, valid: false });
    expect(await session('?token=tok-123')).toEqual({ gate: true, valid: true });
    const post = (body: unknown): Promise<Response> => fetch(t.httpUrl('/panel/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ user: 'admin', pass: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBeNull();
    const good = await post({ user: 'admin', pass: 'hunter2' });
    expect(good.status).toBe(200);
    const { token } = (await good.json()) as { token: string };
    expect(await session(`?token=${encodeURIComponent(token)}`)).toEqual({ gate: true, valid: true });
    expect((await post({ token: 'tok-123' })).status).toBe(200);
    const c = await connectWs(t.wsUrl(`/api/ws?token=${encodeURIComponent(token)}`));
    c.close();
  });

  it('refuses cross-origin and rebound-host pages when the gate is off', async () => {
    const open = await startStudio({ data_dir: path.join(dataDir, 'open') });
    try {
      await expect(connectWs(open.wsUrl('/api/ws'), { origin: 'http://evil.example' })).rejects.toThrow('403');
      const same = await connectWs(open.wsUrl('/api/ws'), { origin: `http://127.0.0.1:${open.ports.http}` });
      same.close();
      // DNS rebinding: a page on a domain that now resolves to us sends matching Origin and Host
      // refused at the front door by its Host (421 Misdirected Request), before the Origin is even read
      await expect(connectWs(open.wsUrl('/api/ws'), { origin: `http://rebind.example:${open.ports.http}`, host: `rebind.example:${open.ports.http}` })).rejects.toThrow('421');
    } finally {
      await open.stop();
    }
  });
});

describe('switching the API gate on', () => {
  it('closes panels connected without credentials once the answer is sent; they need the token to come back', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onair-auth-'));
    const open = await startStudio({ data_dir: dataDir });
    try {
      const c = await connectWs(open.wsUrl('/api/ws'));
      const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
      const r = await c.call('server.config.set', { auth: { api: true, api_token: 'fresh-token' } });
      expect(r.ok).toBe(true);
      expect(await closed).toBe(4001);
      await expect(connectWs(open.wsUrl('/api/ws'))).rejects.toThrow('401');
      const again = await connectWs(open.wsUrl('/api/ws?token=fresh-token'));
      expect((await again.call('streams.list')).ok).toBe(true);
      again.close();
    } finally {
      await open.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

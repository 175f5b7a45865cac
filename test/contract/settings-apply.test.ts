import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withSavedSettings } from '../../core/config-store';
import { connectWs, expectOk, type WsClient } from '../helpers/contract-ws';
import { startStudio, type TestStudio } from '../helpers/studio';
import { canConnect } from '../helpers/net';

/** server.config.set moves only the listeners that changed, and refuses what it cannot apply. */

let t: TestStudio;
let c: WsClient;
let dataDir: string;
const blockers: net.Server[] = [];

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((sock) => sock.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = await listen();
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}


beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'onair-apply-'));
  t = await startStudio({ data_dir: dataDir });
  c = await connectWs(t.wsUrl('/api/ws'));
});

afterEach(async () => {
  for (const b of blockers.splice(0)) await new Promise((r) => b.close(r));
});

afterAll(async () => {
  c?.close();
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('server.config.set applies settings', () => {
  it('moves the RTMP listener to a new port and only that one', async () => {
    const port = await freePort();
    const httpBefore = t.studio.ports!.http;
    const r = expectOk<{ restarted: string[]; ports: { rtmp: number; http: number } }>(await c.call('server.config.set', { rtmp: { port } }));
    expect(r.restarted).toEqual(['rtmp']);
    expect(r.ports.rtmp).toBe(port);
    expect(r.ports.http).toBe(httpBefore);
    expect(await canConnect(port)).toBe(true);
    expect(await canConnect(t.ports.rtmp)).toBe(false);
    const status = expectOk<{ ports: { rtmp: number } }>(await c.call('server.status'));
    expect(status.ports.rtmp).toBe(port);
  });

  it('refuses a port in use with the reason and keeps the previous working config', async () => {
    const blocker = await listen();
    blockers.push(blocker);
    const busy = (blocker.address() as net.AddressInfo).port;
    const before = expectOk<{ http: { port: number }; rtmp: { port: number } }>(await c.call('server.config.get'));
    const portsBefore = { ...t.studio.ports! };
    const newRtmp = await freePort();
    // rtmp can move, http cannot: the rtmp move is rolled back too
    const r = await c.call('server.config.set', { rtmp: { port: newRtmp }, http: { port: busy } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('APPLY_FAILED');
    expect(r.error.message).toContain(`port ${busy}`);
    expect(r.error.message).toContain('in use');
    expect(r.error.issues?.[0]?.path).toBe('http.port');
    expect(expectOk(await c.call('server.config.get'))).toEqual(before);
    expect(t.studio.ports).toEqual(portsBefore);
    expect(await canConnect(portsBefore.rtmp)).toBe(true);
    expect(await canConnect(newRtmp)).toBe(false);
    // the core still answers on the old HTTP port
    const res = await fetch(`http://127.0.0.1:${portsBefore.http}/api/server`);
    expect(res.status).toBe(200);
  });

  it('refuses HTTPS with an unreadable certificate', async () => {
    const before = JSON.stringify(t.studio.config);
    const r = await c.call('server.config.set', { https: { port: 0, key: '/nonexistent/key.pem', cert: '/nonexistent/cert.pem' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('APPLY_FAILED');
    expect(r.error.message).toMatch(/key\/cert/);
    expect(JSON.stringify(t.studio.config)).toBe(before);
    expect(t.studio.ports!.https).toBeNull();
  });

  it('moves the HTTP listener; the panel connection that asked keeps its answer and the new port serves', async () => {
    const port = await freePort();
    const r = expectOk<{ restarted: string[]; ports: { http: number } }>(await c.call('server.config.set', { http: { port } }));
    expect(r.restarted).toEqual(['http']);
    expect(r.ports.http).toBe(port);
    // the old socket (this WebSocket) still answers
    expect((await c.call('server.status')).ok).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/api/server`);
    expect(res.status).toBe(200);
    const c2 = await connectWs(`ws://127.0.0.1:${port}/api/ws`);
    expect((await c2.call('streams.list')).ok).toBe(true);
    c2.close();
  });

  it('persists what the user changed to <data_dir>/config.json and reads it back at startup', () => {
    const file = path.join(dataDir, 'config.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { rtmp: { port: number }; http: { port: number } };
    expect(saved.rtmp.port).toBe(t.studio.ports!.rtmp);
    expect(saved.http.port).toBe(t.studio.ports!.http);
    expect(saved).not.toHaveProperty('https');
    const startup = withSavedSettings({ data_dir: dataDir, http: { allow_origin: 'x' } }, {});
    expect(startup).toMatchObject({ rtmp: { port: saved.rtmp.port }, http: { port: saved.http.port, allow_origin: 'x' } });
  });
});

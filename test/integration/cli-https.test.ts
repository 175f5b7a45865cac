import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { publishTestPattern } from '../helpers/ffmpeg';
import { startStudio, waitFor } from '../helpers/studio';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('onair serve', () => {
  it('starts with a config file, prints the URLs, serves the API, and stops cleanly on SIGINT', async () => {
    const cfg = path.join(tmp, 'nms.json');
    writeFileSync(cfg, JSON.stringify({ rtmp: { port: 0, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 }, http: { port: 0, allow_origin: '*' } }));
    const child = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'serve', '--config', cfg], { env: { ...process.env, ONAIR_DATA_DIR: path.join(tmp, 'data') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const api = await waitFor(() => /API\s+(http:\/\/\S+)/.exec(out)?.[1], 'printed API URL', 20_000);
    expect(out).toMatch(/RTMP in\s+rtmp:\/\/127\.0\.0\.1:\d+\/live/);
    expect(out).toContain(path.join(tmp, 'data'));
    // the API gate is on by default: the printed panel URL carries the generated token (0600 in the data folder)
    const token = /Panel\s+http:\/\/\S+\/\?token=([A-Za-z0-9_-]+)/.exec(out)?.[1];
    expect(token).toBeTruthy();
    expect((await fetch(api)).status).toBe(401);
    const res = await fetch(api, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses a bad config value with a message naming the key', async () => {
    const cfg = path.join(tmp, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ rtmp: { port: 'one' } }));
    const child = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/invalid config at "rtmp\.port"/);
  });
});

describe('HTTPS / WSS', () => {
  it('serves HTTP-FLV over HTTPS and WS-FLV over WSS when key and cert are configured', async () => {
    const key = path.join(tmp, 'key.pem');
    const cert = path.join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const t = await startStudio({ https: { port: 0, key, cert } });
    const pub = publishTestPattern(t.rtmpUrl('/live/tls'), { size: '320x240', seconds: 20 });
    try {
      await waitFor(() => t.studio.registry.get('/live/tls')?.ready, 'live');
      const port = t.ports.https!;
      const head = await new Promise<Buffer>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/live/tls.flv', rejectUnauthorized: false }, (res) => {
          res.once('data', (d: Buffer) => {
            resolve(d);
            res.destroy();
          });
        }).on('error', reject);
      });
      expect(head.subarray(0, 3).toString()).toBe('FLV');
      const ws = new WebSocket(`wss://127.0.0.1:${port}/live/tls.flv`, { rejectUnauthorized: false });
      const first = await new Promise<Buffer>((r, j) => {
        ws.once('message', (d: Buffer) => r(d));
        ws.once('error', j);
      });
      ws.close();
      expect(first.subarray(0, 3).toString()).toBe('FLV');
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
    }
  });
});

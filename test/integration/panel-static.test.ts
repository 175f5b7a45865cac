import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type TestStudio } from '../helpers/studio';

/** The built panel served at /: content types, caching, SPA fallback for browsers, no way out of the folder. */

let t: TestStudio;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onair-panel-'));
  const web = path.join(dir, 'web');
  mkdirSync(path.join(web, 'assets'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(path.join(web, 'assets', 'app-123.js'), 'console.log(1)');
  writeFileSync(path.join(web, 'style.css'), 'body{}');
  writeFileSync(path.join(web, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the panel folder');
  t = await startStudio({ http: { port: 0, webroot: web }, data_dir: path.join(dir, 'data') });
});

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function raw(pathname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(t.ports.http, '127.0.0.1', () => s.end(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('panel static files', () => {
  it('serves index.html at / with a CSP and no caching', async () => {
    const r = await fetch(t.httpUrl('/'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(await r.text()).toContain('<title>panel</title>');
    const head = await fetch(t.httpUrl('/'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('sends the right content types; hashed assets are immutable', async () => {
    const js = await fetch(t.httpUrl('/assets/app-123.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(t.httpUrl('/style.css'))).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(t.httpUrl('/favicon.svg'))).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(t.httpUrl('/favicon.svg'))).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('falls back to index.html for a browser on a page path, 404 for everything else', async () => {
    const page = await fetch(t.httpUrl('/settings'), { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>panel</title>');
    expect((await fetch(t.httpUrl('/settings'))).status).toBe(404);
    expect((await fetch(t.httpUrl('/assets/missing.js'), { headers: { accept: 'text/html' } })).status).toBe(404);
    const api = await fetch(t.httpUrl('/api/nothing-here'), { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
  });

  it('never serves a file outside the panel folder', async () => {
    for (const p of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/%00.js', '/..%5csecret.txt']) {
      const r = await fetch(t.httpUrl(p));
      expect([400, 404], p).toContain(r.status);
      expect(await r.text(), p).not.toContain('outside the panel folder');
    }
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt']) {
      const text = await raw(p);
      expect(text, p).toMatch(/^HTTP\/1\.1 (400|404)/);
      expect(text, p).not.toContain('outside the panel folder');
    }
  });
});

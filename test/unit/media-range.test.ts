import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileEtag, ifRangeMatches, parseRange, serveMediaFile } from '../../core/http/media-static';

/** Range, If-Range and validators of media files (RFC 9110 §13, §14), the parser and over real HTTP. */

describe('parseRange', () => {
  it('serves one byte range: first-last, open-ended, suffix, clamped to the end', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(parseRange('BYTES = 1-2 ', 1000)).toEqual({ kind: 'partial', start: 1, end: 2 });
    expect(parseRange('bytes=1-2,', 1000)).toEqual({ kind: 'partial', start: 1, end: 2 }); // empty list elements
  });

  it('ignores what it does not support: several ranges, other units, invalid syntax', () => {
    for (const h of [undefined, '', 'bytes=0-1,5-9', 'bytes=0-1, -5', 'items=0-1', 'bytes', 'bytes=', 'bytes=-', 'bytes=5-1', 'bytes=a-b', 'bytes=0x10-20', 'bytes=1-2-3', 'bytes=-1-2']) {
      expect(parseRange(h, 1000), String(h)).toEqual({ kind: 'full' });
    }
  });

  it('a single range past the end, or an empty suffix, is unsatisfiable', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=1000-2000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99999999999999999999-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-10', 0)).toEqual({ kind: 'full' }); // a suffix of an empty file: the (empty) whole
  });

  it('If-Range: a strong entity tag that matches, or the exact Last-Modified date', () => {
    const etag = fileEtag(1000, 1_700_000_000_000);
    const lm = new Date(1_700_000_000_000).toUTCString();
    expect(ifRangeMatches(undefined, etag, lm)).toBe(true);
    expect(ifRangeMatches(etag, etag, lm)).toBe(true);
    expect(ifRangeMatches(`W/${etag}`, etag, lm)).toBe(false);
    expect(ifRangeMatches('"other"', etag, lm)).toBe(false);
    expect(ifRangeMatches(lm, etag, lm)).toBe(true);
    expect(ifRangeMatches(new Date(1_600_000_000_000).toUTCString(), etag, lm)).toBe(false);
    expect(ifRangeMatches('not a date', etag, lm)).toBe(false);
  });
});

describe('serveMediaFile over HTTP', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const mtime = new Date('2024-05-06T07:08:09Z');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onair-range-'));
    const file = path.join(dir, 'a.mp4');
    writeFileSync(file, body);
    utimesSync(file, mtime, mtime);
    server = createServer((req, res) => serveMediaFile(file, req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.mp4`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; h: Headers; bytes: Buffer }> => {
    const r = await fetch(base, { method, headers });
    return { status: r.status, h: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
  };

  it('answers 200 with ETag, Last-Modified and Accept-Ranges', async () => {
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.bytes.equals(body)).toBe(true);
    expect(r.h.get('etag')).toBe(fileEtag(1000, mtime.getTime()));
    expect(r.h.get('last-modified')).toBe(mtime.toUTCString());
    expect(r.h.get('accept-ranges')).toBe('bytes');
    expect(r.h.get('content-length')).toBe('1000');
  });

  it('one range: 206 with Content-Range and exactly those bytes (GET and HEAD)', async () => {
    const r = await get({ range: 'bytes=10-19' });
    expect(r.status).toBe(206);
    expect(r.h.get('content-range')).toBe('bytes 10-19/1000');
    expect(r.bytes.equals(body.subarray(10, 20))).toBe(true);
    const s = await get({ range: 'bytes=-3' });
    expect(s.h.get('content-range')).toBe('bytes 997-999/1000');
    expect(s.bytes.equals(body.subarray(997))).toBe(true);
    const h = await get({ range: 'bytes=10-19' }, 'HEAD');
    expect(h.status).toBe(206);
    expect(h.h.get('content-length')).toBe('10');
  });

  it('several ranges or an invalid header are ignored: 200 with the whole file', async () => {
    for (const range of ['bytes=0-1,5-9', 'bytes=9-1', 'pages=1-2', 'bytes=x']) {
      const r = await get({ range });
      expect(r.status, range).toBe(200);
      expect(r.h.get('content-range'), range).toBeNull();
      expect(r.bytes.equals(body), range).toBe(true);
    }
  });

  it('an unsatisfiable range: 416 with Content-Range bytes */size', async () => {
    const r = await get({ range: 'bytes=1000-' });
    expect(r.status).toBe(416);
    expect(r.h.get('content-range')).toBe('bytes */1000');
    expect(r.bytes.length).toBe(0);
  });

  it('If-Range: the range only when the validator matches, else 200 with everything', async () => {
    const etag = fileEtag(1000, mtime.getTime());
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get({ range: 'bytes=0-9', 'if-range': mtime.toUTCString() })).status).toBe(206);
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"not-it"' });
    expect(stale.status).toBe(200);
    expect(stale.bytes.equals(body)).toBe(true);
    expect((await get({ range: 'bytes=0-9', 'if-range': `W/${etag}` })).status).toBe(200);
    expect((await get({ range: 'bytes=0-9', 'if-range': 'Tue, 01 Jan 2019 00:00:00 GMT' })).status).toBe(200);
    // a stale If-Range also lifts an unsatisfiable range: the client gets the current file
    expect((await get({ range: 'bytes=5000-', 'if-range': '"not-it"' })).status).toBe(200);
  });

  it('a current conditional GET is answered 304 without a body', async () => {
    const etag = fileEtag(1000, mtime.getTime());
    const r = await get({ 'if-none-match': `"x", ${etag}` });
    expect(r.status).toBe(304);
    expect(r.h.get('etag')).toBe(etag);
    expect(r.bytes.length).toBe(0);
    expect((await get({ 'if-none-match': '"x"' })).status).toBe(200);
    expect((await get({ 'if-modified-since': mtime.toUTCString() })).status).toBe(304);
    expect((await get({ 'if-modified-since': new Date(mtime.getTime() - 1000).toUTCString() })).status).toBe(200);
  });
});

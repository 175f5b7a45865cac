import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestFile, etagMatches } from '../../core/storage/digest';
import { backoffMs } from '../../core/storage/queue';
import { keyPrefix, publicEndpoint } from '../../core/storage/s3';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

describe('object storage: what a verified upload must match', () => {
  it('computes the MD5, the S3 multipart ETag (md5 of part MD5s + "-N") and the SHA-256 in one read', async () => {
    const part = 64 * 1024;
    const body = randomBytes(part * 2 + 1234);
    const file = path.join(dir, 'a.bin');
    writeFileSync(file, body);
    const d = await digestFile(file, part);
    expect(d.size).toBe(body.length);
    expect(d.md5).toBe(md5(body).toString('hex'));
    expect(d.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    const parts = [body.subarray(0, part), body.subarray(part, 2 * part), body.subarray(2 * part)];
    expect(d.multipartEtag).toBe(`${md5(Buffer.concat(parts.map(md5))).toString('hex')}-3`);
    // what AWS/MinIO answer (multipart), what s3rver and a single PUT answer (MD5); anything else is refused
    expect(etagMatches(`"${d.multipartEtag}"`, d)).toBe(true);
    expect(etagMatches(`"${d.md5.toUpperCase()}"`, d)).toBe(true);
    expect(etagMatches(`"${md5(Buffer.from('other')).toString('hex')}"`, d)).toBe(false);
    expect(etagMatches(undefined, d)).toBe(false);
  });

  it('an empty file has no parts', async () => {
    const file = path.join(dir, 'empty.bin');
    writeFileSync(file, '');
    const d = await digestFile(file, 1024);
    expect(d).toMatchObject({ size: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e', multipartEtag: null });
  });

  it('retries back off exponentially and stop growing at the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30)).toBe(300_000);
  });

  it('shows the endpoint without credentials and normalises the key prefix', () => {
    expect(publicEndpoint('https://user:pa55@s3.example.com:9000/base?x=1')).toBe('https://s3.example.com:9000/base');
    expect(keyPrefix({ prefix: '' })).toBe('');
    expect(keyPrefix({ prefix: 'studio-a' })).toBe('studio-a/');
    expect(keyPrefix({ prefix: '/studio-a/' })).toBe('studio-a/');
  });
});

import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnAirError } from '../../core/errors';
import { KEY_FILE, SecretBox, fileKeyProvider, isMaskedKey, maskKey, sealedKeyProvider, type Sealer } from '../../core/relay/secrets';
import { openStore } from '../../core/store/db';
import { DestinationsRepo } from '../../core/store/destinations-repo';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'onair-secrets-'));
const KEY = 'live_123456789_SuperSecretStreamKeyZZ9q';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(OnAirError);
    return (e as OnAirError).code;
  }
}

describe('stream keys encrypted at rest', () => {
  it('round-trips; every encryption uses a fresh IV; the ciphertext is bound to the destination id', () => {
    const box = new SecretBox(fileKeyProvider(tmp()));
    const a = box.encrypt(KEY, 'd1');
    const b = box.encrypt(KEY, 'd1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain(KEY);
    expect(box.decrypt(a, 'd1')).toBe(KEY);
    expect(box.decrypt(b, 'd1')).toBe(KEY);
    expect(box.decrypt(box.encrypt('-x?s_bl=1&é', 'd2'), 'd2')).toBe('-x?s_bl=1&é');
    // copied to another row: refused (additional data = the id)
    expect(codeOf(() => box.decrypt(a, 'd2'))).toBe('CONFIG');
    // tampered: refused
    const parts = a.split('.');
    const ct = Buffer.from(parts[3], 'base64url');
    ct[0] ^= 1;
    expect(codeOf(() => box.decrypt([parts[0], parts[1], parts[2], ct.toString('base64url')].join('.'), 'd1'))).toBe('CONFIG');
    expect(codeOf(() => box.decrypt('garbage', 'd1'))).toBe('CONFIG');
  });

  it('makes <data_dir>/destinations.key with mode 0600 and reuses it across restarts', () => {
    const dir = tmp();
    const sealed = new SecretBox(fileKeyProvider(dir)).encrypt(KEY, 'd1');
    const file = path.join(dir, KEY_FILE);
    expect(existsSync(file)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    // a new process (new provider) on the same folder decrypts what the old one wrote
    expect(new SecretBox(fileKeyProvider(dir)).decrypt(sealed, 'd1')).toBe(KEY);
    // another folder has another master key
    expect(codeOf(() => new SecretBox(fileKeyProvider(tmp())).decrypt(sealed, 'd1'))).toBe('CONFIG');
  });

  it('tightens a key file left readable by others, and refuses a damaged one', () => {
    const dir = tmp();
    const file = path.join(dir, KEY_FILE);
    writeFileSync(file, 'ab'.repeat(32));
    chmodSync(file, 0o644);
    new SecretBox(fileKeyProvider(dir)).encrypt(KEY, 'x');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const bad = tmp();
    writeFileSync(path.join(bad, KEY_FILE), 'not hex');
    expect(codeOf(() => new SecretBox(fileKeyProvider(bad)).encrypt(KEY, 'x'))).toBe('CONFIG');
  });

  it('takes an injected KeyProvider (the desktop app seals the master key with safeStorage)', () => {
    const dir = tmp();
    const pad = Buffer.alloc(64, 0x5a);
    const xor = (b: Buffer): Buffer => Buffer.from(b.map((v, i) => v ^ pad[i % pad.length]));
    const sealer: Sealer = { seal: (b) => Buffer.concat([Buffer.from('SEALED'), xor(b)]), unseal: (b) => xor(b.subarray(6)) };
    const sealed = new SecretBox(sealedKeyProvider(dir, sealer)).encrypt(KEY, 'd1');
    expect(new SecretBox(sealedKeyProvider(dir, sealer)).decrypt(sealed, 'd1')).toBe(KEY);
    expect(readFileSync(path.join(dir, `${KEY_FILE}.sealed`)).subarray(0, 6).toString()).toBe('SEALED');
    expect(existsSync(path.join(dir, KEY_FILE))).toBe(false);
  });

  it('the key never reaches the database file: only the ciphertext does', () => {
    const dir = tmp();
    const box = new SecretBox(fileKeyProvider(dir));
    const store = openStore(dir);
    const repo = new DestinationsRepo(store.db);
    const cipher = box.encrypt(KEY, 'dest1');
    repo.put({ id: 'dest1', name: 'YT', platform: 'youtube', url: 'rtmps://a.rtmps.youtube.com:443/live2', keyCipher: cipher, source: { app: 'live' }, auto: true, enabled: true, createdAt: 1, updatedAt: 1 });
    expect(repo.get('dest1')?.keyCipher).toBe(cipher);
    const bytes = (): Buffer => Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('onair.db')).map((f) => readFileSync(path.join(dir, f))));
    // while open (WAL) and after close (checkpointed into onair.db)
    for (const phase of ['open', 'closed']) {
      if (phase === 'closed') store.close();
      const all = bytes();
      expect(all.includes(Buffer.from(cipher)), phase).toBe(true);
      expect(all.includes(Buffer.from(KEY)), phase).toBe(false);
      expect(all.includes(Buffer.from(KEY.slice(0, 12))), phase).toBe(false);
    }
    // nor is the master key
    const master = readFileSync(path.join(dir, KEY_FILE), 'utf8').trim();
    expect(bytes().includes(Buffer.from(master))).toBe(false);
    expect(bytes().includes(Buffer.from(master, 'hex'))).toBe(false);
  });

  it('masks keys: last 4 characters only, never the whole of a short key', () => {
    expect(maskKey(KEY)).toBe('••••ZZ9q');
    expect(maskKey('abcdefgh')).toBe('••••');
    expect(maskKey('')).toBe('');
    expect(isMaskedKey(maskKey(KEY))).toBe(true);
    expect(isMaskedKey(KEY)).toBe(false);
  });
});

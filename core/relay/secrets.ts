import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { OnAirError } from '../errors';

/**
 * Stream keys of destinations, encrypted at rest (issue 11). AES-256-GCM with a master key that is NOT in the
 * database: headless, a key file `<data_dir>/destinations.key` (mode 0600, made on first use); the desktop app
 * can inject a KeyProvider that keeps the master key sealed by Electron `safeStorage` (sealedKeyProvider).
 * The store holds `v1.<iv>.<tag>.<ciphertext>` (base64url); the destination id is the additional data, so a
 * ciphertext copied to another row does not decrypt. Clients and logs only ever see maskKey(key).
 */

export const KEY_FILE = 'destinations.key';
const VERSION = 'v1';

/** Where the 32-byte master key comes from. */
export interface KeyProvider {
  masterKey(): Buffer;
}

/** How Electron's safeStorage (or any OS keychain) seals bytes; used by sealedKeyProvider. */
export interface Sealer {
  seal(plain: Buffer): Buffer;
  unseal(sealed: Buffer): Buffer;
}

function readOrCreate(file: string, make: () => Buffer, open: (b: Buffer) => Buffer): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': exactly one of two processes starting at once creates it; the other reads it below
    writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OnAirError('IO', `cannot create the key file ${file}: ${(e as Error).message}`, e);
  }
  try {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return open(readFileSync(file));
  } catch (e) {
    if (e instanceof OnAirError) throw e;
    throw new OnAirError('IO', `cannot read the key file ${file}: ${(e as Error).message}`, e);
  }
}

function checkKey(k: Buffer, file: string): Buffer {
  if (k.length !== 32) throw new OnAirError('CONFIG', `the key file ${file} is damaged (expected 32 bytes of key); stream keys saved with it cannot be read`);
  return k;
}

/** Headless: a random master key in `<dataDir>/destinations.key`, hex, mode 0600. */
export function fileKeyProvider(dataDir: string): KeyProvider {
  const file = path.join(dataDir, KEY_FILE);
  let key: Buffer | null = null;
  return {
    masterKey() {
      key ??= readOrCreate(file, () => Buffer.from(randomBytes(32).toString('hex') + '\n'), (b) => checkKey(Buffer.from(b.toString('utf8').trim(), 'hex'), file));
      return key;
    },
  };
}

/** Desktop hook: the master key sealed by `sealer` (Electron safeStorage) in `<dataDir>/destinations.key.sealed`. */
export function sealedKeyProvider(dataDir: string, sealer: Sealer): KeyProvider {
  const file = path.join(dataDir, `${KEY_FILE}.sealed`);
  let key: Buffer | null = null;
  return {
    masterKey() {
      key ??= readOrCreate(file, () => sealer.seal(randomBytes(32)), (b) => checkKey(sealer.unseal(b), file));
      return key;
    },
  };
}

/** Encrypts and decrypts stream keys with the provider's master key. */
export class SecretBox {
  constructor(private readonly provider: KeyProvider) {}

  encrypt(plain: string, id: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.provider.masterKey(), iv);
    c.setAAD(Buffer.from(id, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [VERSION, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(sealed: string, id: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== VERSION || iv === undefined || tag === undefined || ct === undefined) throw new OnAirError('CONFIG', `the stream key of destination ${id} is stored in an unknown format`);
    try {
      const d = createDecipheriv('aes-256-gcm', this.provider.masterKey(), Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(id, 'utf8'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    } catch (e) {
      if (e instanceof OnAirError) throw e;
      throw new OnAirError('CONFIG', `the stream key of destination ${id} cannot be decrypted (was ${KEY_FILE} replaced?); enter the key again`, e);
    }
  }
}

/** How a key is shown to clients and in logs: never whole, its last 4 characters only when it is long enough. */
export function maskKey(key: string): string {
  return key ? `••••${key.length > 8 ? key.slice(-4) : ''}` : '';
}

/** A mask we handed out (sending it back in an update means "keep the key"). */
export function isMaskedKey(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('••••');
}

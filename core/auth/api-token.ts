import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const API_TOKEN_FILE = 'api-token';

/**
 * The API token the studio made for itself (auth.api on, no api_token configured): created at first start
 * in the data folder with mode 0600, the same on every later start (like Jupyter's token).
 */
export function loadOrCreateApiToken(dataDir: string): string {
  const file = path.join(dataDir, API_TOKEN_FILE);
  try {
    const t = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{24,128}$/.test(t)) {
      chmodSync(file, 0o600);
      return t;
    }
  } catch {
    // not there yet
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

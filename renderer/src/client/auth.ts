/** The API gate as the browser panel sees it: a panel token for ?token=, got with a login. */

const KEY = 'onair.panelToken';

export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {}
}

/**
 * False when the studio's API gate is on and `token` does not open it; a studio that does not answer
 * counts as "try again". (/panel/* never answers 401, so no browser password dialog pops up.)
 */
export async function probeAuthorized(base: string, token: string | null): Promise<boolean> {
  try {
    const url = new URL('/panel/session', base);
    if (token) url.searchParams.set('token', token);
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) return true;
    const body = (await res.json()) as { gate: boolean; valid: boolean };
    return !body.gate || body.valid;
  } catch {
    return true;
  }
}

export type LoginResult = { ok: true; token: string | null } | { ok: false; status: number };

/** Trade an API token, or user + password, for the panel token. */
export async function login(base: string, cred: { token: string } | { user: string; pass: string }): Promise<LoginResult> {
  try {
    const res = await fetch(new URL('/panel/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cred),
      cache: 'no-store',
    });
    if (!res.ok) return { ok: false, status: res.status };
    const body = (await res.json()) as { token: string | null };
    return { ok: true, token: body.token };
  } catch {
    return { ok: false, status: 0 };
  }
}

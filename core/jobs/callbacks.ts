import type { Logger } from 'pino';

/** A completion notice for a caller's URL: POST with a JSON body, or GET with extra query fields. */
export type CallbackRequest = { method: 'POST'; url: string; body: unknown } | { method: 'GET'; url: string; query: Record<string, string> };

export interface CallbackOptions {
  attempts?: number;
  /** first retry delay; doubles each time (default 1000 ms) */
  baseDelayMs?: number;
  timeoutMs?: number;
  /** aborting stops further attempts (studio shutdown) */
  signal?: AbortSignal;
  log?: Logger;
}

/** Callback URLs are http(s) only. */
export function isCallbackUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * Deliver a callback, retrying with exponential backoff until a 2xx answer or the attempts run out.
 * Never throws; resolves with whether it was delivered.
 */
export async function deliverCallback(req: CallbackRequest, o: CallbackOptions = {}): Promise<{ delivered: boolean; attempts: number; status: number | null }> {
  const attempts = o.attempts ?? 5;
  let status: number | null = null;
  for (let i = 1; i <= attempts; i++) {
    if (o.signal?.aborted) return { delivered: false, attempts: i - 1, status };
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
      const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
      let res: Response;
      if (req.method === 'POST') {
        res = await fetch(req.url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'OnAir-Studio' }, body: JSON.stringify(req.body), signal, redirect: 'manual' });
      } else {
        const u = new URL(req.url);
        for (const [k, v] of Object.entries(req.query)) u.searchParams.set(k, v);
        res = await fetch(u, { method: 'GET', headers: { 'user-agent': 'OnAir-Studio' }, signal, redirect: 'manual' });
      }
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts: i, status };
      o.log?.warn({ url: req.url, status, attempt: i }, 'callback refused');
    } catch (e) {
      o.log?.warn({ url: req.url, err: (e as Error).message, attempt: i }, 'callback failed');
    }
    if (i < attempts) await sleep((o.baseDelayMs ?? 1000) * 2 ** (i - 1), o.signal);
  }
  return { delivered: false, attempts, status };
}

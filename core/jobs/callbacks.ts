import type { Logger } from 'pino';
import { OutboundError, outboundRequest, parseOutboundUrl, vetUrl, type OutboundPolicy } from '../net/outbound';

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
  /** which addresses may be called (net.allow_private); checked again at every attempt */
  policy: OutboundPolicy;
}

/** Callback URLs are http(s) only, without credentials (the shape; see checkCallbackUrl for the address). */
export function isCallbackUrl(s: string): boolean {
  try {
    parseOutboundUrl(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Check a callback URL when the request comes in, so the caller hears at once: a bad shape or a
 * private address -> OutboundError ("callback refused: private address"). A name that does not
 * resolve (yet) is accepted: delivery retries later, and checks the address again then.
 */
export async function checkCallbackUrl(url: string, policy: OutboundPolicy): Promise<void> {
  try {
    await vetUrl(url, policy, 'callback');
  } catch (e) {
    if (e instanceof OutboundError && e.kind === 'failed') return;
    throw e;
  }
}

/** A callback URL for the log: scheme, host and path only (the query may carry a caller's token). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad url)';
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
export async function deliverCallback(req: CallbackRequest, o: CallbackOptions): Promise<{ delivered: boolean; attempts: number; status: number | null }> {
  const attempts = o.attempts ?? 5;
  let status: number | null = null;
  for (let i = 1; i <= attempts; i++) {
    if (o.signal?.aborted) return { delivered: false, attempts: i - 1, status };
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
      const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
      let url = req.url;
      let body: string | undefined;
      const headers: Record<string, string> = {};
      if (req.method === 'POST') {
        body = JSON.stringify(req.body);
        headers['content-type'] = 'application/json';
      } else {
        const u = new URL(req.url);
        for (const [k, v] of Object.entries(req.query)) u.searchParams.set(k, v);
        url = u.href;
      }
      // redirects are not followed: a 3xx is a failed delivery (the address is checked on every attempt)
      const res = await outboundRequest(url, o.policy, { method: req.method, headers, body, signal, maxRedirects: 0, label: 'callback' });
      res.body.destroy(); // the status is the answer; the body is never read
      status = res.status;
      if (status >= 200 && status <= 299) return { delivered: true, attempts: i, status };
      o.log?.warn({ url: redact(req.url), status, attempt: i }, 'callback refused');
    } catch (e) {
      o.log?.warn({ url: redact(req.url), err: (e as Error).message, attempt: i }, 'callback failed');
      // a private address stays private: no point retrying
      if (e instanceof OutboundError && (e.kind === 'refused' || e.kind === 'bad_url')) return { delivered: false, attempts: i, status };
    }
    if (i < attempts) await sleep((o.baseDelayMs ?? 1000) * 2 ** (i - 1), o.signal);
  }
  return { delivered: false, attempts, status };
}

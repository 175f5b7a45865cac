/**
 * Guards of the socket.io chat: payload readers that accept only well-formed text (never HTML is rendered
 * from it: it is stored and sent raw, and the panel and the watch page render it as text), and sliding
 * window counters for the rate limits. Pure, no I/O.
 */

export const MAX_TEXT = 500;
export const MAX_NAME = 32;
export const MAX_GIFT = 32;

// C0/C1 controls (keeping \n and \t in message text), and the bidi overrides that could reorder a line
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const NAME_CONTROLS = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
/* eslint-enable no-control-regex */

export type Read<T> = { ok: true; value: T } | { ok: false; error: string };
const bad = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** The payload's object, or null (socket.io delivers any JSON value, or binary). */
export function payload(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof ArrayBuffer) ? (v as Record<string, unknown>) : null;
}

/** live_id: a positive integer, as a number or a decimal string (seed clients send either). */
export function readRoomId(v: unknown): Read<number> {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? { ok: true, value: n } : bad('live_id must be a room id (a positive integer)');
}

/** A display name: text, 1–32 characters once trimmed, no control characters. */
export function readName(v: unknown, what = 'name', max = MAX_NAME): Read<string> {
  if (typeof v !== 'string') return bad(`${what} must be text`);
  if (v.length > max * 4) return bad(`${what} is longer than ${max} characters`);
  const s = v.replace(NAME_CONTROLS, '').trim();
  if (!s) return bad(`${what} is empty`);
  if (s.length > max) return bad(`${what} is longer than ${max} characters`);
  return { ok: true, value: s };
}

/** A message: text, 1–500 characters once trimmed (bigger is refused, never cut). */
export function readText(v: unknown): Read<string> {
  if (typeof v !== 'string') return bad('the message must be text');
  if (v.length > MAX_TEXT * 2) return bad(`the message is longer than ${MAX_TEXT} characters`);
  const s = v.replace(CONTROLS, '').trim();
  if (!s) return bad('the message is empty');
  if (s.length > MAX_TEXT) return bad(`the message is longer than ${MAX_TEXT} characters`);
  return { ok: true, value: s };
}

/** Timestamps of recent events per key; `take` says whether one more fits in the window. */
export class Windows {
  private readonly hits = new Map<string, number[]>();

  take(key: string, max: number, windowMs: number, now = Date.now()): boolean {
    let h = this.hits.get(key);
    if (!h) this.hits.set(key, (h = []));
    while (h.length && h[0] <= now - windowMs) h.shift();
    if (h.length >= max) return false;
    h.push(now);
    return true;
  }

  /** events in the window without taking one */
  count(key: string, windowMs: number, now = Date.now()): number {
    const h = this.hits.get(key);
    return h ? h.filter((t) => t > now - windowMs).length : 0;
  }

  delete(key: string): void {
    this.hits.delete(key);
  }

  /** forget keys with nothing in the last `windowMs` (keeps the maps bounded by recent activity) */
  prune(windowMs: number, now = Date.now()): void {
    for (const [k, h] of this.hits) if (!h.length || h[h.length - 1] <= now - windowMs) this.hits.delete(k);
  }

  get size(): number {
    return this.hits.size;
  }
}

/** The seed's envelope (app/extend/helper.js parseMsg): { meta: { timestamp, ...metadata }, data: { action, payload } }. */
export function parseMsg(action: string, payload: unknown = {}, metadata: Record<string, unknown> = {}): { meta: Record<string, unknown>; data: { action: string; payload: unknown } } {
  return { meta: { timestamp: Date.now(), ...metadata }, data: { action, payload } };
}

/** Viewers of one room now (the contract's Room.viewers / presence.changed). */
export interface Viewers {
  /** players, each once (rtmp + flv + hls; chat members are counted apart) */
  total: number;
  rtmp: number;
  /** HTTP-FLV and WS-FLV players */
  flv: number;
  /** HLS / LL-HLS / DASH sessions (distinct `vs` tokens seen on playlist requests lately) */
  hls: number;
  /** chat sockets in the room */
  chat: number;
}

export interface PresenceData {
  room: number;
  viewers: Viewers;
  online: string[];
}

const VS = /^[A-Za-z0-9_-]{8,64}$/;
/** distinct sessions one address may hold on one stream (a household, a NAT), and per stream at all */
const PER_ADDRESS = 16;
const PER_PATH = 100_000;

/**
 * HLS viewers by session: the watch page asks for `/live/<key>/index.m3u8?vs=<random>` (and ll.m3u8); each
 * distinct `vs` seen on a playlist request in the last ~3 target durations is one viewer, however many
 * reloads. Segment and part requests never count. Bounded per address and per stream.
 */
export class HlsSessions {
  private readonly byPath = new Map<string, Map<string, { ip: string; until: number }>>();

  /** a playlist request on `path` with session token `vs` (ignored unless well-formed); true for a new session */
  seen(path: string, vs: string | null, ip: string, windowMs: number, now = Date.now()): boolean {
    if (!vs || !VS.test(vs)) return false;
    const m = this.byPath.get(path) ?? new Map<string, { ip: string; until: number }>();
    const cur = m.get(vs);
    if (cur) {
      cur.until = now + windowMs;
      return false;
    }
    for (const [k, s] of m) if (s.until <= now) m.delete(k);
    if (m.size >= PER_PATH) return false;
    let mine = 0;
    for (const s of m.values()) if (s.ip === ip) mine++;
    if (mine >= PER_ADDRESS) return false;
    m.set(vs, { ip, until: now + windowMs });
    this.byPath.set(path, m);
    return true;
  }

  count(path: string, now = Date.now()): number {
    const m = this.byPath.get(path);
    if (!m) return 0;
    this.expire(path, m, now);
    return m.size;
  }

  private expire(path: string, m: Map<string, { until: number }>, now: number): void {
    for (const [k, s] of m) if (s.until <= now) m.delete(k);
    if (!m.size) this.byPath.delete(path);
  }

  prune(now = Date.now()): void {
    for (const [p, m] of this.byPath) this.expire(p, m, now);
  }
}

export interface PresenceDeps {
  hls: HlsSessions;
  /** rooms whose presence is tracked (those not ended) */
  active(): number[];
  /** viewers of a room by protocol (the rooms service's count, which asks viewerSource() below for hls and chat) */
  viewers(id: number): Viewers | null;
  /** chat members of a room: names (newest first) and how many sockets */
  chat(id: number): { names: string[]; count: number };
  /** presence of a room changed (debounced) */
  changed(p: PresenceData): void;
}

/**
 * Presence of every room: computed on demand (viewers()), re-checked each second (players come and go,
 * HLS sessions expire) and on every chat join/leave; a change is told once per ~500 ms per room.
 */
export class Presence {
  private readonly last = new Map<number, string>();
  private readonly pending = new Map<number, NodeJS.Timeout>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: PresenceDeps, private readonly debounceMs = 500, private readonly tickMs = 1000) {}

  viewers(id: number): Viewers {
    const chat = this.deps.chat(id).count;
    return this.deps.viewers(id) ?? { total: 0, rtmp: 0, flv: 0, hls: 0, chat };
  }

  data(id: number): PresenceData {
    return { room: id, viewers: this.viewers(id), online: this.deps.chat(id).names.slice(0, 100) };
  }

  /** something about this room may have changed: check it (debounced) */
  touch(id: number): void {
    if (this.pending.has(id)) return;
    const t = setTimeout(() => {
      this.pending.delete(id);
      const d = this.data(id);
      const key = JSON.stringify(d);
      if (this.last.get(id) === key) return;
      this.last.set(id, key);
      this.deps.changed(d);
    }, this.debounceMs);
    t.unref();
    this.pending.set(id, t);
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  tick(): void {
    this.deps.hls.prune();
    const seen = new Set<number>();
    for (const id of this.deps.active()) {
      seen.add(id);
      const key = JSON.stringify(this.data(id));
      if (this.last.get(id) !== key) this.touch(id);
    }
    // rooms that ended or went away: forget them (a last check tells their zero)
    for (const id of this.last.keys()) if (!seen.has(id) && !this.pending.has(id)) this.last.delete(id);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

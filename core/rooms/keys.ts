import { randomBytes, randomInt } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import { makeSign } from '../auth/sign';
import type { OnAirConfig } from '../config';
import type { StreamKey } from '../contract/rooms';
import { OnAirError } from '../errors';
import type { StreamRegistry } from '../media/registry';
import { KeysRepo, type KeyRecord } from '../store/keys-repo';

/**
 * Stream keys (issue 13). A key is the stream name its owner publishes on `/<app>/<key>` — what OBS calls the
 * "Stream Key". With `auth.keys` on, the one authority (core/auth/authority.ts) lets only a known, enabled key
 * publish, through the `KeyLookup` this service answers, and the stream then goes live at the key's PUBLIC name
 * `/<app>/<stream>` (12 of [a-z0-9], not secret; kept when the key is rotated) — players, the watch page, hooks,
 * HLS, recordings and logs never see the key. With auth.keys off keys gate nothing and a key publishes at
 * `/<app>/<key>` as in seed 002. Logs carry the key's last 4 characters only.
 */

const CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DAY_S = 86_400;
/** the signed OBS stream key is valid this long */
export const OBS_SIGN_DAYS = 30;

/** seed 002's randomString(20), from crypto: 20 characters of [0-9a-zA-Z] */
export function randomKey(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += CHARS[randomInt(CHARS.length)];
  return out;
}

const LOWER = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A public stream name: 12 characters of [a-z0-9]. */
export function randomStreamName(length = 12): string {
  let out = '';
  for (let i = 0; i < length; i++) out += LOWER[randomInt(LOWER.length)];
  return out;
}

/** The last 4 characters, for logs (a whole key never appears in a log line). */
export function keyTail(key: string): string {
  return key ? `••••${key.length > 8 ? key.slice(-4) : ''}` : '';
}

/** rtmp://host:port/app as the panel shows it (streams.urls does the same for any stream) */
export function urlHost(h: string): string {
  if (h === '0.0.0.0' || h === '::' || h === '') return '127.0.0.1';
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

export interface KeysDeps {
  db: () => BetterSqlite3.Database | null;
  config: () => OnAirConfig;
  registry: StreamRegistry;
  /** the RTMP port bound now (null before run) and the host the studio advertises */
  rtmp: () => { port: number; host: string } | null;
  log: Logger;
}

export class KeysService {
  constructor(private readonly deps: KeysDeps) {}

  repo(): KeysRepo {
    const db = this.deps.db();
    if (!db) throw new OnAirError('IO', 'the store is not open (is the data folder writable?)');
    return new KeysRepo(db);
  }

  /** The KeyLookup of the authority: a key by app and stream name, or null (no throw, even without a store). */
  find(app: string, name: string): { enabled: boolean; stream: string } | null {
    const db = this.deps.db();
    if (!db) return null;
    const k = new KeysRepo(db).byKey(name);
    return k && k.app === app ? { enabled: k.enabled, stream: k.stream } : null;
  }

  /** The stream name a key is live at: its public name with auth.keys on, else the key itself (seed 002). */
  streamName(k: { key: string; stream: string }): string {
    return this.deps.config().auth.keys && k.stream ? k.stream : k.key;
  }

  /** The key whose stream is `/<app>/<name>` (by public name with auth.keys on, else by key), or null. */
  ofStream(app: string, name: string): KeyRecord | null {
    const db = this.deps.db();
    if (!db) return null;
    const repo = new KeysRepo(db);
    const k = this.deps.config().auth.keys ? repo.byStream(name) : repo.byKey(name);
    return k && k.app === app ? k : null;
  }

  list(): StreamKey[] {
    return this.repo().list().map((k) => this.view(k));
  }

  get(id: string): StreamKey {
    return this.view(this.record(id));
  }

  record(id: string): KeyRecord {
    const k = this.repo().get(id);
    if (!k) throw new OnAirError('NOT_FOUND', `no stream key ${JSON.stringify(id.slice(0, 64))}`);
    return k;
  }

  add(label: string, app: string): StreamKey {
    const repo = this.repo();
    const rec: KeyRecord = { id: randomBytes(8).toString('hex'), label, app, key: this.freshKey(repo), stream: this.freshStream(repo), enabled: true, createdAt: Date.now(), lastUsedAt: null };
    repo.insert(rec);
    this.deps.log.info({ id: rec.id, app, key: keyTail(rec.key) }, 'stream key added');
    return this.view(rec);
  }

  setEnabled(id: string, enabled: boolean): StreamKey {
    const k = this.record(id);
    this.repo().setEnabled(id, enabled);
    this.deps.log.info({ id, key: keyTail(k.key) }, enabled ? 'stream key enabled' : 'stream key disabled');
    return this.get(id);
  }

  /**
   * A new value for the same entry: the old one stops working for new publishes (a live publisher keeps going).
   * The public stream name stays (players' links keep working).
   */
  rotate(id: string): StreamKey {
    const k = this.record(id);
    const repo = this.repo();
    const key = this.freshKey(repo);
    repo.setKey(id, key);
    this.deps.log.info({ id, was: keyTail(k.key), now: keyTail(key) }, 'stream key rotated');
    return this.get(id);
  }

  remove(id: string): { ok: true; id: string } {
    const k = this.record(id);
    this.repo().remove(id);
    this.deps.log.info({ id, key: keyTail(k.key) }, 'stream key removed');
    return { ok: true, id };
  }

  /** A publisher went live on /<app>/<name> (a key's stream, see ofStream): stamp last_used_at. */
  used(app: string, name: string): KeyRecord | null {
    const k = this.ofStream(app, name);
    if (k) this.repo().touch(k.id, Date.now());
    return k;
  }

  /** The publish sign for /<app>/<key> (null when auth.publish is off). */
  publishSign(app: string, key: string, days = OBS_SIGN_DAYS): { sign: string; expires: number } | null {
    const cfg = this.deps.config();
    if (!cfg.auth.publish) return null;
    const expires = Math.floor(Date.now() / 1000) + days * DAY_S;
    return { sign: makeSign(`/${app}/${key}`, expires, cfg.auth.publish_secret || cfg.auth.secret), expires };
  }

  view(k: KeyRecord): StreamKey {
    const cfg = this.deps.config();
    const at = this.deps.rtmp();
    const host = urlHost(at?.host ?? cfg.rtmp.host ?? cfg.host);
    const signed = this.publishSign(k.app, k.key);
    return {
      id: k.id, label: k.label, app: k.app, key: k.key, stream: k.stream, enabled: k.enabled, created_at: k.createdAt, last_used_at: k.lastUsedAt,
      live: !!this.deps.registry.get(`/${k.app}/${this.streamName(k)}`)?.publisher,
      obs: {
        server: `rtmp://${host}:${at?.port ?? cfg.rtmp.port}/${k.app}`,
        stream_key: signed ? `${k.key}?sign=${signed.sign}` : k.key,
        expires_at: signed ? signed.expires * 1000 : null,
      },
    };
  }

  private freshKey(repo: KeysRepo): string {
    for (;;) {
      const key = randomKey(20);
      if (!repo.byKey(key) && !repo.byStream(key)) return key;
    }
  }

  /** a public name that is no key and no other key's name */
  private freshStream(repo: KeysRepo): string {
    for (;;) {
      const s = randomStreamName();
      if (!repo.byKey(s) && !repo.byStream(s)) return s;
    }
  }
}

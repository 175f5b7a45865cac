import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Destination, DestinationAdd, DestinationPatch } from '../contract/destinations';
import { OnAirError } from '../errors';
import type { Resolver } from '../net/outbound';
import { checkHostResolves, validateDestination, validateKey, validateName, validateUrl } from '../relay/presets';
import { SecretBox, fileKeyProvider, isMaskedKey, maskKey, type KeyProvider } from '../relay/secrets';
import type { DestinationRuntime, DestinationSpec, DestinationStatus, Platform } from '../relay/types';
import type { Store } from '../store/db';
import { DestinationsRepo, type DestinationRecord } from '../store/destinations-repo';

export interface DestinationsDeps {
  store: () => Store | null;
  dataDir: () => string;
  log: Logger;
  runtime: DestinationRuntime;
  /** where the master key of stream keys comes from (default: <data_dir>/destinations.key, 0600) */
  keys?: KeyProvider;
  /** host name lookups for URL validation (default node's dns.lookup) */
  resolver?: Resolver;
  dnsTimeoutMs?: number;
}

function idleStatus(id: string): DestinationStatus {
  return { id, state: 'idle', stream: null, ackedBitrate: 0, bytesSent: 0, bytesAcked: 0, liveSince: null, reconnects: 0, attempt: 0, nextTryAt: null, lastError: null, dropped: 0 };
}

/**
 * Destinations as the contract and REST see them (issue 11): validate (core/relay/presets.ts) → encrypt the key
 * (core/relay/secrets.ts) → store → hand the spec to the supervisor. Nothing is saved unless validation passed.
 * Answers carry the key masked; log lines carry only the mask. Emits 'state' (DestinationStatus) from the runtime.
 */
export class DestinationsService extends EventEmitter {
  private box: SecretBox | null = null;
  private repoOf: { db: unknown; repo: DestinationsRepo } | null = null;
  private readonly forward = (s: DestinationStatus): void => void this.emit('state', s);
  /** the runtime flipped `enabled` itself (a manual run ended): keep the store in step */
  private readonly persistSpec = (s: DestinationSpec): void => {
    try {
      if (this.deps.store()) this.repo().setEnabled(s.id, s.enabled);
    } catch (e) {
      this.deps.log.warn({ id: s.id, err: (e as Error).message }, 'destination state not saved');
    }
  };

  constructor(private readonly deps: DestinationsDeps) {
    super();
    deps.runtime.on('state', this.forward);
    deps.runtime.on('spec', this.persistSpec);
  }

  private repo(): DestinationsRepo {
    const store = this.deps.store();
    if (!store) throw new OnAirError('IO', 'the store is not open (is the data folder writable?); destinations are unavailable');
    if (this.repoOf?.db !== store.db) this.repoOf = { db: store.db, repo: new DestinationsRepo(store.db) };
    return this.repoOf.repo;
  }

  /** The master-key box of stream keys; relays keep their stored edges (user:password) in it too. */
  secrets(): SecretBox {
    this.box ??= new SecretBox(this.deps.keys ?? fileKeyProvider(this.deps.dataDir()));
    return this.box;
  }

  private find(id: string): DestinationRecord {
    const r = this.repo().get(id);
    if (!r) throw new OnAirError('NOT_FOUND', `no destination ${id}`);
    return r;
  }

  private specOf(r: DestinationRecord, key = this.secrets().decrypt(r.keyCipher, r.id)): DestinationSpec {
    return { id: r.id, name: r.name, platform: r.platform as Platform, url: r.url, key, source: r.source, auto: r.auto, enabled: r.enabled };
  }

  private status(id: string): DestinationStatus {
    try {
      return this.deps.runtime.status(id);
    } catch {
      return idleStatus(id);
    }
  }

  private view(r: DestinationRecord, key: string): Destination {
    return {
      id: r.id, name: r.name, platform: r.platform as Platform, url: r.url, key: maskKey(key), source: r.source,
      auto: r.auto, enabled: r.enabled, created_at: r.createdAt, updated_at: r.updatedAt, status: this.status(r.id),
    };
  }

  /** The key as a mask, or '••••' when it cannot be decrypted (the user enters it again). */
  private maskedView(r: DestinationRecord): Destination {
    let key = '';
    try {
      key = this.secrets().decrypt(r.keyCipher, r.id);
    } catch {
      /* shown as an empty mask */
    }
    return { ...this.view(r, key), key: key ? maskKey(key) : '••••' };
  }

  /** Hand every stored destination to the runtime; those the user left running start again. */
  load(): void {
    if (!this.deps.store()) return this.deps.log.warn('store unavailable: destinations are not resumed');
    for (const r of this.repo().list()) {
      try {
        const spec = this.specOf(r);
        this.deps.runtime.add(spec); // enabled: runs when its source is live
      } catch (e) {
        this.deps.log.warn({ id: r.id, name: r.name, err: (e as Error).message }, 'destination not resumed');
      }
    }
  }

  /** Studio shutdown: the runtime stops every destination; the store keeps `enabled` for the next start. */
  close(): void {
    this.deps.runtime.off('spec', this.persistSpec); // a shutdown is not the user stopping them
    try {
      this.deps.runtime.close();
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'destinations did not stop cleanly');
    }
    this.deps.runtime.off('state', this.forward);
  }

  list(): Destination[] {
    return this.repo().list().map((r) => this.maskedView(r));
  }

  get(id: string): Destination {
    return this.maskedView(this.find(id));
  }

  async add(input: DestinationAdd): Promise<Destination> {
    const repo = this.repo();
    const d = await validateDestination(input, { resolver: this.deps.resolver, dnsTimeoutMs: this.deps.dnsTimeoutMs });
    const id = randomBytes(9).toString('base64url');
    const now = Date.now();
    const rec: DestinationRecord = {
      id, name: d.name, platform: d.platform, url: d.url, keyCipher: this.secrets().encrypt(d.key, id),
      source: d.source, auto: d.auto ?? false, enabled: d.enabled ?? false, createdAt: now, updatedAt: now,
    };
    repo.put(rec);
    this.deps.runtime.add(this.specOf(rec, d.key)); // enabled: runs when its source is live
    this.deps.log.info({ id, name: rec.name, platform: rec.platform, url: rec.url, key: maskKey(d.key) }, 'destination saved');
    return this.view(rec, d.key);
  }

  async update(id: string, patch: DestinationPatch): Promise<Destination> {
    const old = this.find(id);
    const newKey = patch.key !== undefined && !isMaskedKey(patch.key);
    const key = newKey ? validateKey(patch.key as string) : this.secrets().decrypt(old.keyCipher, id);
    const platform = patch.platform ?? (old.platform as Platform);
    const name = patch.name !== undefined ? validateName(patch.name) : old.name;
    const url = patch.url !== undefined ? patch.url.trim() : old.url;
    const u = validateUrl(platform, url);
    if (url !== old.url) await checkHostResolves(u, this.deps.resolver, this.deps.dnsTimeoutMs);
    const rec: DestinationRecord = {
      ...old, name, platform, url, keyCipher: newKey ? this.secrets().encrypt(key, id) : old.keyCipher,
      source: patch.source ?? old.source, auto: patch.auto ?? old.auto, enabled: patch.enabled ?? old.enabled, updatedAt: Date.now(),
    };
    this.repo().put(rec);
    this.deps.runtime.update({ ...this.specOf(rec, key), enabled: old.enabled });
    if (rec.enabled && !old.enabled) this.deps.runtime.start(id);
    else if (!rec.enabled && old.enabled) this.deps.runtime.stop(id);
    this.deps.log.info({ id, name, platform, url, key: maskKey(key), keyChanged: newKey }, 'destination updated');
    return this.view(rec, key);
  }

  remove(id: string): { ok: true; id: string } {
    const r = this.find(id);
    this.deps.runtime.remove(id);
    this.repo().remove(id);
    this.deps.log.info({ id, name: r.name }, 'destination removed');
    return { ok: true, id };
  }

  /** Start (and remember that the user wants it running). */
  start(id: string): Destination {
    this.find(id);
    this.repo().setEnabled(id, true);
    this.deps.runtime.start(id);
    return this.get(id);
  }

  stop(id: string): Destination {
    this.find(id);
    this.repo().setEnabled(id, false);
    this.deps.runtime.stop(id);
    return this.get(id);
  }

  retry(id: string): Destination {
    this.find(id);
    this.deps.runtime.retry(id);
    return this.get(id);
  }
}

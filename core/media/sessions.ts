import { randomBytes } from 'node:crypto';

export type SessionKind = 'rtmp' | 'http' | 'ws';

/** Anything a hook can reject or the API can kick. */
export interface Session {
  readonly id: string;
  readonly kind: SessionKind;
  readonly ip: string;
  readonly connectCreated: Date;
  /** set by reject(); checked after every pre* hook */
  readonly rejected: boolean;
  /** Refuse the pending connect/publish/play (from an event handler), or close the session if it is running. */
  reject(reason?: string): void;
  close(reason: string): void;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 8-character ids like Node-Media-Server's clientId. */
export function newSessionId(): string {
  const b = randomBytes(8);
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[b[i] % ALPHABET.length];
  return s;
}

export class SessionTable {
  private readonly map = new Map<string, Session>();
  accepted = 0;

  add(s: Session): void {
    this.map.set(s.id, s);
    this.accepted++;
  }

  remove(s: Session): void {
    if (this.map.get(s.id) === s) this.map.delete(s.id);
  }

  get(id: string): Session | undefined {
    return this.map.get(id);
  }

  list(): Session[] {
    return [...this.map.values()];
  }

  countBy(kind: SessionKind): number {
    let n = 0;
    for (const s of this.map.values()) if (s.kind === kind) n++;
    return n;
  }
}

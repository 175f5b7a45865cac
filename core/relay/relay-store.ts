/**
 * Relay tasks' wanted state in the store (issue 11: "the wanted state (on/off) persisted in the store so a restart
 * resumes what was running"). API tasks are kept whole, encrypted (their edge may carry user:password); config
 * tasks only keep the user's Start/Stop, tied to a fingerprint of the task so an edited config starts clean.
 * Without a store (data folder not writable) relays still run; nothing survives a restart and the log says so.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RelaysRepo } from '../store/relays-repo';
import type { SecretBox } from './secrets';
import { validateTask, type RelayTask } from './relay-task';

export interface RelayPersistence {
  repo: () => RelaysRepo | null;
  box: () => SecretBox;
}

export interface RestoredRelays {
  /** API tasks, validated again (a row that no longer passes is dropped with a warning) */
  tasks: { task: RelayTask; enabled: boolean }[];
  /** config task id → wanted on/off, for the tasks whose fingerprint still matches */
  wanted: (task: RelayTask) => boolean | null;
}

/** Which config task a stored switch belongs to: app, mode, edge, name, transport, appendName. */
export function taskFingerprint(t: RelayTask): string {
  const parts = [t.app, t.mode, t.edge, t.name ?? '', t.rtsp_transport ?? '', t.appendName ? '1' : '0'];
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 22);
}

export class RelayStore {
  constructor(private readonly p: RelayPersistence | undefined, private readonly log: Logger) {}

  restore(): RestoredRelays {
    const none: RestoredRelays = { tasks: [], wanted: () => null };
    const repo = this.safe(() => this.p?.repo() ?? null, null);
    if (!repo || !this.p) return none;
    const tasks: RestoredRelays['tasks'] = [];
    const switches = new Map<string, { fingerprint: string | null; enabled: boolean }>();
    for (const r of this.safe(() => repo.list(), [])) {
      if (r.origin === 'config') {
        switches.set(r.id, { fingerprint: r.fingerprint, enabled: r.enabled });
        continue;
      }
      try {
        const raw = JSON.parse(this.p.box().decrypt(r.taskCipher ?? '', r.id)) as Record<string, unknown>;
        tasks.push({ task: validateTask(raw, r.id, 'api'), enabled: r.enabled });
      } catch (e) {
        this.log.warn({ relay: r.id, err: (e as Error).message }, 'stored relay not resumed');
      }
    }
    return {
      tasks,
      wanted: (t) => {
        const s = switches.get(t.id);
        return s && s.fingerprint === taskFingerprint(t) ? s.enabled : null;
      },
    };
  }

  /** Save a task's wanted state (API tasks: the whole task, encrypted). */
  save(t: RelayTask, enabled: boolean): void {
    const repo = this.safe(() => this.p?.repo() ?? null, null);
    if (!repo || !this.p) return;
    const box = this.p.box();
    const now = Date.now();
    const { id, origin, ...spec } = t;
    this.safe(() => {
      const prev = repo.get(id);
      repo.put({
        id, origin, enabled,
        taskCipher: origin === 'api' ? box.encrypt(JSON.stringify(spec), id) : null,
        fingerprint: origin === 'config' ? taskFingerprint(t) : null,
        createdAt: prev?.createdAt ?? now, updatedAt: now,
      });
    }, undefined);
  }

  forget(id: string): void {
    const repo = this.safe(() => this.p?.repo() ?? null, null);
    if (repo) this.safe(() => repo.remove(id), false);
  }

  private safe<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'relay state not saved or read');
      return fallback;
    }
  }
}

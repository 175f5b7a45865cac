import type { CommandName, CommandParsedArgs, CommandResult, EventName } from './contract';
import type { HttpFront } from './http/server';

/**
 * A feature is one object of the same shape (ARCHITECTURE.md "feature modules"): its name, the contract
 * commands it answers, and what it mounts on the HTTP front (routes, WebSocket endpoints). The studio
 * registers features (core/studio.ts); the contract's dispatcher is built from them, and a command that no
 * feature answers — or that two answer — stops the studio from being built.
 */
export type Handler<K extends CommandName> = (args: CommandParsedArgs<K>) => Promise<CommandResult<K>> | CommandResult<K>;
export type HandlerMap = { [K in CommandName]?: Handler<K> };
export type Handlers = { [K in CommandName]: Handler<K> };

export interface Feature {
  readonly name: string;
  /** the contract commands this feature answers */
  readonly handlers?: HandlerMap;
  /** the contract events this feature emits */
  readonly events?: readonly EventName[];
  /** routes and WebSocket endpoints on the HTTP front */
  mount?(http: HttpFront): void;
  /** after the listeners and the store are up (in registration order) */
  start?(): Promise<void> | void;
  /** before the listeners close (in registration order) */
  stop?(): Promise<void> | void;
}

/** Every contract event emitted by exactly one registered feature, or an error naming what is wrong. */
export function checkEvents(features: readonly Feature[], names: readonly EventName[]): void {
  const owner = new Map<string, string>();
  for (const f of features) {
    for (const e of f.events ?? []) {
      if (owner.has(e)) throw new Error(`contract event ${e} is emitted by both ${owner.get(e)} and ${f.name}`);
      if (!names.includes(e)) throw new Error(`feature ${f.name} emits ${e}, which the contract does not declare`);
      owner.set(e, f.name);
    }
  }
  const missing = names.filter((n) => !owner.has(n));
  if (missing.length) throw new Error(`no feature emits ${missing.join(', ')}`);
}

/** Every command answered by exactly one registered feature, or an error naming what is wrong. */
export function collectHandlers(features: readonly Feature[], names: readonly CommandName[]): Handlers {
  const out: HandlerMap = {};
  const owner = new Map<string, string>();
  for (const f of features) {
    for (const [cmd, h] of Object.entries(f.handlers ?? {})) {
      if (owner.has(cmd)) throw new Error(`contract command ${cmd} is answered by both ${owner.get(cmd)} and ${f.name}`);
      if (!names.includes(cmd as CommandName)) throw new Error(`feature ${f.name} answers ${cmd}, which the contract does not declare`);
      owner.set(cmd, f.name);
      (out as Record<string, unknown>)[cmd] = h;
    }
  }
  const missing = names.filter((n) => !owner.has(n));
  if (missing.length) throw new Error(`no feature answers ${missing.join(', ')}`);
  return out as Handlers;
}

/** Which feature answers each command (for the architecture test and the docs). */
export function commandOwners(features: readonly Feature[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of features) for (const cmd of Object.keys(f.handlers ?? {})) out[cmd] = f.name;
  return out;
}

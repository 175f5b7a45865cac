import { afterAll, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { commands, type AnyEvent, type CommandName, type Reply } from '../../core/contract';
import type { Run } from './ffmpeg';
import type { TestStudio } from './studio';

export interface WsClient {
  ws: WebSocket;
  /** send a raw request frame; resolves with the reply frame's Reply part */
  call(cmd: string, args?: unknown): Promise<Reply>;
  /** send raw text; resolves with the next reply frame (for bad-frame tests) */
  raw(text: string): Promise<{ id: unknown } & Reply>;
  events: AnyEvent[];
  waitEvent<E extends AnyEvent['event']>(name: E, pred?: (e: Extract<AnyEvent, { event: E }>) => boolean, timeoutMs?: number): Promise<Extract<AnyEvent, { event: E }>>;
  close(): void;
}

/** Open /api/ws; rejects with the HTTP status on a refused upgrade (e.g. "401"). */
export function connectWs(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const pending = new Map<string | number, (r: Reply) => void>();
    const rawWaiters: Array<(f: { id: unknown } & Reply) => void> = [];
    const events: AnyEvent[] = [];
    const eventWaiters = new Set<(e: AnyEvent) => void>();
    let next = 1;
    ws.on('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
    ws.on('error', (e) => reject(e));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { id?: string | number | null; event?: string } & Reply;
      if (typeof f.event === 'string') {
        const e = f as unknown as AnyEvent;
        events.push(e);
        if (events.length > 2000) events.splice(0, 1000);
        for (const w of eventWaiters) w(e);
        return;
      }
      const p = f.id !== undefined && f.id !== null ? pending.get(f.id) : undefined;
      if (p) {
        pending.delete(f.id as string | number);
        p(f);
      } else rawWaiters.shift()?.(f as { id: unknown } & Reply);
    });
    ws.on('open', () =>
      resolve({
        ws,
        events,
        call(cmd, args) {
          const id = next++;
          return new Promise((res) => {
            pending.set(id, res);
            ws.send(JSON.stringify(args === undefined ? { id, cmd } : { id, cmd, args }));
          });
        },
        raw(text) {
          return new Promise((res) => {
            rawWaiters.push(res);
            ws.send(text);
          });
        },
        waitEvent(name, pred, timeoutMs = 10_000) {
          type E = Extract<AnyEvent, { event: typeof name }>;
          const found = events.find((e) => e.event === name && (!pred || pred(e as E)));
          if (found) return Promise.resolve(found as E);
          return new Promise((res, rej) => {
            const t = setTimeout(() => {
              eventWaiters.delete(w);
              rej(new Error(`no ${name} event in ${timeoutMs} ms`));
            }, timeoutMs);
            const w = (e: AnyEvent): void => {
              if (e.event === name && (!pred || pred(e as E))) {
                clearTimeout(t);
                eventWaiters.delete(w);
                res(e as E);
              }
            };
            eventWaiters.add(w);
          });
        },
        close() {
          ws.close();
        },
      }),
    );
  });
}

export function expectOk<T = unknown>(r: Reply): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** One studio and one /api/ws client for a contract test file, with the calls its tests make. */
export interface ContractRig {
  readonly t: TestStudio;
  readonly c: WsClient;
  /** a publisher a test started; killed in afterAll */
  pub: Run | null;
  /** every command called through ok/fails, for the "covers every command" test */
  readonly tested: Set<CommandName>;
  /** calls `cmd`, expects ok and a result that matches the contract's result schema */
  ok(cmd: CommandName, args?: unknown): Promise<unknown>;
  /** calls `cmd`, expects it to fail with `code` */
  fails(cmd: CommandName, args: unknown, code: string): Promise<void>;
}

/**
 * Registers beforeAll (`start` the studio, then connect to /api/ws) and afterAll (kill `pub`, close the
 * client, stop the studio, then `cleanup`) for the calling test file.
 */
export function contractRig(start: () => Promise<TestStudio>, cleanup: () => void): ContractRig {
  let t: TestStudio | undefined;
  let c: WsClient | undefined;
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('contractRig: the studio is not started');
    return v;
  };
  const rig: ContractRig = {
    get t() {
      return started(t);
    },
    get c() {
      return started(c);
    },
    pub: null,
    tested: new Set<CommandName>(),
    async ok(cmd, args) {
      rig.tested.add(cmd);
      const result = expectOk(await rig.c.call(cmd, args));
      commands[cmd].result.parse(result);
      return result;
    },
    async fails(cmd, args, code) {
      rig.tested.add(cmd);
      const r: Reply = await rig.c.call(cmd, args);
      expect(r.ok, `${cmd} ${JSON.stringify(args)} should fail`).toBe(false);
      if (!r.ok) expect(r.error.code, r.error.message).toBe(code);
    },
  };
  beforeAll(async () => {
    t = await start();
    c = await connectWs(t.wsUrl('/api/ws'));
  });
  afterAll(async () => {
    rig.pub?.child.kill('SIGKILL');
    c?.close();
    await t?.stop();
    cleanup();
  });
  return rig;
}

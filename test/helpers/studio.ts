import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStudio, type ListenInfo, type Studio, type StudioOptions } from '../../core/studio';

export interface TestStudio {
  studio: Studio;
  ports: ListenInfo;
  rtmpUrl: (path: string) => string;
  httpUrl: (path: string) => string;
  wsUrl: (path: string) => string;
  stop: () => Promise<void>;
}

/**
 * A real studio on 127.0.0.1 with ephemeral ports. `opts` e.g. a stub `resolver` for outbound names.
 * Tests that are not about the API gate get it switched off (`auth.api: false`, which the product only does
 * when told to); the security tests pass `auth: { api: true }` to run with the product's defaults.
 */
export async function startStudio(config: Record<string, unknown> = {}, opts: StudioOptions = {}): Promise<TestStudio> {
  const base = { host: '127.0.0.1', auth: { api: false }, rtmp: { port: 0 }, http: { port: 0 }, log_level: process.env.ONAIR_TEST_LOG ? 'debug' : 'silent', data_dir: mkdtempSync(path.join(os.tmpdir(), 'onair-test-')) };
  const merged: Record<string, unknown> = { ...base, ...config };
  for (const k of ['rtmp', 'http', 'auth'] as const) {
    if (config[k]) merged[k] = { ...((base as Record<string, unknown>)[k] as object | undefined), ...(config[k] as object) };
  }
  const studio = createStudio(merged, { logToStdout: !!process.env.ONAIR_TEST_LOG, ...opts });
  const ports = await studio.run();
  return {
    studio,
    ports,
    rtmpUrl: (p) => `rtmp://127.0.0.1:${ports.rtmp}${p}`,
    httpUrl: (p) => `http://127.0.0.1:${ports.http}${p}`,
    wsUrl: (p) => `ws://127.0.0.1:${ports.http}${p}`,
    stop: () => studio.stop(),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `fn` returns a truthy value or the time runs out (then throws with `what`). */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

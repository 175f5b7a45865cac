import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
export const RENDERER_DIST = path.join(root, 'renderer/dist');

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

/** Sources the panel build depends on: the renderer and the contract it imports. */
function sourcesMtime(): number {
  const r = path.join(root, 'renderer');
  return Math.max(
    newest(path.join(r, 'src')),
    newest(path.join(r, 'public')),
    newest(path.join(r, 'index.html')),
    newest(path.join(r, 'vite.config.ts')),
    newest(path.join(root, 'core/contract')),
  );
}

function fresh(index: string): boolean {
  return existsSync(index) && statSync(index).mtimeMs >= sourcesMtime();
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Build renderer/dist with Vite when it is missing or older than its sources. Returns true if it built.
 * Test files run in parallel workers, so the build holds a lock folder (mkdir is atomic); the others wait
 * for it and then find the build fresh.
 */
export function ensureRendererBuilt(): boolean {
  const index = path.join(RENDERER_DIST, 'index.html');
  if (fresh(index)) return false;
  const lock = path.join(root, 'renderer', '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock left by a killed run is stale after 3 minutes
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleepSync(200);
    }
  }
  try {
    if (fresh(index)) return false;
    execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 120_000,
    });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

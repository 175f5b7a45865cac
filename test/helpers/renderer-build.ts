import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** Build renderer/dist with Vite when it is missing or older than its sources. Returns true if it built. */
export function ensureRendererBuilt(): boolean {
  const index = path.join(RENDERER_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= sourcesMtime()) return false;
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 120_000,
  });
  return true;
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPanelDir } from '../http/panel-static';

/**
 * The watch page's client files, found at run time (never copied into the repo): its own script and style
 * (./watch/ next to this module), the socket.io client as socket.io ships it (client-dist/, socket.io is a
 * dependency) and hls.js as an ES module (node_modules/hls.js in a checkout; in an install without dev
 * dependencies, the panel's own build of it in renderer/dist/assets/hls-*.js, the same ES module).
 */
export type WatchAsset = 'watch.js' | 'watch.css' | 'hls.mjs' | 'socket.io.mjs';
export const WATCH_ASSETS: readonly WatchAsset[] = ['watch.js', 'watch.css', 'hls.mjs', 'socket.io.mjs'];

const require = createRequire(import.meta.url);

function tryResolve(f: () => string): string | null {
  try {
    const p = f();
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/**
 * ./watch/ next to this module: core/rooms/watch/ (sources), dist/core/watch/ next to the compiled runtime
 * (scripts/build-core.mjs copies it), electron/dist/watch/ next to the desktop bundle (scripts/build-electron.mjs).
 */
function ownDir(): string | null {
  const dir = fileURLToPath(new URL('./watch/', import.meta.url));
  return existsSync(path.join(dir, 'watch.js')) ? dir : null;
}

function panelHlsChunk(panelDir: string): string | null {
  const dir = path.join(panelDir, 'assets');
  try {
    const f = readdirSync(dir).find((n) => /^hls-[\w-]+\.js$/.test(n));
    return f ? path.join(dir, f) : null;
  } catch {
    return null;
  }
}

export function resolveWatchAsset(name: WatchAsset, panelDir = defaultPanelDir()): string | null {
  switch (name) {
    case 'watch.js':
    case 'watch.css': {
      const dir = ownDir();
      return dir ? tryResolve(() => path.join(dir, name)) : null;
    }
    case 'socket.io.mjs':
      return tryResolve(() => path.join(path.dirname(require.resolve('socket.io/package.json')), 'client-dist/socket.io.esm.min.js'));
    case 'hls.mjs':
      return tryResolve(() => require.resolve('hls.js/dist/hls.min.mjs')) ?? panelHlsChunk(panelDir);
  }
}

/** Each asset read once (they do not change while the process runs; a missing one is looked for again). */
export class WatchAssets {
  private readonly cache = new Map<WatchAsset, Buffer>();

  constructor(private readonly panelDir?: string) {}

  get(name: WatchAsset): Buffer | null {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const file = resolveWatchAsset(name, this.panelDir);
    if (!file) return null;
    const body = readFileSync(file);
    this.cache.set(name, body);
    return body;
  }
}

#!/usr/bin/env node
// Bundle the Electron main process (ESM) and preload (CommonJS: sandboxed preloads cannot be ESM)
// into electron/dist/. Our TypeScript (electron/ + core/) is bundled; npm packages stay external and
// are loaded from node_modules (inside app.asar when packaged).
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning', external: ['electron'] };

await Promise.all([
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'electron/dist/main.js', format: 'esm', packages: 'external' }),
  build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'electron/dist/preload.cjs', format: 'cjs' }),
]);
// the watch page's client files, served as is next to the bundle (core/rooms/watch-assets.ts)
cpSync('core/rooms/watch', 'electron/dist/watch', { recursive: true });
process.stdout.write('built electron/dist/main.js and electron/dist/preload.cjs\n');

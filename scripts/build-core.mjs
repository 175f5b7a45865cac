#!/usr/bin/env node
// Compile the headless runtime: core/cli.ts (and all of core/ it imports) -> dist/core/cli.js, one ESM file
// with a sourcemap. npm packages stay external and load from node_modules. dist/core/ keeps the same depth
// as core/http/, so the panel (../../renderer/dist/ from the module) resolves the same from both.
// Run by `npm install` (prepare), `npm pack`, `npm run build:core`, and by bin/onair.mjs when the output is
// missing or older than the sources (a dev checkout).
//   node scripts/build-core.mjs            build
//   node scripts/build-core.mjs --if-stale build only when missing or stale
//   node scripts/build-core.mjs --soft     (prepare) without esbuild, say so and exit 0 (`npm install --omit=dev`)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUTFILE = path.join(ROOT, 'dist/core/cli.js');
const ENTRY = path.join(ROOT, 'core/cli.ts');
/** The watch page's client files (plain JS/CSS, served as is): copied next to the bundle, dist/core/watch/ (core/rooms/watch-assets.ts). */
const WATCH_DIR = path.join(ROOT, 'core/rooms/watch');
/**
 * Bundled into dist/ although it is a dependency: pure JavaScript, ~100 ES modules when loaded from
 * node_modules, whose module records cost idle RSS that one bundled copy does not (bench/startup.ts).
 */
const BUNDLED = new Set(['zod']);

/** Every dependency stays external (node_modules) but those in BUNDLED; devDependencies never reach core/. */
function externals() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.has(d));
}

/** Newest mtime (ms) of the inputs: every .ts under core/, package.json, the lock file (the bundled zod) and this script; 0 without core/. */
function newestSource() {
  const coreDir = path.join(ROOT, 'core');
  if (!existsSync(coreDir)) return 0;
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || p.startsWith(WATCH_DIR)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(coreDir);
  for (const f of [path.join(ROOT, 'package.json'), path.join(ROOT, 'package-lock.json'), fileURLToPath(import.meta.url)]) {
    if (existsSync(f)) newest = Math.max(newest, statSync(f).mtimeMs);
  }
  return newest;
}

/**
 * Why the compiled runtime must be (re)built, or null when it is up to date. An installed package ships
 * dist/ without core/: that is never stale.
 */
export function staleReason() {
  if (!existsSync(OUTFILE)) return existsSync(ENTRY) ? 'missing' : 'missing, and there are no sources to build it from';
  const src = newestSource();
  return src > statSync(OUTFILE).mtimeMs ? 'older than the sources' : null;
}

/** Builds dist/core/cli.js with esbuild. Throws (with a hint) when esbuild is not installed. */
export async function buildCore() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw Object.assign(new Error('esbuild is not installed (a devDependency): run `npm install` in the checkout, then `npm run build:core`'), { code: 'NO_ESBUILD' });
  }
  const t0 = performance.now();
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: externals(),
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
    banner: { js: '// Built by scripts/build-core.mjs from core/ — do not edit; run `npm run build:core`.' },
    write: false,
  });
  // write each file next to its target and rename it into place: a process starting at the same moment
  // reads the old or the new file, never half of one (the map first, so the new code finds its map)
  mkdirSync(path.dirname(OUTFILE), { recursive: true });
  const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  const watch = existsSync(WATCH_DIR) ? readdirSync(WATCH_DIR).filter((n) => /\.(js|css)$/.test(n)) : [];
  if (watch.length) mkdirSync(path.join(path.dirname(OUTFILE), 'watch'), { recursive: true });
  const writes = [
    ...watch.map((n) => ({ path: path.join(path.dirname(OUTFILE), 'watch', n), contents: readFileSync(path.join(WATCH_DIR, n)) })),
    ...files,
  ];
  for (const f of writes) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return performance.now() - t0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const ifStale = process.argv.includes('--if-stale');
  const why = staleReason();
  if (ifStale && why === null) process.exit(0);
  if (!existsSync(ENTRY)) {
    process.stderr.write('build-core: core/cli.ts is not here (an installed package ships dist/ already)\n');
    process.exit(existsSync(OUTFILE) ? 0 : 1);
  }
  try {
    const ms = await buildCore();
    process.stdout.write(`built ${path.relative(ROOT, OUTFILE)} in ${Math.round(ms)} ms\n`);
  } catch (e) {
    process.stderr.write(`build-core: ${e.message}\n`);
    process.exit(process.argv.includes('--soft') && e.code === 'NO_ESBUILD' ? 0 : 1);
  }
}

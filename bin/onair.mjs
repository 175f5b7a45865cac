#!/usr/bin/env node
// OnAir Studio CLI. Runs the compiled runtime, dist/core/cli.js (plain JavaScript, no TypeScript loader).
// In a checkout, the runtime is (re)built first when it is missing or older than core/ (esbuild, ~100 ms);
// an installed package ships dist/ and has no core/ to build from.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = new URL('../dist/core/cli.js', import.meta.url);

if (existsSync(new URL('../core/cli.ts', import.meta.url))) {
  const { buildCore, staleReason } = await import(pathToFileURL(`${root}scripts/build-core.mjs`).href);
  const why = staleReason();
  if (why !== null) {
    try {
      const ms = await buildCore();
      process.stderr.write(`onair: compiled dist/core/cli.js (${why}) in ${Math.round(ms)} ms\n`);
    } catch (e) {
      if (!existsSync(compiled)) {
        process.stderr.write(`onair: cannot build dist/core/cli.js: ${e.message}\n`);
        process.exit(1);
      }
      process.stderr.write(`onair: dist/core/cli.js is ${why} and cannot be rebuilt (${e.message}); running it anyway\n`);
    }
  }
} else if (!existsSync(compiled)) {
  process.stderr.write('onair: dist/core/cli.js is missing from this install; reinstall the package\n');
  process.exit(1);
}

const { main } = await import(compiled.href);
const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);

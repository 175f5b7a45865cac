/**
 * How the OnAir server children are launched (bundleBenchEntry also builds hls-servers.ts's child). Default: bundle bench/lib/onair-server.ts once with esbuild (the
 * copy tsx itself uses; npm packages stay external) and run it with plain node, so the measured RSS/CPU is
 * the server's and not the tsx loader's (the loader thread + esbuild add ~30 MB RSS).
 * FANOUT_ONAIR_RUNNER=tsx runs `node bin/run-ts.mjs bench/lib/onair-server.ts` instead.
 *
 * The bundle goes to <tmp>/onair-bench/build-<hash of the repo path>/ (outside the repo, so lint and git
 * never see it) next to a node_modules symlink to the repo's, which is how its imports resolve.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface EsbuildLike {
  buildSync(opts: Record<string, unknown>): unknown;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const built = new Map<string, string>();

function linkNodeModules(dir: string): void {
  const link = path.join(dir, 'node_modules');
  const target = path.join(ROOT, 'node_modules');
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {}
  if (current === target) return;
  if (current !== null) rmSync(link, { force: true });
  symlinkSync(target, link, 'dir');
}

/** Bundles bench/lib/<name>.ts (once per run) to <build dir>/<name>.mjs and returns that path. */
export function bundleBenchEntry(name: string): string {
  const done = built.get(name);
  if (done) return done;
  const req = createRequire(createRequire(import.meta.url).resolve('tsx'));
  const esbuild = req('esbuild') as EsbuildLike;
  const tag = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  const outDir = path.join(process.env.FANOUT_CACHE ?? path.join(os.tmpdir(), 'onair-bench'), `build-${tag}`);
  mkdirSync(outDir, { recursive: true });
  linkNodeModules(outDir);
  const outfile = path.join(outDir, `${name}.mjs`);
  const entry = path.join(ROOT, 'bench/lib', `${name}.ts`);
  esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
  built.set(name, outfile);
  return outfile;
}

/** Node arguments that start the OnAir server child. */
export function onairServerArgs(runner: 'bundle' | 'tsx'): string[] {
  if (runner === 'tsx') return [path.join(ROOT, 'bin/run-ts.mjs'), path.join(ROOT, 'bench/lib/onair-server.ts')];
  return [bundleBenchEntry('onair-server')];
}

/**
 * `onair serve` runs the compiled runtime (dist/core/cli.js, built by scripts/build-core.mjs), not the tsx
 * loader: checked from outside the process (its command line, its child processes) and by the process
 * itself, which lists every module it loads under NODE_DEBUG=esm,module. A control run through tsx shows
 * the same checks do see a loader when there is one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/studio';

const root = path.resolve(import.meta.dirname, '../..');
const compiled = path.join(root, 'dist/core/cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-compiled-'));
const children: ChildProcess[] = [];

beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build-core.mjs'), '--if-stale'], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  out: () => string;
}

/** Spawns node with args, NODE_DEBUG=esm,module on (every module load goes to stderr). */
function run(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ONAIR_DATA_DIR: path.join(tmp, `data-${children.length}`), NODE_DEBUG: 'esm,module', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

/** Every file the process reported loading (ESM "Translating … file://…", CJS `load "/…"`). */
function loadedFiles(out: string): string[] {
  const files = new Set<string>();
  for (const m of out.matchAll(/Translating \w+ (file:\/\/\S+)/g)) files.add(new URL(m[1]).pathname);
  for (const m of out.matchAll(/load "(\/[^"]+)"/g)) files.add(m[1]);
  return [...files];
}

/** The command lines of the process's direct children (tsx runs an esbuild service as one). */
function childCommands(pid: number): string[] {
  const ids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return ids.map((id) => {
    try {
      return readFileSync(`/proc/${id}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return '';
    }
  });
}

/** What betrays a TypeScript loader in a running node process: its argv, its children, the files it loaded. */
function loaderTraces(pid: number, out: string): string[] {
  const traces: string[] = [];
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  if (/tsx|ts-node|--loader|--import/.test(cmdline)) traces.push(`cmdline: ${cmdline}`);
  for (const c of childCommands(pid)) if (/esbuild/.test(c)) traces.push(`child: ${c}`);
  for (const f of loadedFiles(out)) if (/node_modules\/(tsx|esbuild|ts-node)\/|\.[mc]?ts$/.test(f)) traces.push(`loaded: ${f}`);
  return traces;
}

function configFile(name: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify({ rtmp: { port: 0 }, http: { port: 0 }, auth: { api: false } }));
  return file;
}

async function stop(r: Running): Promise<number | null> {
  const exited = new Promise<number | null>((res) => r.child.on('exit', (code) => res(code)));
  r.child.kill('SIGINT');
  return exited;
}

describe('the compiled runtime', () => {
  it('`onair serve` runs dist/core/cli.js on plain node: no tsx in its argv, children or loaded modules', async () => {
    const r = run([path.join(root, 'bin/onair.mjs'), 'serve', '--config', configFile('a.json')], root);
    const api = await waitFor(() => /API\s+(http:\/\/\S+)/.exec(r.out())?.[1], 'printed API URL', 20_000);
    expect((await fetch(api)).status).toBe(200);
    const files = loadedFiles(r.out());
    expect(files).toContain(compiled);
    expect(files.some((f) => f.endsWith('/core/studio.ts'))).toBe(false);
    expect(loaderTraces(r.child.pid!, r.out())).toEqual([]);
    expect(await stop(r)).toBe(0);
  });

  it('the same checks see the tsx loader in a process that has it (control)', async () => {
    const script = path.join(tmp, 'idle.mts');
    writeFileSync(script, "export {};\nconst ms: number = 60_000;\nsetTimeout(() => undefined, ms);\nprocess.stdout.write('ready\\n');\n");
    const r = run([path.join(root, 'bin/run-ts.mjs'), script], root);
    await waitFor(() => r.out().includes('ready\n'), 'the tsx child to start', 20_000);
    const traces = loaderTraces(r.child.pid!, r.out());
    expect(traces.some((t) => t.includes('node_modules/tsx/'))).toBe(true);
    expect(traces.some((t) => t.endsWith('idle.mts'))).toBe(true);
    r.child.kill('SIGKILL');
  });

  it('bin/onair.mjs rebuilds dist/core/cli.js first when it is older than the sources', async () => {
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(compiled, old, old);
    const r = spawnSync(process.execPath, [path.join(root, 'bin/onair.mjs'), '--version'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('onair 0.1.0\n');
    expect(r.stderr).toMatch(/compiled dist\/core\/cli\.js \(older than the sources\) in \d+ ms/);
    expect(statSync(compiled).mtimeMs).toBeGreaterThan(old.getTime());
  });

  it('runs from a copy outside the repository with only the published files (bin, dist/core, renderer/dist)', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    const install = path.join(tmp, 'install', 'onair-studio');
    mkdirSync(install, { recursive: true });
    for (const f of [...pkg.files, 'package.json']) if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(install, f), { recursive: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(install, 'node_modules'), 'dir');
    expect(existsSync(path.join(install, 'core'))).toBe(false);
    const bin = path.join(install, 'bin/onair.mjs');
    const v = spawnSync(process.execPath, [bin, '--version'], { cwd: tmp, encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toBe('onair 0.1.0\n');
    expect(v.stderr).toBe('');

    const r = run([bin, 'serve', '--config', configFile('b.json')], tmp);
    const api = await waitFor(() => /API\s+(http:\/\/\S+)/.exec(r.out())?.[1], 'printed API URL', 20_000);
    expect((await fetch(api)).status).toBe(200);
    const panel = await fetch(new URL('/', api));
    expect(panel.status).toBe(200);
    expect(panel.headers.get('content-type')).toMatch(/^text\/html/);
    // the watch page's own files (dist/core/watch/) and its hls.js / socket.io client (resolved at run time)
    for (const a of ['watch.js', 'watch.css', 'hls.mjs', 'socket.io.mjs']) expect((await fetch(new URL(`/watch/assets/${a}`, api))).status, a).toBe(200);
    const files = loadedFiles(r.out());
    expect(files).toContain(path.join(install, 'dist/core/cli.js'));
    expect(files.filter((f) => f.startsWith(`${root}/`) && !f.startsWith(`${root}/node_modules/`))).toEqual([]);
    expect(loaderTraces(r.child.pid!, r.out())).toEqual([]);
    expect(await stop(r)).toBe(0);
  });
});

#!/usr/bin/env node
// `npm start`: build the panel, the Electron main process and the headless runtime (dist/core/cli.js), then
// open the desktop app. Where Electron cannot start (binary not installed, no display, …) say why in one line
// and run `onair serve` instead — the compiled JavaScript, like the Electron main process: no tsx loader.
//   npm start -- --headless     skip Electron
//   npm start -- --no-build     use the existing builds
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const headless = argv.includes('--headless') || process.env.ONAIR_HEADLESS === '1';
const serveArgs = argv.filter((a) => a !== '--headless' && a !== '--no-build');

function step(label, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`onair start: ${label} failed\n`);
    process.exit(r.status ?? 1);
  }
}

if (!argv.includes('--no-build')) {
  step('compiling the headless runtime', [path.join(root, 'scripts/build-core.mjs'), '--if-stale']);
  step('building the panel', [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
  step('building the Electron main process', [path.join(root, 'scripts/build-electron.mjs')]);
}

/** Why Electron cannot start here, or null. Never triggers the electron package's download. */
function electronProblem() {
  if (headless) return 'headless requested';
  const pkg = path.join(root, 'node_modules/electron');
  if (!existsSync(pkg)) return 'the electron package is not installed';
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return 'the Electron binary is not downloaded: node_modules/electron/path.txt is missing';
  const bin = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(bin)) return `the Electron binary is missing (${path.relative(root, bin)})`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display ($DISPLAY and $WAYLAND_DISPLAY are not set)';
  return null;
}

function serve(reason) {
  process.stdout.write(`OnAir Studio: the desktop window cannot open here (${reason}); running the headless server instead.\n`);
  const child = spawn(process.execPath, [path.join(root, 'bin/onair.mjs'), 'serve', ...serveArgs], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const problem = electronProblem();
if (problem) {
  serve(problem);
} else {
  const bin = path.join(root, 'node_modules/electron/dist', readFileSync(path.join(root, 'node_modules/electron/path.txt'), 'utf8').trim());
  const started = Date.now();
  let stderr = '';
  const child = spawn(bin, ['.'], { cwd: root, stdio: ['inherit', 'inherit', 'pipe'] });
  child.stderr.on('data', (d) => {
    process.stderr.write(d);
    if (stderr.length < 8192) stderr += d.toString();
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => serve(`Electron did not start: ${e.message}`));
  child.on('exit', (code, signal) => {
    // a crash in the first seconds means this machine cannot run it: fall back
    if (code !== 0 && !signal && Date.now() - started < 8000) {
      const line = stderr.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('[')) ?? `exit code ${code}`;
      return serve(`Electron exited at start: ${line.slice(0, 200)}`);
    }
    process.exit(code ?? 0);
  });
}

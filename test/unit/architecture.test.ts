import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The house plan's arrows, as `npm run lint` checks them (.dependency-cruiser.cjs), on the real tree and on planted violations. */
const root = path.resolve(import.meta.dirname, '../..');
const SCOPE = ['core', 'electron', 'renderer/src'];

async function check(baseDir: string): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(path.join(root, '.dependency-cruiser.cjs'));
  const r = await cruise(SCOPE, { ...options, baseDir, outputType: 'json' });
  return typeof r.output === 'string' ? (JSON.parse(r.output) as ICruiseResult) : r.output;
}

const violations = (r: ICruiseResult): string[] => r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

describe('architecture rules (dependency-cruiser)', () => {
  let overlay: string;
  beforeAll(() => {
    overlay = mkdtempSync(path.join(os.tmpdir(), 'onair-arch-'));
    const skip = (src: string): boolean => !/[/\\](dist|node_modules)([/\\]|$)/.test(src.slice(root.length));
    for (const d of SCOPE) cpSync(path.join(root, d), path.join(overlay, d), { recursive: true, filter: skip });
    cpSync(path.join(root, 'tsconfig.json'), path.join(overlay, 'tsconfig.json'));
    symlinkSync(path.join(root, 'node_modules'), path.join(overlay, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(overlay, { recursive: true, force: true }));

  it('the real tree keeps every arrow', async () => {
    const r = await check(root);
    expect(r.summary.totalCruised).toBeGreaterThan(150); // it really read the tree (resolved .ts imports)
    expect(r.modules.find((m) => m.source === 'core/studio.ts')?.dependencies.some((d) => d.resolved === 'core/rtmp/server.ts')).toBe(true);
    expect(violations(r)).toEqual([]);
  }, 60_000);

  it('reports planted back-arrows, sideways arrows, leaf imports, runtime cycles and shell imports', async () => {
    const plant = (file: string, text: string): void => {
      mkdirSync(path.dirname(path.join(overlay, file)), { recursive: true });
      writeFileSync(path.join(overlay, file), text);
    };
    plant('core/media/planted-back.ts', "export { HlsManager } from '../hls/hls-manager';\n");
    plant('core/flv/planted-side.ts', "export { HlsManager } from '../hls/hls-manager';\n");
    plant('core/relay/planted-client.ts', "export { RtmpServer } from '../rtmp/server';\n"); // the one allowed sideways arrow
    plant('core/relay/planted-side.ts', "export { HlsManager } from '../hls/hls-manager';\n");
    plant('core/format/planted-leaf.ts', "export { StreamRegistry } from '../media/registry';\n");
    plant('core/contract/planted-leaf.ts', "export { OnAirError } from '../errors';\n");
    plant('core/net/planted-a.ts', "import { b } from './planted-b';\nexport const a = (): number => b() + 1;\n");
    plant('core/net/planted-b.ts', "import { a } from './planted-a';\nexport const b = (): number => a() - 1;\n");
    plant('core/net/planted-type-a.ts', "import type { B } from './planted-type-b';\nexport interface A { b: B }\n");
    plant('core/net/planted-type-b.ts', "import type { A } from './planted-type-a';\nexport interface B { a?: A }\n");
    plant('core/http/planted-shell.ts', "export * from '../../electron/ipc';\n");
    plant('renderer/src/planted-reach.ts', "export { StreamRegistry } from '../../core/media/registry';\n");
    const got = violations(await check(overlay));
    expect(got).toEqual([
      'core-not-shell: core/http/planted-shell.ts -> electron/ipc.ts',
      'features-not-sideways: core/flv/planted-side.ts -> core/hls/hls-manager.ts',
      'leaf-contract: core/contract/planted-leaf.ts -> core/errors.ts',
      'leaf-format: core/format/planted-leaf.ts -> core/media/registry.ts',
      'no-circular: core/net/planted-a.ts -> core/net/planted-b.ts', // once per cycle; the type-only cycle is allowed
      'relay-only-to-rtmp: core/relay/planted-side.ts -> core/hls/hls-manager.ts',
      'renderer-only-contract: renderer/src/planted-reach.ts -> core/media/registry.ts',
      'shared-not-up: core/media/planted-back.ts -> core/hls/hls-manager.ts',
    ]);
  }, 60_000);
});

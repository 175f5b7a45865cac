import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * electron-builder.yml against electron-builder's OWN loader and validator (app-builder-lib's getConfig reads
 * the yml the way `electron-builder` does; validateConfiguration checks it against app-builder-lib/scheme.json
 * with the ajv instance electron-builder uses). The build itself cannot run here: it downloads Electron.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const requireFromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const libDir = path.dirname(requireFromBuilder.resolve('app-builder-lib/package.json'));

interface BuilderConfig {
  [key: string]: unknown;
}
interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: BuilderConfig | null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: unknown): Promise<void>;
}
const configModule = requireFromBuilder(path.join(libDir, 'out/util/config/config.js')) as ConfigModule;
const { DebugLogger } = requireFromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const validate = (config: BuilderConfig): Promise<void> => configModule.validateConfiguration(config, new DebugLogger(false));

describe('electron-builder.yml', () => {
  it('is the configuration electron-builder loads from this project and it validates against scheme.json', async () => {
    expect(existsSync(path.join(libDir, 'scheme.json'))).toBe(true);
    const config = await configModule.getConfig(root, null, null);
    expect(config.appId).toBe('studio.onair.app');
    await expect(validate(config)).resolves.toBeUndefined();
    const linux = config.linux as { target: string[] };
    expect(linux.target).toEqual(['AppImage', 'deb']);
    const win = config.win as { target: { target: string }[] };
    expect(win.target.map((t) => t.target)).toEqual(['nsis']);
    const mac = config.mac as { target: { target: string }[] };
    expect(mac.target.map((t) => t.target)).toEqual(['dmg']);
    expect((config.extraMetadata as { main: string }).main).toBe('electron/dist/main.js');
  });

  it('the same validator rejects a misspelt option, an unknown arch and a wrong type (the check can fail)', async () => {
    const config = await configModule.getConfig(root, null, null);
    await expect(validate({ ...config, nsiss: { oneClick: false } })).rejects.toThrow(/unknown property 'nsiss'/);
    await expect(validate({ ...config, mac: { target: [{ target: 'dmg', arch: ['pdp11'] }] } })).rejects.toThrow(/configuration\.mac/);
    await expect(validate({ ...config, nsis: { oneClick: 'sometimes' } })).rejects.toThrow(/nsis\.oneClick/);
  });

  it('npm run dist builds the panel and the shell, then runs electron-builder with this yml', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
      main: string;
    };
    expect(pkg.devDependencies['electron-builder']).toBeTruthy();
    expect(pkg.scripts.dist).toMatch(/^npm run build && electron-builder\b/);
    expect(pkg.scripts.dist).toContain('--config electron-builder.yml');
    expect(pkg.main).toBe('electron/dist/main.js');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, slateEnabledFor } from '../../core/config';
import { slateImageProblem } from '../../core/slate/image';
import { startStudio, type TestStudio } from '../helpers/studio';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-slate-img-'));
const png = path.join(dir, 'card.png');
const jpg = path.join(dir, 'card.jpg');
const txt = path.join(dir, 'card-not-really.png');
writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
writeFileSync(jpg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]));
writeFileSync(txt, 'hello, not an image');

describe('slate per app / per stream protection', () => {
  it('stream > app > global', () => {
    const c = parseConfig({ slate: { enabled: false, apps: { live: { enabled: true } }, streams: { '/live/quiet': { enabled: false }, '/other/on': { enabled: 'auto' } } } }).slate;
    expect(slateEnabledFor(c, 'live', 'studio')).toBe(true);
    expect(slateEnabledFor(c, 'live', 'quiet')).toBe(false);
    expect(slateEnabledFor(c, 'other', 'x')).toBe(false);
    expect(slateEnabledFor(c, 'other', 'on')).toBe('auto');
    expect(slateEnabledFor(parseConfig({}).slate, 'live', 'x')).toBe('auto');
  });
});

describe('settings: slate.image', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio();
  });
  afterAll(async () => t?.stop());

  it('tells a PNG/JPEG from anything else', () => {
    expect(slateImageProblem(png)).toBeNull();
    expect(slateImageProblem(jpg)).toBeNull();
    expect(slateImageProblem('')).toBeNull();
    expect(slateImageProblem('card.png')).toMatch(/absolute/);
    expect(slateImageProblem(path.join(dir, 'missing.png'))).toMatch(/no such file/);
    expect(slateImageProblem(dir)).toMatch(/not a file/);
    expect(slateImageProblem(txt)).toMatch(/PNG or JPEG/);
  });

  it('server.config.set refuses a bad image naming slate.image, and applies a good one', async () => {
    for (const image of ['relative.png', path.join(dir, 'missing.png'), txt]) {
      const r = (await t.studio.api.dispatch('server.config.set', { slate: { image } })) as { ok: boolean; error?: { code: string; issues?: Array<{ path: string }> } };
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('VALIDATION');
      expect(r.error?.issues?.[0]?.path).toBe('slate.image');
    }
    expect(t.studio.config.slate.image).toBeUndefined();
    const ok = (await t.studio.api.dispatch('server.config.set', { slate: { image: png, after_ms: 800, enabled: true } })) as { ok: boolean; result: { settings: { slate: unknown } } };
    expect(ok.ok).toBe(true);
    expect(ok.result.settings.slate).toEqual({ enabled: true, after_ms: 800, max_s: 600, image: png });
    expect(t.studio.config.slate).toMatchObject({ image: png, after_ms: 800, enabled: true });
    const back = (await t.studio.api.dispatch('server.config.set', { slate: { image: '' } })) as { ok: boolean; result: { settings: { slate: { image: string } } } };
    expect(back.ok).toBe(true);
    expect(back.result.settings.slate.image).toBe('');
    expect(t.studio.config.slate.image).toBeUndefined();
    const range = (await t.studio.api.dispatch('server.config.set', { slate: { after_ms: 70_000 } })) as { ok: boolean; error?: { code: string } };
    expect(range.error?.code).toBe('VALIDATION');
  });
});

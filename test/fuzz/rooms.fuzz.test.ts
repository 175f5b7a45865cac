/**
 * Fuzz room fields: random bytes, sizes and types into rooms.add (the contract) and the seed routes
 * (/api/live/create, changestatus, read/:id, list/:page). No crash, a 4xx for what is refused, and nothing
 * stored that failed. Cases: ONAIR_FUZZ_CASES (default 300; each is an HTTP round trip).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzCases, pick, prng, randInt, randomBuffer, type Rand } from '../helpers/prng';
import { startStudio, type TestStudio } from '../helpers/studio';

const CASES = fuzzCases(300);

function randomValue(rand: Rand, depth = 0): unknown {
  switch (randInt(rand, 0, 9)) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return pick(rand, [0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 7]);
    case 3: return randomBuffer(rand, randInt(rand, 0, 64)).toString('latin1');
    case 4: return randomBuffer(rand, randInt(rand, 0, 300)).toString('utf8');
    case 5: return 'x'.repeat(pick(rand, [0, 1, 119, 120, 121, 2048, 2049, 70_000]));
    case 6: return depth < 3 ? [randomValue(rand, depth + 1)] : [];
    case 7: return depth < 3 ? { title: randomValue(rand, depth + 1) } : {};
    case 8: return pick(rand, ['play', 'pause', 'stop', 'PLAY', '', '<script>', '1', '-1', '0x10', ' 3 ']);
    default: return `t${randInt(rand, 0, 1e6)}\u0000\ud800`;
  }
}

describe('rooms fuzz', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio();
  });
  afterAll(() => t?.stop());

  it(`${CASES} random rooms.add / seed route requests: no crash, 4xx when refused, nothing stored on failure`, async () => {
    const rand = prng(1313);
    for (let i = 0; i < CASES; i++) {
      const before = t.studio.rooms.list().length;
      const kind = randInt(rand, 0, 4);
      let accepted = false;
      if (kind === 0) {
        const args: Record<string, unknown> = {};
        for (const k of ['title', 'cover', 'key_id', 'app', 'junk']) if (rand() < 0.6) args[k] = randomValue(rand);
        const r = await t.studio.api.dispatch('rooms.add', args);
        if (!r.ok) expect(['VALIDATION', 'NOT_FOUND']).toContain(r.error.code);
        accepted = r.ok;
      } else if (kind === 1 || kind === 2) {
        const body = rand() < 0.2
          ? randomBuffer(rand, randInt(rand, 0, 2000)).toString('latin1')
          : JSON.stringify(kind === 1 ? { title: randomValue(rand), cover: randomValue(rand) } : { id: randomValue(rand), type: randomValue(rand) });
        const r = await fetch(t.httpUrl(kind === 1 ? '/api/live/create' : '/api/live/changestatus'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(r.status === 200 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        const env = (await r.json()) as { msg: unknown; data: unknown };
        expect(typeof env.msg).toBe('string');
        if (r.status !== 200) expect(env.data).toBeNull();
        accepted = r.status === 200 && kind === 1;
      } else {
        // percent-encoded bytes, sometimes cut mid-sequence (malformed escapes reach the route as is)
        const bytes = [...Buffer.from(String(randomValue(rand)), 'utf8')].slice(0, 100).map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        const seg = (rand() < 0.2 ? bytes.slice(0, -1) : bytes) || '%20';
        const r = await fetch(t.httpUrl(`/api/live/${kind === 3 ? 'read' : 'list'}/${seg}`));
        expect(r.status === 200 || r.status === 400 || r.status === 404, `status ${r.status} for ${seg}`).toBe(true);
        const env = (await r.json()) as { msg?: unknown };
        if (r.status !== 404) expect(typeof env.msg).toBe('string');
      }
      expect(t.studio.rooms.list().length).toBe(before + (accepted ? 1 : 0));
    }
    // the studio still answers
    expect((await fetch(t.httpUrl('/api/live/list/1'))).status).toBe(200);
  }, 120_000);
});

/** Recorded RTMP sessions live outside the repo (../shared/fixtures/rtmp relative to the repo root); never copy them in. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RTMP_FIXTURE_DIR = path.resolve(repoRoot, '../shared/fixtures/rtmp');

/** C0 + C1 + C2 at the start of every *.c2s.bin file; the chunk stream follows. */
export const FIXTURE_HANDSHAKE_BYTES = 1 + 1536 + 1536;

export function fixturePath(name: string): string {
  return path.join(RTMP_FIXTURE_DIR, name);
}

/** The recorded client→server sessions (*.c2s.bin), sorted. */
export function fixtureNames(): string[] {
  return readdirSync(RTMP_FIXTURE_DIR)
    .filter((n) => n.endsWith('.c2s.bin'))
    .sort();
}

export function readFixture(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

/** The chunk stream of a fixture (everything after C2). */
export function fixtureChunkStream(name: string): Buffer {
  return readFixture(name).subarray(FIXTURE_HANDSHAKE_BYTES);
}

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Why a slate image (settings `slate.image`) cannot be used, or null when it can: an absolute path to an
 * existing PNG or JPEG file (told by its first bytes, not its name). "" means the built-in card and is fine.
 */
export function slateImageProblem(file: string): string | null {
  if (file === '') return null;
  if (!path.isAbsolute(file)) return 'must be an absolute path to a PNG or JPEG file';
  try {
    if (!statSync(file).isFile()) return 'is not a file';
  } catch {
    return 'no such file';
  }
  const head = Buffer.alloc(8);
  let n: number;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'cannot be read';
  }
  const png = n >= 8 && head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = n >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  return png || jpeg ? null : 'is not a PNG or JPEG image';
}

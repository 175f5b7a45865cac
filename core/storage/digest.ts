import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

/**
 * What a verified upload must match, computed from the local file in one read: its size, its MD5, the MD5 of each
 * `partSize` part, and a SHA-256 (kept as object metadata for audits).
 *
 * Why MD5/ETag and not x-amz-checksum-*: s3rver (the test peer) ignores checksum headers, and an ETag is answered
 * by AWS, MinIO and s3rver alike. A single PUT's ETag is the content's MD5; AWS and MinIO answer
 * md5(concat(part MD5s))-N for a multipart upload, s3rver the whole content's MD5 — both are computed here, so a
 * HeadObject after the upload checks the bytes the bucket holds, not just their count.
 */
export interface FileDigest {
  size: number;
  md5: string;
  /** the ETag an S3 multipart upload of these parts answers ("<hex>-<parts>"), null for an empty file */
  multipartEtag: string | null;
  sha256: string;
  mtimeMs: number;
}

export async function digestFile(file: string, partSize: number, signal?: AbortSignal): Promise<FileDigest> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const partDigests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  let size = 0;
  const rs = createReadStream(file, { highWaterMark: 1 << 20, signal });
  for await (const chunk of rs as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha.update(chunk);
    size += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(partSize - inPart, chunk.length - off);
      part.update(chunk.subarray(off, off + take));
      inPart += take;
      off += take;
      if (inPart === partSize) {
        partDigests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) partDigests.push(part.digest());
  const mtimeMs = statSync(file).mtimeMs;
  // a one-part multipart upload (a file of exactly one part) answers "-1": kept for any non-empty file
  const multipartEtag = partDigests.length > 0 ? `${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partDigests.length}` : null;
  return { size, md5: md5.digest('hex'), multipartEtag, sha256: sha.digest('hex'), mtimeMs };
}

/** Does an ETag the bucket answered name these bytes? (quotes stripped, case-insensitive) */
export function etagMatches(etag: string | undefined, d: FileDigest): boolean {
  if (!etag) return false;
  const e = etag.replace(/"/g, '').toLowerCase();
  return e === d.md5 || (d.multipartEtag !== null && e === d.multipartEtag);
}

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import type { OnAirConfig } from '../config';

export type S3Settings = NonNullable<OnAirConfig['storage']['s3']>;

/** The endpoint as it may be shown: no user:password, no query. */
export function publicEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '';
  }
}

/** The key prefix as configured, with one trailing slash ("" stays ""). */
export function keyPrefix(s: Pick<S3Settings, 'prefix'>): string {
  const p = s.prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** RFC 3986 (what SigV4 signs): encodeURIComponent leaves !'()* alone. */
const strict = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const toBuf = (d: SourceData): Buffer => (typeof d === 'string' ? Buffer.from(d) : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d));

/** SHA-256 / HMAC for the SigV4 signer, on node:crypto. */
class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret ? createHmac('sha256', toBuf(this.secret)) : createHash('sha256');
  }
  update(d: SourceData): void {
    this.h.update(toBuf(d));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    this.h = this.fresh();
  }
}

export interface PutResult {
  etag: string | undefined;
}

export interface StoredObject {
  status: number;
  body: Readable;
  length: number | undefined;
  range: string | undefined;
  type: string | undefined;
  etag: string | undefined;
  lastModified: Date | undefined;
}

/**
 * One bucket through the AWS SDK: multipart upload (lib-storage), HeadObject, GetObject (Range), listing and
 * deletes, and presigned GET URLs (SigV4 query signing). `online`/`lastError` say how the last request went.
 * The SDK's own checksums are off (WHEN_REQUIRED): s3rver and several S3-compatible services refuse or ignore
 * them; integrity is checked by ETag/MD5 (digest.ts) instead.
 */
export class ObjectStore {
  readonly client: S3Client;
  online: boolean | null = null;
  lastError: string | null = null;

  constructor(readonly s: S3Settings) {
    this.client = new S3Client({
      endpoint: s.endpoint, region: s.region, forcePathStyle: s.force_path_style,
      credentials: { accessKeyId: s.access_key_id, secretAccessKey: s.secret_access_key },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      // the queue retries with its own backoff; the SDK tries twice per call, and a dead endpoint fails fast
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
    });
  }

  /** an error message without credentials */
  redact(msg: string): string {
    let m = msg;
    for (const secret of [this.s.secret_access_key]) if (secret) m = m.split(secret).join('***');
    return m.slice(0, 500);
  }

  private async track<T>(p: Promise<T>): Promise<T> {
    try {
      const v = await p;
      this.online = true;
      this.lastError = null;
      return v;
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      // an answer from the service (404, 403) means it is up; no answer means it is not
      this.online = err.$metadata?.httpStatusCode !== undefined;
      this.lastError = this.redact(`${err.name ?? 'Error'}: ${err.message ?? String(e)}`);
      throw e;
    }
  }

  async put(file: string, key: string, o: { contentType: string; sha256: string; onProgress: (bytes: number) => void; signal: AbortSignal }): Promise<PutResult> {
    const up = new Upload({
      client: this.client,
      params: { Bucket: this.s.bucket, Key: key, Body: createReadStream(file), ContentType: o.contentType, Metadata: { sha256: o.sha256 } },
      partSize: this.s.part_size_mb * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    up.on('httpUploadProgress', (p) => o.onProgress(p.loaded ?? 0));
    const onAbort = (): void => void up.abort().catch(() => {});
    o.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await this.track(up.done());
      return { etag: r.ETag };
    } finally {
      o.signal.removeEventListener('abort', onAbort);
    }
  }

  head(key: string): Promise<{ size: number | undefined; etag: string | undefined; sha256: string | undefined }> {
    return this.track(this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: key })))
      .then((h) => ({ size: h.ContentLength, etag: h.ETag, sha256: h.Metadata?.sha256 }));
  }

  async get(key: string, range: string | undefined, signal: AbortSignal): Promise<StoredObject> {
    const r = await this.track(this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: key, Range: range }), { abortSignal: signal }));
    return {
      status: r.$metadata.httpStatusCode ?? 200, body: r.Body as Readable, length: r.ContentLength, range: r.ContentRange,
      type: r.ContentType, etag: r.ETag, lastModified: r.LastModified,
    };
  }

  delete(key: string): Promise<unknown> {
    return this.track(this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: key })));
  }

  /** every object under `prefix`, page by page */
  async *list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date | undefined; size: number | undefined }> {
    let token: string | undefined;
    do {
      const r = await this.track(this.client.send(new ListObjectsV2Command({ Bucket: this.s.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const o of r.Contents ?? []) if (o.Key) yield { key: o.Key, lastModified: o.LastModified, size: o.Size };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Before an upload starts again after a restart: abort the multipart uploads a previous run left for this key
   * (AWS and MinIO keep their parts, and bill them, until aborted). Best effort: s3rver does not list uploads.
   */
  async abortStale(key: string): Promise<number> {
    try {
      const r = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.s.bucket, Prefix: key }));
      let n = 0;
      for (const u of r.Uploads ?? []) {
        if (u.Key !== key || !u.UploadId) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.s.bucket, Key: key, UploadId: u.UploadId })).catch(() => {});
        n++;
      }
      return n;
    } catch {
      return 0;
    }
  }

  /** A GET URL for `key` valid `expiresIn` seconds (SigV4 query signing, like @aws-sdk/s3-request-presigner). */
  async presignGet(key: string, expiresIn: number): Promise<string> {
    const u = new URL(this.s.endpoint);
    const base = u.pathname.replace(/\/+$/, '');
    const objectPath = key.split('/').map(strict).join('/');
    const host = this.s.force_path_style ? u.host : `${this.s.bucket}.${u.host}`;
    const p = this.s.force_path_style ? `${base}/${this.s.bucket}/${objectPath}` : `${base}/${objectPath}`;
    const signer = new SignatureV4({
      credentials: { accessKeyId: this.s.access_key_id, secretAccessKey: this.s.secret_access_key },
      region: this.s.region, service: 's3', sha256: NodeSha256, uriEscapePath: false,
    });
    const signed = await signer.presign({
      method: 'GET', protocol: u.protocol, hostname: host.replace(/:\d+$/, ''), port: u.port ? Number(u.port) : undefined, path: p,
      query: {}, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    }, { expiresIn });
    const q = Object.entries(signed.query ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).filter((x): x is string => x != null).map((x) => `${strict(k)}=${strict(x)}`));
    return `${u.protocol}//${host}${p}?${q.join('&')}`;
  }

  close(): void {
    this.client.destroy();
  }
}

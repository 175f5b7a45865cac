import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import net, { type AddressInfo, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import path from 'node:path';
import { freePort } from './net';

/** s3rver ships no types: the little of it the tests use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: HttpServer;
}
type S3rverCtor = new (o: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export const S3_KEY = 'S3RVER';
export const S3_SECRET = 'S3RVER';

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1: its objects live in `dir` (<dir>/<bucket>/<key>._S3rver_object),
 * signatures are checked with the S3RVER/S3RVER credentials. `stop()` closes it (an outage), `start()` brings it
 * back on the same port with the same objects.
 */
export class TestS3 {
  private s: S3rverInstance | null = null;
  constructor(readonly dir: string, readonly port: number, readonly bucket = 'rec') {}

  static async create(dir: string, bucket = 'rec'): Promise<TestS3> {
    const t = new TestS3(dir, await freePort(), bucket);
    await t.start();
    return t;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.s = new S3rver({ port: this.port, address: '127.0.0.1', directory: this.dir, silent: true, configureBuckets: [{ name: this.bucket }] });
    await this.s.run();
  }

  async stop(): Promise<void> {
    const s = this.s;
    this.s = null;
    if (!s) return;
    s.httpServer?.closeAllConnections();
    await s.close();
  }

  /** where s3rver keeps an object's bytes */
  objectFile(key: string): string {
    return path.join(this.dir, this.bucket, `${key}._S3rver_object`);
  }

  /** storage.s3 settings for this server */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { endpoint: this.endpoint, bucket: this.bucket, access_key_id: S3_KEY, secret_access_key: S3_SECRET, force_path_style: true, ...extra };
  }
}

/**
 * A TCP proxy in front of a port that lets at most `bytesPerSecond` through from clients (uploads are slow
 * while it is low); `rate` can change at any time (Infinity: no limit).
 */
export class ThrottleProxy {
  rate: number;
  private server: Server | null = null;
  port = 0;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: number, bytesPerSecond: number) {
    this.rate = bytesPerSecond;
  }

  async start(port = 0): Promise<number> {
    this.server = net.createServer((c) => {
      const up = net.connect(this.target, '127.0.0.1');
      this.sockets.add(c).add(up);
      const end = (): void => {
        c.destroy();
        up.destroy();
        this.sockets.delete(c);
        this.sockets.delete(up);
      };
      c.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
      up.pipe(c);
      c.on('data', (d: Buffer) => {
        up.write(d);
        if (!Number.isFinite(this.rate)) return;
        c.pause();
        setTimeout(() => c.resume(), Math.ceil((d.length / this.rate) * 1000));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

/**
 * Check a presigned SigV4 GET URL the way S3 does (s3rver accepts any V4 signature, so the tests check it here,
 * independently of the signer): the canonical request from the URL, the signing key from the secret.
 */
export function presignedV4Valid(url: string, secret: string): boolean {
  const u = new URL(url);
  const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...u.searchParams.entries()];
  const given = u.searchParams.get('X-Amz-Signature');
  const date = u.searchParams.get('X-Amz-Date') ?? '';
  const [, day, region, service] = (u.searchParams.get('X-Amz-Credential') ?? '').split('/');
  if (!given || !day || !region || !service) return false;
  const query = params.filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [enc(k), enc(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', u.pathname, query, `host:${u.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (k: string | Buffer, d: string): Buffer => createHmac('sha256', k).update(d).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === given;
}

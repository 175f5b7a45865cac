import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Recording } from '../../core/contract/recordings';
import { StorageStatusSchema, type Upload } from '../../core/contract/storage';
import { connectWs, expectOk } from '../helpers/contract-ws';
import { ffprobe, publishTestPattern } from '../helpers/ffmpeg';
import { jobsStudio, makeVideo, waitJob } from '../helpers/jobs';
import { presignedV4Valid, S3_KEY, S3_SECRET, TestS3, ThrottleProxy } from '../helpers/s3rver';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const tmp = path.join(os.tmpdir(), `onair-s3-${process.pid}-${Date.now()}`);
mkdirSync(tmp, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const uploadsOf = (t: TestStudio, ref: string): Upload[] => t.studio.storage.status({ limit: 5000 }).uploads.filter((u) => u.ref === ref);

/** every key in the bucket, listed by a client of its own (ListObjectsV2) */
async function bucketKeys(s3: TestS3): Promise<string[]> {
  const c = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_SECRET } });
  try {
    const r = await c.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (r.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    c.destroy();
  }
}

/** a live recording of a few seconds; its bytes as they were when it stopped (before anything could move them) */
async function recordSome(t: TestStudio, stream: string): Promise<{ rec: Recording; bytes: Buffer }> {
  const pub = publishTestPattern(t.rtmpUrl(stream), { size: '320x240', rate: 15, seconds: 20 });
  try {
    await waitFor(() => t.studio.registry.get(stream)?.ready, 'live', 15_000);
    let bytes: Buffer | null = null;
    const grab = (r: Recording): void => {
      bytes = readFileSync(r.file);
    };
    t.studio.recordings.on('recording.stopped', grab);
    const started = t.studio.recordings.start(stream);
    await sleep(2500);
    const rec = await t.studio.recordings.stop(started.id);
    t.studio.recordings.off('recording.stopped', grab);
    expect(rec.status).toBe('done');
    return { rec, bytes: await waitFor(() => bytes, 'the recording bytes') };
  } finally {
    pub.child.kill('SIGKILL');
    await pub.done;
  }
}

describe('object storage (S3) with a real S3-compatible server (s3rver)', () => {
  it('without storage.s3 nothing is uploaded and storage.status says it is off', async () => {
    const t = await startStudio({ data_dir: path.join(tmp, 'off') });
    try {
      const { rec } = await recordSome(t, '/live/local');
      await sleep(500);
      expect(t.studio.storage.status()).toMatchObject({ enabled: false, endpoint: null, bucket: null, uploads: [] });
      expect(existsSync(rec.file)).toBe(true);
      expect((await fetch(t.httpUrl(`/api/recordings/${rec.id}/file`))).status).toBe(200);
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('uploads a finished recording, removes the local copy after verify, serves it by redirect and by proxy, then retention deletes it', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-a'));
    const t = await startStudio({ data_dir: path.join(tmp, 'a'), log_level: 'info', storage: { s3: s3.config({ prefix: 'studio-a', retention_days: 1 }) } });
    const ws = await connectWs(t.wsUrl('/api/ws'));
    try {
      const { rec, bytes } = await recordSome(t, '/live/s3rec');
      const done = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'done'), 'the recording in the bucket', 20_000);
      expect(done).toMatchObject({ kind: 'recordings', size: bytes.length, bytes: bytes.length, attempts: 0 });
      expect(done.key).toMatch(/^studio-a\/recordings\/live\/s3rec\/.+\.mp4$/);
      expect(existsSync(rec.file)).toBe(false);
      expect(sha(readFileSync(s3.objectFile(done.key)))).toBe(sha(bytes));
      // the thumbnail was made from the file before it moved
      expect(t.studio.recordings.get(rec.id).thumbnail).toBeTruthy();

      // the contract: storage.status (no secret anywhere) and storage.changed
      const st = expectOk<Record<string, unknown>>(await ws.call('storage.status', { kind: 'recordings' }));
      StorageStatusSchema.parse(st);
      expect(st).toMatchObject({ enabled: true, endpoint: s3.endpoint, bucket: 'rec', prefix: 'studio-a/', online: true });
      expect(JSON.stringify(st)).not.toContain('secret');
      const ev = await ws.waitEvent('storage.changed', (e) => e.data.changed.some((u) => u.ref === rec.id && u.state === 'done'), 5000);
      expect(ev.data.totals.done).toBeGreaterThanOrEqual(1);

      // redirect: a short-lived presigned GET that the bucket honours
      const url = t.httpUrl(`/api/recordings/${rec.id}/file`);
      const r302 = await fetch(url, { redirect: 'manual' });
      expect(r302.status).toBe(302);
      const loc = r302.headers.get('location')!;
      expect(loc.startsWith(`${s3.endpoint}/rec/studio-a/recordings/`)).toBe(true);
      expect(loc).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
      expect(loc).toMatch(/X-Amz-Expires=300/);
      expect(sha(Buffer.from(await (await fetch(loc)).arrayBuffer()))).toBe(sha(bytes));
      // s3rver takes any V4 signature: the signature is checked here the way S3 checks it
      expect(presignedV4Valid(loc, S3_SECRET)).toBe(true);
      expect(presignedV4Valid(loc.replace('X-Amz-Expires=300', 'X-Amz-Expires=86400'), S3_SECRET)).toBe(false);
      expect(presignedV4Valid(loc, 'another-secret')).toBe(false);

      // proxy: the studio streams the object, Range included
      await t.studio.applyConfig({ ...t.studio.config, storage: { s3: { ...t.studio.config.storage.s3, serve: 'proxy' } } });
      const whole = await fetch(url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('video/mp4');
      expect(sha(Buffer.from(await whole.arrayBuffer()))).toBe(sha(bytes));
      const part = await fetch(url, { headers: { range: 'bytes=100-1123' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-1123/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1124))).toBe(true);

      // retention: an object older than retention_days goes, with its upload row and the recording it held
      utimesSync(s3.objectFile(done.key), new Date(Date.now() - 3 * 86_400_000), new Date(Date.now() - 3 * 86_400_000));
      expect(await t.studio.storage.retention()).toEqual({ deleted: 1 });
      expect(existsSync(s3.objectFile(done.key))).toBe(false);
      expect(uploadsOf(t, rec.id)).toEqual([]);
      expect(() => t.studio.recordings.get(rec.id)).toThrow(/no recording/);
      expect((await fetch(url)).status).toBe(404);
      // nothing secret in the log either
      const logs = JSON.stringify(t.studio.logs.list(1000));
      expect(logs).toContain('uploaded and verified');
      expect(logs).not.toMatch(/secret_access_key|S3RVER/);
    } finally {
      ws.close();
      await t.stop();
      await s3.stop();
    }
  }, 90_000);

  it('uploads every file of a VOD transcode under the job prefix and plays it back through the studio', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-b'));
    const t = await jobsStudio(path.join(tmp, 'b'), { allowed_roots: [tmp] }, { storage: { s3: s3.config({ kinds: ['vod'] }) } });
    try {
      const src = await makeVideo(path.join(tmp, 'src.mp4'), { seconds: 4 });
      const job = await t.studio.jobs.transcode({ source: { type: 'path', path: src }, options: { renditions: ['360p'], covers: { count: 1, width: 160 } } });
      const finished = await waitJob(t, job.id);
      expect(finished.status).toBe('done');
      const dir = finished.result!.dir;
      const ups = await waitFor(() => {
        const u = uploadsOf(t, job.id);
        return u.length > 0 && u.every((x) => x.state === 'done') ? u : null;
      }, 'every output in the bucket', 30_000);
      const names = ups.map((u) => path.posix.basename(u.key));
      expect(names).toContain('index.m3u8');
      // every output file: master, rendition playlist(s), segments, covers
      const r = finished.result!;
      expect(names.sort()).toEqual(['index.m3u8', ...r.renditions.map((x) => path.posix.basename(x.playlist)), ...r.covers.map((c) => path.posix.basename(c))].concat(names.filter((n) => n.endsWith('.ts'))).sort());
      expect(names.filter((n) => n.endsWith('.ts')).length).toBe(r.renditions.reduce((n, x) => n + x.segments, 0));
      for (const u of ups) {
        expect(u.file.startsWith(`${finished.options.out_dir}/`)).toBe(true);
        expect(u.key).toBe(`vod/${u.file}`);
      }
      for (const u of ups) expect(existsSync(path.join(dir, path.posix.basename(u.file)))).toBe(false);
      // the master playlist is served from the bucket (proxied), its segments by redirect: ffprobe plays it all
      const master = await fetch(t.httpUrl(finished.result!.master));
      expect(master.status).toBe(200);
      expect(await master.text()).toContain(path.posix.basename(finished.result!.renditions[0].playlist));
      const seg = names.find((n) => n.endsWith('.ts'))!;
      const segAnswer = await fetch(t.httpUrl(`/${finished.options.out_dir}/${seg}`), { redirect: 'manual' });
      expect(segAnswer.status).toBe(302);
      const probe = await ffprobe(t.httpUrl(finished.result!.master));
      expect(probe.streams.some((s) => s.codec_type === 'video')).toBe(true);
    } finally {
      await t.stop();
      await s3.stop();
    }
  }, 120_000);

  it('uploads a finished DVR event (segments and playlist) and plays it back from the bucket at its URL', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-e'));
    const t = await startStudio({ data_dir: path.join(tmp, 'e'), hls: { segment_seconds: 1, dvr: true, cleanup_after_s: 1 }, storage: { s3: s3.config({ kinds: ['dvr'] }) } });
    const pub = publishTestPattern(t.rtmpUrl('/live/dvr'), { size: '320x240', rate: 15, seconds: 4 });
    try {
      const dvr = await waitFor(() => t.studio.hls.get('/live/dvr')?.dvr, 'dvr started', 15_000);
      await pub.done;
      const ups = await waitFor(() => {
        const u = uploadsOf(t, dvr.id);
        return u.length > 1 && u.every((x) => x.state === 'done') ? u : null;
      }, 'the DVR event in the bucket', 30_000);
      expect(ups.every((u) => u.kind === 'dvr' && u.key.startsWith('dvr/'))).toBe(true);
      expect(ups.map((u) => path.posix.basename(u.key))).toContain('index.m3u8');
      expect(existsSync(path.join(dvr.dir, 'index.m3u8'))).toBe(false);
      const text = await (await fetch(t.httpUrl(dvr.url))).text();
      expect(text).toContain('#EXT-X-ENDLIST');
      const probe = await ffprobe(t.httpUrl(dvr.url));
      expect(Number(probe.format?.duration)).toBeGreaterThan(2);
    } finally {
      pub.child.kill('SIGKILL');
      await t.stop();
      await s3.stop();
    }
  }, 90_000);

  it('resumes an upload after a restart mid-upload', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-c'));
    const proxy = new ThrottleProxy(s3.port, 1.5 * 1024 * 1024);
    await proxy.start();
    const dataDir = path.join(tmp, 'c');
    const cfg = { data_dir: dataDir, log_level: 'info', storage: { s3: s3.config({ endpoint: proxy.endpoint, part_size_mb: 5 }) } };
    const file = path.join(tmp, 'c-media', 'big.mp4');
    mkdirSync(path.dirname(file), { recursive: true });
    const body = randomBytes(16 * 1024 * 1024);
    writeFileSync(file, body);
    let t = await startStudio(cfg);
    try {
      const row = t.studio.storage.queue.enqueue({ kind: 'recordings', ref: 'big', file, rel: 'big.mp4', key: 'recordings/big.mp4' })!;
      await waitFor(() => uploadsOf(t, 'big').find((u) => u.state === 'uploading'), 'uploading', 10_000);
      await sleep(2000);
      await t.stop(); // mid-upload: 16 MB at 1.5 MB/s
      expect(existsSync(file)).toBe(true);
      expect(existsSync(s3.objectFile('recordings/big.mp4'))).toBe(false);
      proxy.rate = Infinity;
      t = await startStudio(cfg);
      expect(JSON.stringify(t.studio.logs.list(1000))).toContain('resuming uploads a previous run did not finish');
      const done = await waitFor(() => uploadsOf(t, 'big').find((u) => u.state === 'done'), 'the resumed upload done', 30_000);
      expect(done.id).toBe(row.id);
      expect(existsSync(file)).toBe(false);
      expect(sha(readFileSync(s3.objectFile('recordings/big.mp4')))).toBe(sha(body));
    } finally {
      await t.stop();
      await proxy.stop();
      await s3.stop();
    }
  }, 90_000);

  it('keeps the local file and retries while the bucket is down, then uploads when it is back', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-d'));
    const t = await startStudio({ data_dir: path.join(tmp, 'd'), log_level: 'info', storage: { s3: s3.config() } });
    try {
      await s3.stop();
      const { rec, bytes } = await recordSome(t, '/live/outage');
      const retrying = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'retrying' && u.attempts >= 2), 'retries', 20_000);
      expect(retrying.next_try_at).toBeGreaterThan(Date.now() - 1000);
      expect(retrying.error).toBeTruthy();
      expect(existsSync(rec.file)).toBe(true);
      expect(t.studio.storage.status().online).toBe(false);
      await s3.start();
      const done = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'done'), 'uploaded after the outage', 30_000);
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      expect(existsSync(rec.file)).toBe(false);
      expect(sha(readFileSync(s3.objectFile(done.key)))).toBe(sha(bytes));
      expect(JSON.stringify(t.studio.logs.list(1000))).not.toContain('S3RVER');
    } finally {
      await t.stop();
      await s3.stop();
    }
  }, 90_000);
  it('deleting an uploaded recording deletes its object and its upload row; its URLs 404; the disk figure left it out', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-f'));
    const t = await startStudio({ data_dir: path.join(tmp, 'f'), log_level: 'info', storage: { s3: s3.config({ prefix: 'studio-f' }) } });
    try {
      const { rec } = await recordSome(t, '/live/del');
      const kept = (await recordSome(t, '/live/keep')).rec;
      const done = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'done'), 'the recording in the bucket', 20_000);
      const other = await waitFor(() => uploadsOf(t, kept.id).find((u) => u.state === 'done'), 'the other recording in the bucket', 20_000);
      expect(await bucketKeys(s3)).toEqual([done.key, other.key].sort());
      // both live in the bucket alone: they take no local disk
      expect(t.studio.recordings.disk().used).toBe(0);
      const url = t.httpUrl(`/api/recordings/${rec.id}/file`);
      const loc = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
      expect((await fetch(loc)).status).toBe(200);

      const del = await fetch(t.httpUrl(`/api/recordings/${rec.id}`), { method: 'DELETE' });
      expect(del.status).toBe(200);
      await waitFor(async () => (await bucketKeys(s3)).length === 1, 'the object deleted from the bucket', 10_000);
      expect(await bucketKeys(s3)).toEqual([other.key]);
      expect(uploadsOf(t, rec.id)).toEqual([]);
      expect((await fetch(url)).status).toBe(404);
      expect((await fetch(loc)).status).toBe(404);
      // the other recording is untouched
      expect((await fetch(t.httpUrl(`/api/recordings/${kept.id}/file`), { redirect: 'manual' })).status).toBe(302);
      expect(JSON.stringify(t.studio.logs.list(1000))).toContain('object deleted');
    } finally {
      await t.stop();
      await s3.stop();
    }
  }, 90_000);

  it('deleting a recording while its upload runs aborts the upload and leaves nothing in the bucket', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-g'));
    const proxy = new ThrottleProxy(s3.port, 16 * 1024);
    await proxy.start();
    const t = await startStudio({ data_dir: path.join(tmp, 'g'), log_level: 'info', storage: { s3: s3.config({ endpoint: proxy.endpoint }) } });
    try {
      const { rec } = await recordSome(t, '/live/midway');
      const up = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'uploading' && u.size > 0), 'uploading', 20_000);
      await sleep(1000);
      expect(uploadsOf(t, rec.id)[0].state).toBe('uploading');
      t.studio.recordings.delete(rec.id);
      expect(existsSync(rec.file)).toBe(false);
      expect(uploadsOf(t, rec.id)[0]).toMatchObject({ id: up.id, state: 'deleting' });
      await waitFor(() => uploadsOf(t, rec.id).length === 0, 'the upload row gone', 20_000);
      proxy.rate = Infinity;
      await sleep(1000);
      expect(await bucketKeys(s3)).toEqual([]);
      expect(existsSync(s3.objectFile(up.key))).toBe(false);
      expect(JSON.stringify(t.studio.logs.list(1000))).not.toContain('uploaded and verified');
    } finally {
      await t.stop();
      await proxy.stop();
      await s3.stop();
    }
  }, 90_000);

  it('deleting a recording while the bucket is down succeeds locally; its object is deleted once the bucket is back', async () => {
    const s3 = await TestS3.create(path.join(tmp, 's3-h'));
    const cfg = { data_dir: path.join(tmp, 'h'), log_level: 'info', storage: { s3: s3.config() } };
    let t = await startStudio(cfg);
    const ws = await connectWs(t.wsUrl('/api/ws'));
    try {
      const { rec } = await recordSome(t, '/live/downdel');
      const done = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'done'), 'the recording in the bucket', 20_000);
      expect(await bucketKeys(s3)).toEqual([done.key]);
      await s3.stop();
      expectOk(await ws.call('recordings.delete', { id: rec.id }));
      expect(() => t.studio.recordings.get(rec.id)).toThrow(/no recording/);
      expect((await fetch(t.httpUrl(`/api/recordings/${rec.id}/file`))).status).toBe(404);
      // the pending delete is persisted and retried
      const pending = await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'deleting' && u.attempts >= 2), 'delete retries', 20_000);
      expect(pending.error).toBeTruthy();
      expect(t.studio.storage.status().totals.deleting).toBe(1);
      expect(existsSync(s3.objectFile(done.key))).toBe(true);
      // a restart keeps the pending delete (the bucket still down): the next run tries again
      ws.close();
      await t.stop();
      t = await startStudio(cfg);
      await waitFor(() => uploadsOf(t, rec.id).find((u) => u.state === 'deleting' && u.attempts >= 1), 'retried after the restart', 20_000);
      await s3.start();
      await waitFor(() => uploadsOf(t, rec.id).length === 0, 'the row gone once the bucket is back', 30_000);
      expect(await bucketKeys(s3)).toEqual([]);
      expect(existsSync(s3.objectFile(done.key))).toBe(false);
      expect(t.studio.storage.status().totals.deleting).toBe(0);
    } finally {
      ws.close();
      await t.stop();
      await s3.stop();
    }
  }, 90_000);
});

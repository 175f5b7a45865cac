/**
 * Internal outputs (a destination's re-encode publishes back into the studio): a reserved name is taken only by
 * the publish carrying its token; an outside publisher gets refused; the internal stream is not listed, not
 * announced on the contract, not muxed to HLS and not sent to webhooks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG, run } from '../helpers/ffmpeg';
import { sleep, startStudio, waitFor, type TestStudio } from '../helpers/studio';

const publishArgs = (url: string, seconds: number): string[] => ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10',
  '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'flv', url];

describe('internal streams', () => {
  let A: TestStudio;
  let hooks: http.Server;
  const calls: string[] = [];
  beforeAll(async () => {
    hooks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls.push(body);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
    A = await startStudio({ webhooks: [{ url, events: ['prePublish', 'postPublish', 'donePublish'] }] });
  });
  afterAll(async () => {
    await A?.stop();
    hooks?.close();
  });

  it('only the token holder publishes a reserved name; its stream stays hidden', async () => {
    const path = '/live/cam_enc_d1';
    const token = A.studio.registry.reserveInternal(path);
    const events: string[] = [];
    A.studio.registry.on('published', (s) => events.push(s.path));

    const outsider = await run(FFMPEG, publishArgs(A.rtmpUrl(path), 2), 20_000).done;
    expect(outsider.code).not.toBe(0);
    expect(A.studio.registry.get(path)?.publisher ?? null).toBeNull();

    const ours = run(FFMPEG, publishArgs(A.rtmpUrl(`${path}?internal=${token}`), 20), 30_000);
    try {
      await waitFor(() => A.studio.registry.get(path)?.publisher, 'internal publish', 10_000);
      const s = A.studio.registry.get(path)!;
      expect(s.internal).toBe(true);
      await sleep(1500);
      const listed = (await A.studio.api.dispatch('streams.list', {})) as { ok: true; result: { path: string }[] };
      expect(listed.result).toEqual([]);
      expect(events).toEqual([]);
      expect((await fetch(A.httpUrl(`${path}/index.m3u8`))).status).toBe(404);
      expect(calls.some((c) => c.includes('cam_enc_d1'))).toBe(false);

      // a public stream next to it is announced, hooked and muxed as usual (the checks above can fail)
      const pub = run(FFMPEG, publishArgs(A.rtmpUrl('/live/plain'), 20), 30_000);
      try {
        await waitFor(() => events.includes('/live/plain'), 'public publish announced', 10_000);
        await waitFor(() => calls.some((c) => c.includes('plain')), 'webhook for the public stream', 10_000);
      } finally {
        pub.child.kill('SIGKILL');
      }
    } finally {
      ours.child.kill('SIGKILL');
      A.studio.registry.freeInternal(path);
    }
  }, 60_000);
});

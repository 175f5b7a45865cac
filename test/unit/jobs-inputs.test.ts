import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatCodeOf, parseCoverTimes, parseStreamRef } from '../../core/api/compat-routes';
import { OnAirError } from '../../core/errors';
import { downloadToFile, parseDownloadUrl, resolveLocalInput } from '../../core/jobs/inputs';
import { baseUrlFromHost } from '../../core/jobs/job-urls';
import { InputError, parseProbe } from '../../core/jobs/probe';
import { cleanup, tempDir, testHttp } from '../helpers/jobs';

describe('local path inputs', () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = tempDir();
    root = path.join(dir, 'root');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'sub', 'a.mp4'), 'x');
    writeFileSync(path.join(dir, 'secret.mp4'), 'x');
    symlinkSync(path.join(dir, 'secret.mp4'), path.join(root, 'link.mp4'));
    symlinkSync(path.join(root, 'sub', 'a.mp4'), path.join(root, 'inner.mp4'));
    symlinkSync(dir, path.join(root, 'up'));
  });
  afterAll(() => cleanup(dir));
  const reason = (p: string, roots = [root]): string => {
    try {
      resolveLocalInput(p, roots);
      return 'ok';
    } catch (e) {
      return (e as InputError).reason;
    }
  };

  it('accepts files inside a root (also through a symlink that stays inside)', () => {
    expect(resolveLocalInput(path.join(root, 'sub', 'a.mp4'), [root])).toBe(path.join(root, 'sub', 'a.mp4'));
    expect(reason(path.join(root, 'inner.mp4'))).toBe('ok');
  });

  it('refuses "..", symlink escapes, outside paths, folders, relative paths, empty roots', () => {
    expect(reason(`${root}/sub/../sub/a.mp4`)).toBe('outside_roots');
    expect(reason(path.join(root, 'link.mp4'))).toBe('outside_roots');
    expect(reason(path.join(root, 'up', 'secret.mp4'))).toBe('outside_roots');
    expect(reason(path.join(dir, 'secret.mp4'))).toBe('outside_roots');
    expect(reason(path.join(root, 'sub'))).toBe('missing');
    expect(reason(path.join(root, 'nope.mp4'))).toBe('missing');
    expect(reason('sub/a.mp4')).toBe('bad_request');
    expect(reason(path.join(root, 'sub', 'a.mp4'), [])).toBe('outside_roots');
    expect(reason(`${root}/sub/a.mp4\0.txt`)).toBe('bad_request');
  });

  it('download URLs are http(s) without credentials', () => {
    expect(parseDownloadUrl('https://example.com/a.mp4').hostname).toBe('example.com');
    for (const u of ['file:///etc/passwd', 'ftp://x/y', 'http://u:p@x/y', 'nonsense']) expect(() => parseDownloadUrl(u), u).toThrow(InputError);
  });

  it('downloads go through the outbound guard; failures say little and leave no file', async () => {
    const web = await testHttp({
      '/gone.mp4': (_q, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('internal admin panel says: secret-token-123');
      },
      '/ok.mp4': (_q, res) => res.end('0123456789'),
    });
    const dest = path.join(dir, 'dl.part');
    const limits = (allowPrivate: string[]) => ({ maxBytes: 1000, timeoutMs: 5000, policy: { allowPrivate } });
    const fail = async (url: string, allow: string[]): Promise<InputError> => {
      const e = await downloadToFile(url, dest, limits(allow)).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect(existsSync(dest)).toBe(false);
      return e as InputError;
    };
    try {
      expect((await fail(web.url('/ok.mp4'), [])).message).toBe('download refused: private address');
      expect(web.received).toEqual([]);
      const e404 = await fail(web.url('/gone.mp4'), ['127.0.0.1']);
      expect([e404.reason, e404.message]).toEqual(['download', 'download failed: HTTP 404']);
      expect((await fail('http://127.0.0.1:1/x.mp4', ['127.0.0.1'])).message).toBe('download failed: connection refused');
      expect(await downloadToFile(web.url('/ok.mp4'), dest, limits(['127.0.0.0/8']))).toMatchObject({ bytes: 10 });
    } finally {
      await web.close();
    }
  });
});

describe('ffprobe output', () => {
  const base = { format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.0', size: '1000' }, streams: [{ codec_type: 'video', codec_name: 'h264', width: 640, height: 360, avg_frame_rate: '30000/1001' }, { codec_type: 'audio', codec_name: 'aac' }] };
  it('reads duration, size, codecs and fps', () => {
    expect(parseProbe(base, 'a')).toEqual({ duration: 3, width: 640, height: 360, vcodec: 'h264', acodec: 'aac', fps: 30000 / 1001, size: 1000, format: 'mov,mp4,m4a,3gp,3g2,mj2' });
  });
  it('refuses audio-only, cover-art-only, stills, text (tty) and images', () => {
    const bad = [
      { ...base, streams: [base.streams[1]] },
      { ...base, streams: [{ ...base.streams[0], disposition: { attached_pic: 1 } }] },
      { ...base, format: { ...base.format, duration: undefined } },
      { ...base, format: { ...base.format, format_name: 'tty' } },
      { ...base, format: { ...base.format, format_name: 'png_pipe' } },
      { nonsense: true },
    ];
    for (const b of bad) expect(() => parseProbe(b, 'x')).toThrow(expect.objectContaining({ reason: 'not_video', code: 'FORMAT' }));
  });
  it('accounts for non-square pixels', () => {
    const anamorphic = { ...base, streams: [{ ...base.streams[0], width: 720, height: 576, sample_aspect_ratio: '16:11' }] };
    expect(parseProbe(anamorphic, 'x').width).toBe(1048);
  });
});

describe('seed-000 parameter parsing', () => {
  it('cover lists in every form the seed clients send', () => {
    expect(parseCoverTimes(['1', '2.5'])).toEqual([1, 2.5]);
    expect(parseCoverTimes(['1,3'])).toEqual([1, 3]);
    expect(parseCoverTimes(['[1, 3]'])).toEqual([1, 3]);
    expect(parseCoverTimes([])).toEqual([]);
    expect(parseCoverTimes(['x'])).toBeNull();
    expect(parseCoverTimes(['-1'])).toBeNull();
    expect(parseCoverTimes([Array.from({ length: 21 }, (_v, i) => i).join(',')])).toBeNull();
  });

  it('stream references: path, playback URLs, rtmp URLs; nothing that escapes', () => {
    for (const s of ['/live/cam', 'http://h:8000/live/cam.m3u8', 'http://h/live/cam/index.m3u8', 'rtmp://h/live/cam', 'https://h/live/cam.flv?sign=1', 'live/cam']) {
      expect(parseStreamRef(s), s).toEqual({ app: 'live', name: 'cam' });
    }
    for (const s of ['', '/live', '/a/b/c', '/../etc', '/live/..', '/live/a%2Fb', 'http://h/live/ca m']) expect(parseStreamRef(s), s).toBeNull();
  });

  it('error -> code by what was being done', () => {
    expect(compatCodeOf(new InputError('missing', 'x'), 'disk')).toBe('40503');
    expect(compatCodeOf(new InputError('missing', 'x'), 'record')).toBe('40504');
    expect(compatCodeOf(new InputError('outside_roots', 'x'), 'disk')).toBe('40503');
    expect(compatCodeOf(new InputError('not_video', 'x'), 'url')).toBe('40501');
    expect(compatCodeOf(new InputError('empty', 'x'), 'upload')).toBe('40501');
    expect(compatCodeOf(new InputError('too_large', 'x'), 'url')).toBe('40504');
    expect(compatCodeOf(new InputError('too_large', 'x'), 'upload')).toBe('40500');
    expect(compatCodeOf(new OnAirError('LIMIT', 'x'), 'upload')).toBe('40500');
    expect(compatCodeOf(new OnAirError('IO', 'x'), 'disk')).toBe('500');
    expect(compatCodeOf(new Error('x'), 'disk')).toBe('500');
  });

  it('base URLs only from plain Host headers', () => {
    expect(baseUrlFromHost('127.0.0.1:8000')).toBe('http://127.0.0.1:8000');
    expect(baseUrlFromHost('[::1]:80', true)).toBe('https://[::1]:80');
    for (const h of [undefined, '', 'evil.com/x', 'a b', 'x@y']) expect(baseUrlFromHost(h)).toBeNull();
  });
});


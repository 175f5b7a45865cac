/**
 * Stream keys with auth.keys on (issue 13): only a known, enabled key publishes, over RTMP and RTMPS, and the
 * stream goes live at the key's PUBLIC name /live/<stream> — never at /live/<key> (stream key ≠ stream name: the
 * registry, players and logs never see the key; a publish straight to the public name is refused). Unknown → NetStream.Publish.BadName; disabled → NetStream.publish.Unauthorized (the deny table's
 * key_invalid / key_disabled). With auth.publish on, the signed OBS stream key from `obs` publishes as OBS
 * would (server + key). Rotating makes the old value fail. Our own publishes (relay ingests) still go through.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamKey } from '../../core/contract/rooms';
import { RtmpClient } from '../../core/rtmp/client';
import { FFMPEG, publishTestPattern, type Run } from '../helpers/ffmpeg';
import { makeCert } from '../helpers/nginx-rtmp';
import { TestRtmpClient } from '../helpers/rtmp-client';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

async function cmd<T>(t: TestStudio, name: string, args: unknown): Promise<T> {
  const r = await t.studio.api.dispatch(name, args);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

async function publishStatus(t: TestStudio, app: string, name: string) {
  const c = await TestRtmpClient.connect(t.ports.rtmp);
  await c.connectApp(app, t.ports.rtmp);
  const sid = await c.createStream();
  const st = await c.start('publish', sid, name);
  return { c, st };
}

function pattern(url: string, seconds = 20): Run {
  return publishTestPattern(url, { size: '320x180', rate: 15, seconds, audioRate: 22050, channels: 1 });
}

function memoryLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

/** info-level (and above) log lines that carry a whole key */
function leaks(lines: string[], keys: string[]): string[] {
  return lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 30 && keys.some((k) => l.includes(k)));
}

async function stopRun(r: Run): Promise<void> {
  r.child.kill('SIGKILL');
  await r.done;
}

describe('stream keys with auth.keys on', () => {
  let t: TestStudio;
  let dir: string;
  let cert: { key: string; cert: string };
  const mem = memoryLog();
  /** every key value this suite made (the log check at the end looks for them) */
  const made: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onair-keys-'));
    cert = makeCert(dir);
    t = await startStudio({ auth: { keys: true }, rtmps: { port: 0, key: cert.key, cert: cert.cert } }, { logger: mem.log });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys.add makes a 20-character key and a 12-character public name; ffmpeg publishing with the key (OBS server + key) goes live at /live/<stream>, never at /live/<key>', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'OBS laptop' });
    made.push(k.key);
    expect(k.key).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(k.stream).toMatch(/^[a-z0-9]{12}$/);
    expect(k.stream).not.toBe(k.key);
    expect(k).toMatchObject({ app: 'live', enabled: true, live: false, last_used_at: null });
    expect(k.obs).toEqual({ server: `rtmp://127.0.0.1:${t.ports.rtmp}/live`, stream_key: k.key, expires_at: null });
    const ff = pattern(`${k.obs.server}/${k.obs.stream_key}`);
    try {
      await waitFor(() => t.studio.registry.get(`/live/${k.stream}`)?.publisher, 'keyed publisher live at the public name', 20_000);
      expect(t.studio.registry.get(`/live/${k.key}`)).toBeUndefined();
      expect(t.studio.registry.list().map((x) => x.path).join(' ')).not.toContain(k.key);
      const listed = await waitFor(async () => (await cmd<StreamKey[]>(t, 'keys.list', undefined)).find((x) => x.id === k.id && x.live), 'key listed live');
      expect(listed.last_used_at).toEqual(expect.any(Number));
      // the stream API and its player URLs show the public path only
      const r = await fetch(t.httpUrl('/api/streams'));
      const body = await r.text();
      expect(body).toContain(k.stream);
      expect(body).not.toContain(k.key);
      // a publish straight to the public name is refused: it is not a key (and the stream is live anyway)
      const { c, st } = await publishStatus(t, 'live', k.stream);
      expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
      expect(st!.description).toContain('not a known stream key');
      c.close();
    } finally {
      await stopRun(ff);
    }
    // and while it is not live
    await waitFor(() => !t.studio.registry.get(`/live/${k.stream}`)?.publisher, 'publisher gone');
    const idle = await publishStatus(t, 'live', k.stream);
    expect(idle.st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    idle.c.close();
    // the panel's stream URLs do not offer the public name as an OBS key: a key from the Keys page is needed
    const urls = await cmd<{ stream_key: string; keys: boolean; hls: string }>(t, 'streams.urls', { app: 'live', name: k.stream });
    expect(urls).toMatchObject({ stream_key: '', keys: true });
    expect(urls.hls).toContain(`/live/${k.stream}/`);
  });

  it('an unknown key is refused with NetStream.Publish.BadName; ffmpeg with it exits with an error', async () => {
    made.push('NotAKeyAtAll1234');
    const { c, st } = await publishStatus(t, 'live', 'NotAKeyAtAll1234');
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    expect(st!.description).toContain('not a known stream key');
    expect(st!.description).not.toContain('NotAKeyAtAll1234');
    await c.until(() => c.closed, 'server closes the connection');
    const ff = pattern(t.rtmpUrl('/live/NotAKeyAtAll1234'), 5);
    const r = await ff.done;
    expect(r.code).not.toBe(0);
    expect(t.studio.registry.get('/live/NotAKeyAtAll1234')?.publisher ?? null).toBeNull();
  });

  it('a key of another app is unknown there', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'other app', app: 'show' });
    const { c, st } = await publishStatus(t, 'live', k.key);
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    c.close();
  });

  it('a disabled (revoked) key is refused with NetStream.publish.Unauthorized; enabling it again lets it in', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'revoked' });
    made.push(k.key);
    await cmd(t, 'keys.disable', { id: k.id });
    const { c, st } = await publishStatus(t, 'live', k.key);
    expect(st).toMatchObject({ level: 'error', code: 'NetStream.publish.Unauthorized' });
    expect(st!.description).toContain('disabled');
    await c.until(() => c.closed, 'server closes the connection');
    await cmd(t, 'keys.enable', { id: k.id });
    const again = await publishStatus(t, 'live', k.key);
    expect(again.st).toMatchObject({ level: 'status', code: 'NetStream.Publish.Start' });
    // the publisher is told where it went live: the public path
    expect(again.st!.description).toContain(`/live/${k.stream}`);
    expect(again.st!.description).not.toContain(k.key);
    again.c.close();
  });

  it('over RTMPS: an enabled key publishes, a disabled one is refused', async () => {
    const ok = await cmd<StreamKey>(t, 'keys.add', { label: 'tls' });
    const off = await cmd<StreamKey>(t, 'keys.add', { label: 'tls off' });
    await cmd(t, 'keys.disable', { id: off.id });
    const url = `rtmps://localhost:${t.ports.rtmps}/live`;
    const tlsOpts = { tls: { ca: readFileSync(cert.cert) } };
    const c = await RtmpClient.connect(url, tlsOpts);
    try {
      await c.publish(ok.key);
      await waitFor(() => t.studio.registry.get(`/live/${ok.stream}`)?.publisher, 'rtmps keyed publisher');
    } finally {
      c.close();
    }
    const d = await RtmpClient.connect(url, tlsOpts);
    try {
      await expect(d.publish(off.key)).rejects.toThrow(/Unauthorized/);
    } finally {
      d.destroy();
    }
  });

  it('keys.rotate: the public name stays, the old value fails, the new one publishes at the same public path; keys.remove forgets it', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'rotating' });
    const r = await cmd<StreamKey>(t, 'keys.rotate', { id: k.id });
    made.push(k.key, r.key);
    expect(r.id).toBe(k.id);
    expect(r.key).not.toBe(k.key);
    expect(r.key).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(r.stream).toBe(k.stream);
    const old = await publishStatus(t, 'live', k.key);
    expect(old.st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    old.c.close();
    const fresh = await publishStatus(t, 'live', r.key);
    expect(fresh.st).toMatchObject({ level: 'status', code: 'NetStream.Publish.Start' });
    await waitFor(() => t.studio.registry.get(`/live/${k.stream}`)?.publisher, 'rotated key live at the same public name');
    fresh.c.close();
    await waitFor(() => !t.studio.registry.get(`/live/${k.stream}`)?.publisher, 'rotated publisher gone');
    await cmd(t, 'keys.remove', { id: k.id });
    const gone = await publishStatus(t, 'live', r.key);
    expect(gone.st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    gone.c.close();
    const missing = await t.studio.api.dispatch('keys.rotate', { id: k.id });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('our own publishes carry the process token: a relay ingest of a non-key name still publishes', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'relay source' });
    const src = await publishStatus(t, 'live', k.key);
    expect(src.st?.code).toBe('NetStream.Publish.Start');
    const own = t.studio.auth.ownToken('/live/camera1');
    const ok = await publishStatus(t, 'live', `camera1?own=${own}`);
    expect(ok.st).toMatchObject({ level: 'status', code: 'NetStream.Publish.Start' });
    ok.c.close();
    // a token for another path does not open this one
    const wrong = await publishStatus(t, 'live', `camera2?own=${own}`);
    expect(wrong.st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    wrong.c.close();
    src.c.close();
    made.push(k.key);
  });

  it('no info-level log line of this suite carries a whole key', async () => {
    for (const k of await cmd<StreamKey[]>(t, 'keys.list', undefined)) made.push(k.key);
    expect(mem.lines.some((l) => l.includes('publish start'))).toBe(true);
    expect(leaks(mem.lines, made)).toEqual([]);
  });
});

describe('stream keys with auth.keys and auth.publish on', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startStudio({ auth: { keys: true, publish: true, secret: 'keys-and-signs' } });
  });
  afterAll(() => t?.stop());

  it('the signed OBS stream key publishes (server + key, as OBS sends it); the bare key is refused', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'signed' });
    expect(k.obs.stream_key).toMatch(new RegExp(`^${k.key}\\?sign=\\d+-[0-9a-f]{32}$`));
    expect(k.obs.expires_at).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const bare = await publishStatus(t, 'live', k.key);
    expect(bare.st).toMatchObject({ level: 'error', code: 'NetStream.publish.Unauthorized' });
    bare.c.close();
    const ff = pattern(`${k.obs.server}/${k.obs.stream_key}`);
    try {
      // signed for the key path, live at the public path
      await waitFor(() => t.studio.registry.get(`/live/${k.stream}`)?.publisher, 'signed keyed publisher live', 20_000);
      expect(t.studio.registry.get(`/live/${k.key}`)).toBeUndefined();
    } finally {
      await stopRun(ff);
    }
    // a valid sign for an unknown name is still refused by auth.keys
    const rotated = await cmd<StreamKey>(t, 'keys.rotate', { id: k.id });
    const old = await publishStatus(t, 'live', k.obs.stream_key);
    expect(old.st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
    old.c.close();
    const fresh = await publishStatus(t, 'live', rotated.obs.stream_key);
    expect(fresh.st).toMatchObject({ level: 'status', code: 'NetStream.Publish.Start' });
    fresh.c.close();
  });
});

describe('auth.keys and our own ladder rungs', () => {
  let t: TestStudio;
  beforeAll(async () => {
    const small = { preset: 'custom', rungs: [{ height: 144, video_kbps: 200, audio_kbps: 48 }, { height: 90, video_kbps: 100, audio_kbps: 32 }] };
    t = await startStudio({ ffmpeg: FFMPEG, auth: { keys: true }, ladder: { encoder: 'libx264', x264_preset: 'ultrafast', apps: { live: small } } });
  });
  afterAll(() => t?.stop());

  it('a keyed source gets its rungs, named after the public name (/live/<stream>_<h>, published by our ffmpeg with the process token); a stranger cannot publish a rung name', async () => {
    const k = await cmd<StreamKey>(t, 'keys.add', { label: 'ladder source' });
    const ff = pattern(t.rtmpUrl(`/live/${k.key}`), 40);
    try {
      await waitFor(() => t.studio.registry.get(`/live/${k.stream}_144`)?.ready && t.studio.registry.get(`/live/${k.stream}_90`)?.ready, 'rungs live', 30_000);
      expect(t.studio.registry.get(`/live/${k.stream}_144`)?.rungOf).toBe(`/live/${k.stream}`);
      expect(t.studio.registry.list().map((x) => x.path).join(' ')).not.toContain(k.key);
    } finally {
      await stopRun(ff);
    }
    for (const name of [`${k.stream}_720`, `${k.key}_720`]) {
      const { c, st } = await publishStatus(t, 'live', name);
      expect(st).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
      c.close();
    }
  }, 60_000);
});

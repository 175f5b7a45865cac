import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuthAuthority } from '../../core/auth/authority';
import { rtmpDenial } from '../../core/auth/decisions';
import { makeSign } from '../../core/auth/sign';
import { parseConfig } from '../../core/config';
import { keyTail, randomKey, randomStreamName } from '../../core/rooms/keys';
import { nextStatus, type RoomEvent, type RoomStatus } from '../../core/rooms/room-status';
import { KeysRepo } from '../../core/store/keys-repo';
import { migrate, migrations } from '../../core/store/migrations';

describe('public stream names (migration step 7)', () => {
  it('12 characters of [a-z0-9]', () => {
    for (let i = 0; i < 200; i++) expect(randomStreamName()).toMatch(/^[a-z0-9]{12}$/);
  });

  it('keys made before step 7 get a distinct 12-character public name; the column is unique', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 6));
    for (const id of ['a', 'b', 'c']) {
      db.prepare('INSERT INTO keys (id, label, app, key, enabled, created_at) VALUES (?, ?, ?, ?, 1, 0)').run(id, id, 'live', randomKey());
    }
    migrate(db);
    const repo = new KeysRepo(db);
    const names = repo.list().map((k) => k.stream);
    for (const n of names) expect(n).toMatch(/^[a-f0-9]{12}$/);
    expect(new Set(names).size).toBe(3);
    expect(repo.byStream(names[0])?.id).toBe('a');
    expect(() => db.prepare('UPDATE keys SET stream = ? WHERE id = ?').run(names[0], 'b')).toThrow(/UNIQUE/);
    db.close();
  });
});

describe('stream key generation', () => {
  it('20 characters of [0-9a-zA-Z], every character used, no repeats in 5000', () => {
    const seen = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const k = randomKey();
      expect(k).toMatch(/^[0-9a-zA-Z]{20}$/);
      seen.add(k);
      for (const c of k) chars.add(c);
    }
    expect(seen.size).toBe(5000);
    expect(chars.size).toBe(62);
    expect(randomKey(8)).toHaveLength(8);
  });

  it('logs carry only the last 4 characters', () => {
    expect(keyTail('L3V8KhRHin40gNug58zy')).toBe('••••58zy');
    expect(keyTail('short')).toBe('••••');
    expect(keyTail('')).toBe('');
  });
});

describe('room status machine (0 not started, 1 live, 2 paused, 3 ended)', () => {
  const table: Array<[RoomStatus, RoomEvent, RoomStatus | null]> = [
    [0, 'published', 1], [2, 'published', 1], [1, 'published', null],
    [1, 'dropped', 2], [0, 'dropped', null], [2, 'dropped', null],
    [1, 'ended', 3], [2, 'ended', 3], [0, 'ended', null],
    [0, 'play', 1], [0, 'pause', 2], [0, 'stop', 3], [1, 'pause', 2], [2, 'play', 1], [1, 'play', null], [2, 'stop', 3],
  ];
  for (const [from, ev, to] of table) it(`${from} --${ev}--> ${to ?? 'unchanged'}`, () => expect(nextStatus(from, ev)).toBe(to));
  it('ended is final: nothing moves a room out of 3', () => {
    for (const ev of ['published', 'dropped', 'ended', 'play', 'pause', 'stop'] as const) expect(nextStatus(3, ev)).toBeNull();
  });
});

describe('the authority with auth.keys', () => {
  const keys = new Map([['live/GoodKey123456789012', true], ['live/OffKey1234567890123', false]]);
  const lookup = { find: (app: string, name: string) => (keys.has(`${app}/${name}`) ? { enabled: keys.get(`${app}/${name}`)!, stream: `pub${name.slice(0, 4).toLowerCase()}` } : null) };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onair-authkeys-'));
  const auth = (extra: Record<string, unknown> = {}) => {
    const cfg = parseConfig({ data_dir: dir, auth: { keys: true, ...extra } });
    const a = new AuthAuthority(() => cfg);
    a.setKeyLookup(lookup);
    return a;
  };
  const req = (query: Record<string, string> = {}) => ({ via: 'rtmp' as const, ip: '10.1.2.3', query });

  it('known+enabled allowed; unknown → key_invalid (BadName); disabled → key_disabled (Unauthorized); messages name the address, never the key', () => {
    const a = auth();
    expect(a.authorize('publish', '/live/GoodKey123456789012', req())).toEqual({ ok: true });
    const unknown = a.authorize('publish', '/live/Nope', req());
    expect(unknown).toMatchObject({ ok: false, reason: 'key_invalid' });
    const off = a.authorize('publish', '/live/OffKey1234567890123', req());
    expect(off).toMatchObject({ ok: false, reason: 'key_disabled' });
    if (unknown.ok || off.ok) throw new Error('expected refusals');
    expect(rtmpDenial('publish', unknown)).toBe('NetStream.Publish.BadName');
    expect(rtmpDenial('publish', off)).toBe('NetStream.publish.Unauthorized');
    expect(off.message).toContain('10.1.2.3');
    expect(off.message).not.toContain('OffKey');
    expect(a.authorize('publish', '/other/GoodKey123456789012', req())).toMatchObject({ ok: false, reason: 'key_invalid' });
  });

  it('without a lookup every name is unknown; with auth.keys off anything publishes', () => {
    const cfg = parseConfig({ data_dir: dir, auth: { keys: true } });
    expect(new AuthAuthority(() => cfg).authorize('publish', '/live/GoodKey123456789012', req())).toMatchObject({ ok: false, reason: 'key_invalid' });
    const off = parseConfig({ data_dir: dir });
    expect(off.auth.keys).toBe(false);
    expect(new AuthAuthority(() => off).authorize('publish', '/live/anything', req())).toEqual({ ok: true });
  });

  it('our own publishes: the process token for exactly that path passes; another path or another process does not', () => {
    const a = auth();
    const own = a.ownToken('/live/cam_720');
    expect(a.authorize('publish', '/live/cam_720', req({ own }))).toEqual({ ok: true });
    expect(a.authorize('publish', '/live/cam_480', req({ own }))).toMatchObject({ ok: false, reason: 'key_invalid' });
    expect(auth().authorize('publish', '/live/cam_720', req({ own }))).toMatchObject({ ok: false, reason: 'key_invalid' });
  });

  it('publishPath: a known key goes live at its public name; other names (rungs, the public name itself) stay; auth.keys off changes nothing', () => {
    const a = auth();
    expect(a.publishPath('live', 'GoodKey123456789012')).toEqual({ app: 'live', name: 'pubgood', path: '/live/pubgood' });
    expect(a.publishPath('live', 'pubgood_720')).toEqual({ app: 'live', name: 'pubgood_720', path: '/live/pubgood_720' });
    expect(a.authorize('publish', '/live/pubgood', req())).toMatchObject({ ok: false, reason: 'key_invalid' });
    const off = parseConfig({ data_dir: dir });
    const b = new AuthAuthority(() => off);
    b.setKeyLookup(lookup);
    expect(b.publishPath('live', 'GoodKey123456789012').path).toBe('/live/GoodKey123456789012');
  });

  it('a refused sign names the app, never the key (auth.keys on)', () => {
    const a = auth({ publish: true, secret: 's3cret' });
    const d = a.authorize('publish', '/live/GoodKey123456789012', req({ sign: 'bad' }));
    if (d.ok) throw new Error('expected a refusal');
    expect(d.message).not.toContain('GoodKey');
  });

  it('with auth.publish too, the sign is checked first and then the key', () => {
    const a = auth({ publish: true, secret: 's3cret' });
    const sign = (p: string) => makeSign(p, Math.floor(Date.now() / 1000) + 60, 's3cret');
    expect(a.authorize('publish', '/live/GoodKey123456789012', req())).toMatchObject({ ok: false, reason: 'sign_required' });
    expect(a.authorize('publish', '/live/GoodKey123456789012', req({ sign: sign('/live/GoodKey123456789012') }))).toEqual({ ok: true });
    expect(a.authorize('publish', '/live/Nope', req({ sign: sign('/live/Nope') }))).toMatchObject({ ok: false, reason: 'key_invalid' });
    const own = a.ownToken('/live/cam_720');
    expect(a.authorize('publish', '/live/cam_720', req({ own }))).toMatchObject({ ok: false, reason: 'sign_required' });
    expect(a.authorize('publish', '/live/cam_720', req({ own, sign: sign('/live/cam_720') }))).toEqual({ ok: true });
  });
});

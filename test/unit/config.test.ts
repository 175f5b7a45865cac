import { describe, expect, it } from 'vitest';
import { mediaRoot, parseConfig } from '../../core/config';

describe('config', () => {
  it('accepts a Node-Media-Server 2.x config unchanged', () => {
    const nms = {
      rtmp: { port: 1935, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
      http: { port: 8000, mediaroot: './media', allow_origin: '*' },
      auth: { play: true, publish: true, secret: 'nodemedia2017privatekey', api: true, api_user: 'admin', api_pass: 'nms2018' },
      trans: { ffmpeg: '/usr/local/bin/ffmpeg', tasks: [{ app: 'live', hls: true, hlsFlags: '[hls_time=2:hls_list_size=3:hls_flags=delete_segments]' }] },
      relay: { ffmpeg: '/usr/local/bin/ffmpeg', tasks: [{ app: 'live', mode: 'push', edge: 'rtmp://192.168.0.10' }] },
    };
    const c = parseConfig(nms, {});
    expect(c.rtmp).toMatchObject({ port: 1935, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 });
    expect(c.auth).toMatchObject({ play: true, publish: true, api: true, api_user: 'admin' });
    expect(c.trans?.tasks).toHaveLength(1);
    expect(mediaRoot(c)).toMatch(/media$/);
  });

  it('fills defaults: RTMP 1935, HTTP 8000, loopback, app-data folder', () => {
    const c = parseConfig({}, { HOME: '/home/u' });
    expect(c.rtmp.port).toBe(1935);
    expect(c.http.port).toBe(8000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.data_dir).toMatch(/onair-studio|OnAir Studio/);
  });

  it('ONAIR_DATA_DIR overrides the data folder', () => {
    expect(parseConfig({ data_dir: '/x' }, { ONAIR_DATA_DIR: '/tmp/onair-here' }).data_dir).toBe('/tmp/onair-here');
  });

  it('names the key of a bad value', () => {
    expect(() => parseConfig({ rtmp: { port: 'abc' } }, {})).toThrow(/rtmp\.port/);
    expect(() => parseConfig({ rtmp: { port: 70000 } }, {})).toThrow(/rtmp\.port/);
    expect(() => parseConfig({ http: { allow_origin: 5 } }, {})).toThrow(/http\.allow_origin/);
    expect(() => parseConfig({ webhooks: [{ url: 'ftp://x' }] }, {})).toThrow(/webhooks\.0\.url/);
    expect(() => parseConfig({ auth: { publish: true } }, {})).toThrow(/auth\.secret/);
  });
});

import { useEffect, useState } from 'react';
import type { StreamUrls } from '../../../core/contract';
import { client } from '../client/client';
import { useServer } from '../stores/server';
import { mediaHost } from './format';

const cache = new Map<string, StreamUrls>();

/** The URLs of a stream (OBS server + key, HTTP-FLV, WS-FLV) as this panel reaches the studio. */
export function useStreamUrls(app: string, name: string): StreamUrls | null {
  const ports = useServer((s) => s.status?.ports);
  const c = client();
  const host = mediaHost(c.embedded, ports?.host);
  const key = `${app}/${name}|${host}|${ports?.rtmp}|${ports?.http}`;
  const [urls, setUrls] = useState<StreamUrls | null>(cache.get(key) ?? null);
  useEffect(() => {
    const hit = cache.get(key);
    if (hit) return setUrls(hit);
    let live = true;
    c.call('streams.urls', { app, name, host }).then(
      (u) => {
        cache.set(key, u);
        if (live) setUrls(u);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [c, key, app, name, host]);
  return urls;
}

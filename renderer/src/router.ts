import { create } from 'zustand';

export type Route =
  | { page: 'dashboard' }
  | { page: 'stream'; app: string; name: string }
  | { page: 'settings' }
  | { page: 'logs' }
  | { page: 'recordings' }
  | { page: 'transcode' }
  | { page: 'destinations' }
  | { page: 'keys' }
  | { page: 'rooms' }
  | { page: 'cluster' };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'streams' && parts.length === 3) return { page: 'stream', app: parts[1], name: parts[2] };
  if (parts[0] === 'settings') return { page: 'settings' };
  if (parts[0] === 'logs') return { page: 'logs' };
  if (parts[0] === 'recordings') return { page: 'recordings' };
  if (parts[0] === 'transcode') return { page: 'transcode' };
  if (parts[0] === 'destinations') return { page: 'destinations' };
  if (parts[0] === 'keys') return { page: 'keys' };
  if (parts[0] === 'rooms') return { page: 'rooms' };
  if (parts[0] === 'cluster') return { page: 'cluster' };
  return { page: 'dashboard' };
}

export function hrefOf(r: Route): string {
  if (r.page === 'stream') return `#/streams/${encodeURIComponent(r.app)}/${encodeURIComponent(r.name)}`;
  if (r.page === 'dashboard') return '#/';
  return `#/${r.page}`;
}

/** A hash router: the panel works from file://, app:// and any HTTP path without server routes. */
export const useRoute = create<{ route: Route }>()(() => ({ route: parseHash(window.location.hash) }));

window.addEventListener('hashchange', () => useRoute.setState({ route: parseHash(window.location.hash) }));

export function navigate(r: Route): void {
  window.location.hash = hrefOf(r);
}

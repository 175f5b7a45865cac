import { create } from 'zustand';
import type { Destination, DestinationStatusView } from '../../../core/contract/destinations';
import type { OnAirClient } from '../client/client';

type Platform = Destination['platform'];

/**
 * The "Add destination" presets as the form needs them (issue 11, "Platform facts"). A copy of the data in
 * core/relay/presets.ts, which also holds the server-side validator and imports node modules, so the renderer
 * cannot import it; the server validates every add whatever the form offers.
 */
export interface FormPreset {
  label: string;
  /** the URL the form starts with ('' = the user types one) */
  defaultUrl: string;
  ingests: ReadonlyArray<{ id: string; label: string; url: string }>;
  /** schemes the platform accepts */
  rtmpsOnly: boolean;
}

const TWITCH = 'ingest.global-contribute.live-video.net';

export const FORM_PRESETS: Readonly<Record<Platform, FormPreset>> = {
  youtube: {
    label: 'YouTube', defaultUrl: 'rtmps://a.rtmps.youtube.com:443/live2', rtmpsOnly: false,
    ingests: [
      { id: 'primary', label: 'Primary (RTMPS)', url: 'rtmps://a.rtmps.youtube.com:443/live2' },
      { id: 'backup', label: 'Backup (RTMPS)', url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1' },
      { id: 'primary-rtmp', label: 'Primary (plain RTMP)', url: 'rtmp://a.rtmp.youtube.com/live2' },
    ],
  },
  twitch: {
    label: 'Twitch', defaultUrl: `rtmp://${TWITCH}/app`, rtmpsOnly: false,
    ingests: [
      { id: 'auto', label: 'Automatic (closest ingest)', url: `rtmp://${TWITCH}/app` },
      { id: 'auto-rtmps', label: 'Automatic over RTMPS', url: `rtmps://${TWITCH}:443/app` },
    ],
  },
  facebook: {
    label: 'Facebook', defaultUrl: 'rtmps://live-api-s.facebook.com:443/rtmp/', rtmpsOnly: true,
    ingests: [{ id: 'primary', label: 'Facebook Live (RTMPS)', url: 'rtmps://live-api-s.facebook.com:443/rtmp/' }],
  },
  kick: { label: 'Kick', defaultUrl: '', rtmpsOnly: true, ingests: [] },
  custom: { label: 'Custom RTMP/RTMPS', defaultUrl: '', rtmpsOnly: false, ingests: [] },
};

export const PLATFORM_ORDER: readonly Platform[] = ['youtube', 'twitch', 'facebook', 'kick', 'custom'];

interface DestinationsState {
  byId: Record<string, Destination>;
  loaded: boolean;
  error: string | null;
  load(c: OnAirClient): Promise<void>;
  /** a command's answer (newer than every event that came before it on the same transport) */
  upsert(d: Destination): void;
  /** a destination.state event; false when the id is not known here (another panel added it) */
  onState(s: DestinationStatusView): boolean;
  remove(id: string): void;
}

/** Restream destinations: destinations.list on (re)connect, destination.state events in between. */
export const useDestinations = create<DestinationsState>()((set, get) => ({
  byId: {},
  loaded: false,
  error: null,
  async load(c) {
    try {
      const list = await c.call('destinations.list');
      const byId: Record<string, Destination> = {};
      for (const d of list) byId[d.id] = d;
      set({ byId, loaded: true, error: null });
    } catch (e) {
      set({ loaded: true, error: (e as Error).message });
    }
  },
  upsert: (d) => set((s) => ({ byId: { ...s.byId, [d.id]: d } })),
  onState(st) {
    const d = get().byId[st.id];
    if (!d) return false;
    set((s) => ({ byId: { ...s.byId, [st.id]: { ...d, status: st } } }));
    return true;
  },
  remove: (id) =>
    set((s) => {
      const byId = { ...s.byId };
      delete byId[id];
      return { byId };
    }),
}));

/** Oldest first (the order the user added them). */
export function sortedDestinations(byId: Record<string, Destination>): Destination[] {
  return Object.values(byId).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
}

/** Destinations fed by (or waiting for) the stream at `path` ("/app/name"). */
export function destinationsOf(byId: Record<string, Destination>, path: string): Destination[] {
  const app = path.split('/')[1];
  return sortedDestinations(byId).filter((d) => {
    if (d.status.stream) return d.status.stream === path;
    return 'stream' in d.source ? d.source.stream === path : d.source.app === app && d.enabled;
  });
}

/** Keep the store fed: a reload on every (re)connect, status events in between. */
export function wireDestinations(c: OnAirClient): () => void {
  // one list request at a time; a reason to reload while one is on its way asks once more after it
  let reloading = false;
  let again = false;
  const reload = (): void => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    void useDestinations.getState().load(c).finally(() => {
      reloading = false;
      if (again) {
        again = false;
        reload();
      }
    });
  };
  const offs = [
    c.onStatus((status) => status === 'open' && reload()),
    c.on('destination.state', (s) => {
      if (!useDestinations.getState().onState(s)) reload();
    }),
  ];
  if (c.status === 'open') reload();
  return () => offs.forEach((off) => off());
}

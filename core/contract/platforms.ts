import type { PLATFORM_NAMES } from './destinations';

/**
 * Platform presets for restream destinations (issue 11, "Platform facts": the platforms' public ingest docs and
 * OBS's service list) as pure data: the one place both the core's validator (core/relay/presets.ts) and the
 * panel's "Add destination" form read them. No I/O, no node modules.
 */

export type PlatformName = (typeof PLATFORM_NAMES)[number];

export interface IngestChoice {
  id: string;
  label: string;
  url: string;
}

export interface PlatformPreset {
  platform: PlatformName;
  label: string;
  /** the URL the "Add destination" form starts with ('' = the user types one) */
  defaultUrl: string;
  /** ingest servers to pick from (YouTube primary/backup, Twitch auto…) */
  ingests: readonly IngestChoice[];
  /** schemes the platform accepts */
  schemes: readonly ('rtmp' | 'rtmps')[];
  /** the platform refuses plain RTMP */
  rtmpsOnly: boolean;
  /** where the user finds the key (shown under the key field) */
  keyHint: string;
}

export const TWITCH_AUTO_HOST = 'ingest.global-contribute.live-video.net';

export const PLATFORM_PRESETS: Readonly<Record<PlatformName, PlatformPreset>> = {
  youtube: {
    platform: 'youtube', label: 'YouTube', defaultUrl: 'rtmps://a.rtmps.youtube.com:443/live2',
    ingests: [
      { id: 'primary', label: 'Primary (RTMPS)', url: 'rtmps://a.rtmps.youtube.com:443/live2' },
      { id: 'backup', label: 'Backup (RTMPS)', url: 'rtmps://b.rtmps.youtube.com:443/live2?backup=1' },
      { id: 'primary-rtmp', label: 'Primary (plain RTMP)', url: 'rtmp://a.rtmp.youtube.com/live2' },
    ],
    schemes: ['rtmp', 'rtmps'],
    rtmpsOnly: false,
    keyHint: 'YouTube Studio → Go live → Stream key',
  },
  twitch: {
    platform: 'twitch', label: 'Twitch', defaultUrl: `rtmp://${TWITCH_AUTO_HOST}/app`,
    // "auto" is Twitch's global anycast ingest; any other ingest host can be typed as the URL
    ingests: [
      { id: 'auto', label: 'Automatic (closest ingest)', url: `rtmp://${TWITCH_AUTO_HOST}/app` },
      { id: 'auto-rtmps', label: 'Automatic over RTMPS', url: `rtmps://${TWITCH_AUTO_HOST}:443/app` },
    ],
    schemes: ['rtmp', 'rtmps'],
    rtmpsOnly: false,
    keyHint: 'Twitch Creator Dashboard → Settings → Stream → Primary Stream key',
  },
  facebook: {
    platform: 'facebook', label: 'Facebook', defaultUrl: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    ingests: [{ id: 'primary', label: 'Facebook Live (RTMPS)', url: 'rtmps://live-api-s.facebook.com:443/rtmp/' }],
    // Facebook refuses plain RTMP
    schemes: ['rtmps'],
    rtmpsOnly: true,
    keyHint: 'Facebook Live Producer → Stream key (keep the ?s_bl=… part)',
  },
  kick: {
    platform: 'kick', label: 'Kick', defaultUrl: '',
    ingests: [],
    schemes: ['rtmps'],
    rtmpsOnly: true,
    keyHint: 'Kick Dashboard → Settings → Stream URL and Stream key',
  },
  custom: {
    platform: 'custom', label: 'Custom RTMP/RTMPS', defaultUrl: '',
    ingests: [],
    schemes: ['rtmp', 'rtmps'],
    rtmpsOnly: false,
    keyHint: 'the stream key (or stream name) the server expects',
  },
};

/** The order the form offers them in. */
export const PLATFORM_ORDER: readonly PlatformName[] = ['youtube', 'twitch', 'facebook', 'kick', 'custom'];

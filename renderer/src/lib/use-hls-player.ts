import type Hls from 'hls.js';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';

export interface HlsLevel {
  height: number;
  bitrate: number;
}

export interface HlsStats {
  /** seconds behind the wall clock of the frame on screen (EXT-X-PROGRAM-DATE-TIME), null without it */
  latency: number | null;
  playing: boolean;
  error: string | null;
  levels: HlsLevel[];
  /** the level hls.js plays now (-1 before the first switch) */
  level: number;
  /** true when hls.js chooses the level (adaptive) */
  auto: boolean;
}

export interface HlsOptions {
  /** LL-HLS: parts, blocking reload, hls.js lowLatencyMode */
  lowLatency?: boolean;
}

const INITIAL: HlsStats = { latency: null, playing: false, error: null, levels: [], level: -1, auto: true };

/**
 * hls.js in a <video> (hls.js is loaded on first use, so pages without HLS do not pay for it). Live
 * playlists report latency from PROGRAM-DATE-TIME (`playingDate` against the wall clock); LL-HLS runs with
 * `lowLatencyMode` and may play up to 1.5× to catch the live edge. A fatal error retries every 2 s;
 * Safari's native HLS is used where MSE is missing. `setLevel(-1)` returns to adaptive.
 */
export function useHlsPlayer(video: RefObject<HTMLVideoElement | null>, url: string | null, opts: HlsOptions = {}): [HlsStats, (level: number) => void] {
  const [stats, setStats] = useState<HlsStats>(INITIAL);
  const hlsRef = useRef<Hls | null>(null);
  const lowLatency = opts.lowLatency ?? false;

  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    let disposed = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let recovered = false;
    setStats(INITIAL);

    const destroy = (): void => {
      hlsRef.current?.destroy();
      hlsRef.current = null;
    };
    const later = (start: () => void): void => {
      if (disposed || retry) return;
      retry = setTimeout(() => {
        retry = null;
        start();
      }, 2000);
    };
    const start = async (): Promise<void> => {
      const { default: HlsJs } = await import('hls.js');
      if (disposed) return;
      destroy();
      if (!HlsJs.isSupported()) {
        if (el.canPlayType('application/vnd.apple.mpegurl')) {
          el.src = url;
          void el.play().catch(() => undefined);
        } else setStats((s) => ({ ...s, error: 'Media Source Extensions are not available' }));
        return;
      }
      // standard HLS: sit 2 target durations behind the live edge (hls.js defaults to 3, ~7.5 s with 2 s segments)
      const hls = new HlsJs({ lowLatencyMode: lowLatency, ...(lowLatency ? {} : { liveSyncDurationCount: 2 }), backBufferLength: 30, maxLiveSyncPlaybackRate: lowLatency ? 1.5 : 1.2, enableWorker: true });
      hlsRef.current = hls;
      hls.on(HlsJs.Events.MANIFEST_PARSED, (_e, d) => {
        setStats((s) => ({ ...s, error: null, levels: d.levels.map((l) => ({ height: l.height, bitrate: l.bitrate })) }));
        void el.play().catch(() => undefined);
      });
      hls.on(HlsJs.Events.LEVEL_SWITCHED, (_e, d) => setStats((s) => ({ ...s, level: d.level, auto: hls.autoLevelEnabled })));
      hls.on(HlsJs.Events.ERROR, (_e, d) => {
        if (!d.fatal) return;
        setStats((s) => ({ ...s, playing: false, error: d.details }));
        if (d.type === HlsJs.ErrorTypes.MEDIA_ERROR && !recovered) {
          recovered = true;
          hls.recoverMediaError();
          return;
        }
        destroy();
        later(() => void start());
      });
      hls.loadSource(url);
      hls.attachMedia(el);
    };

    const report = setInterval(() => {
      const date = hlsRef.current?.playingDate;
      const latency = date ? Math.max(0, (Date.now() - date.getTime()) / 1000) : null;
      const playing = !el.paused && el.readyState >= 2;
      setStats((s) => (s.latency === latency && s.playing === playing ? s : { ...s, latency, playing, error: playing ? null : s.error }));
    }, 500);

    void start();
    return () => {
      disposed = true;
      clearInterval(report);
      if (retry) clearTimeout(retry);
      destroy();
      el.removeAttribute('src');
      el.load();
    };
  }, [video, url, lowLatency]);

  const setLevel = useCallback((level: number) => {
    const hls = hlsRef.current;
    if (!hls) return;
    hls.currentLevel = level;
    setStats((s) => ({ ...s, auto: level < 0 }));
  }, []);

  return [stats, setLevel];
}

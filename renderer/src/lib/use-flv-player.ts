import flvjs from 'flv.js';
import { useEffect, useState, type RefObject } from 'react';

export interface PlayerStats {
  /** seconds between the playhead and the newest buffered frame */
  latency: number | null;
  rate: number;
  dropped: number;
  playing: boolean;
  error: string | null;
}

/** Behind by more than this: play faster. */
const CATCH_UP_S = 0.5;
/** Behind by more than this: jump. */
const JUMP_S = 1.5;
/** Where a jump lands, behind the newest frame. */
const JUMP_TO_S = 0.25;

/**
 * Low-latency live FLV in a <video>: flv.js with the stash buffer off, plus a loop that keeps the
 * playhead near the buffered end (faster playback when > 0.5 s behind, a seek when > 1.5 s). A failed
 * stream (publisher restarting) is retried every 2 s.
 */
export function useFlvPlayer(video: RefObject<HTMLVideoElement | null>, url: string | null, opts: { stats?: boolean } = {}): PlayerStats {
  const [stats, setStats] = useState<PlayerStats>({ latency: null, rate: 1, dropped: 0, playing: false, error: null });
  const wantStats = opts.stats ?? false;

  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    if (!flvjs.isSupported()) {
      setStats((s) => ({ ...s, error: 'Media Source Extensions are not available' }));
      return;
    }
    let player: flvjs.Player | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let disposed = false;

    const destroy = (): void => {
      if (!player) return;
      const p = player;
      player = null;
      try {
        p.pause();
        p.unload();
        p.detachMediaElement();
        p.destroy();
      } catch {}
    };
    const start = (): void => {
      if (disposed) return;
      destroy();
      const p = flvjs.createPlayer(
        { type: 'flv', isLive: true, url },
        {
          isLive: true,
          enableWorker: false,
          enableStashBuffer: false,
          stashInitialSize: 128,
          lazyLoad: false,
          autoCleanupSourceBuffer: true,
          autoCleanupMaxBackwardDuration: 12,
          autoCleanupMinBackwardDuration: 6,
        },
      );
      player = p;
      p.on(flvjs.Events.ERROR, (_type: string, detail: string) => {
        setStats((s) => ({ ...s, playing: false, error: String(detail) }));
        if (!disposed && !retry) {
          retry = setTimeout(() => {
            retry = null;
            start();
          }, 2000);
        }
      });
      p.attachMediaElement(el);
      p.load();
      const r = p.play() as Promise<void> | undefined;
      r?.catch(() => undefined);
    };

    const chase = setInterval(() => {
      const b = el.buffered;
      if (!b.length) return;
      const end = b.end(b.length - 1);
      const lag = end - el.currentTime;
      if (lag > JUMP_S) {
        el.currentTime = Math.max(b.start(b.length - 1), end - JUMP_TO_S);
        el.playbackRate = 1;
      } else if (lag > CATCH_UP_S) {
        el.playbackRate = lag > 1 ? 1.25 : 1.1;
      } else if (lag < 0.25 && el.playbackRate !== 1) {
        el.playbackRate = 1;
      }
      if (el.paused && lag > 0.1) void el.play().catch(() => undefined);
    }, 200);

    const report = wantStats
      ? setInterval(() => {
          const b = el.buffered;
          const latency = b.length ? Math.max(0, b.end(b.length - 1) - el.currentTime) : null;
          const q = typeof el.getVideoPlaybackQuality === 'function' ? el.getVideoPlaybackQuality() : null;
          setStats({ latency, rate: el.playbackRate, dropped: q?.droppedVideoFrames ?? 0, playing: !el.paused && latency !== null, error: null });
        }, 500)
      : null;
    const onPlaying = (): void => setStats((s) => ({ ...s, playing: true, error: null }));
    el.addEventListener('playing', onPlaying);

    start();
    return () => {
      disposed = true;
      clearInterval(chase);
      if (report) clearInterval(report);
      if (retry) clearTimeout(retry);
      el.removeEventListener('playing', onPlaying);
      destroy();
      el.removeAttribute('src');
      el.load();
    };
  }, [video, url, wantStats]);

  return stats;
}

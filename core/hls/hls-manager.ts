import type { ServerContext } from '../context';
import type { Stream } from '../media/stream';
import { mediaRoot } from '../config';
import { LiveHls } from './live-hls';
import { hlsSettingsFor } from './settings';

/**
 * Attaches a LiveHls muxer to every stream whose app has HLS/LL-HLS/DASH on. The muxer survives publisher drops
 * (it stays subscribed; the Stream tells it publisherLeft/publisherReturned) and its playlists continue. When the
 * stream is over (registry 'ended': no publisher within `cleanup_after_s`) it writes ENDLIST; the ended
 * playlists stay another `cleanup_after_s`, then the muxer and its segments are dropped. A publish after that
 * starts a new LiveHls (a new epoch in every URL).
 */
export class HlsManager {
  private readonly live = new Map<string, { hls: LiveHls; cleanup: NodeJS.Timeout | null }>();

  constructor(private readonly ctx: ServerContext) {
    ctx.registry.on('published', (s) => this.onPublished(s));
    ctx.registry.on('unpublished', (s) => this.onGone(s));
    ctx.registry.on('ended', (s) => {
      this.live.get(s.path)?.hls.end('stream ended'); // idempotent: the Stream has normally ended it already
      this.onGone(s);
    });
  }

  private onPublished(stream: Stream): void {
    const settings = hlsSettingsFor(this.ctx.config(), stream.app);
    if (!settings.hls && !settings.ll && !settings.dash && !settings.dvr) return;
    let entry = this.live.get(stream.path);
    if (entry?.hls.ended) {
      // the old stream is over (its ended playlists were lingering): a new one, with new URLs
      this.drop(stream.path);
      entry = undefined;
    }
    if (entry) {
      if (entry.cleanup) clearTimeout(entry.cleanup);
      entry.cleanup = null;
      // still attached across the drop: the Stream continues it (publisherReturned); attach only if it is not
      if (entry.hls.stream === stream && stream.allSubscribers().includes(entry.hls)) return;
      entry.hls.stream = stream;
    } else {
      entry = { hls: new LiveHls(stream, settings, this.ctx.log, mediaRoot(this.ctx.config())), cleanup: null };
      // a ladder rung (NAME_<digits>, NMS naming) carries its source's timestamps: share its wall clock (PDT)
      const source = /^(.+)_\d+$/.exec(stream.name);
      const sourceHls = source ? this.live.get(`/${stream.app}/${source[1]}`)?.hls : undefined;
      if (sourceHls && !sourceHls.ended) entry.hls.clock.follow(sourceHls.clock);
      this.live.set(stream.path, entry);
    }
    stream.addSubscriber(entry.hls);
  }

  /** A drop keeps the muxer (it waits for the publisher); once it has ended, keep it `cleanup_after_s`, then drop. */
  private onGone(stream: Stream): void {
    const entry = this.live.get(stream.path);
    if (!entry || !entry.hls.ended || entry.cleanup) return;
    stream.removeSubscriber(entry.hls);
    entry.cleanup = setTimeout(() => this.drop(stream.path), entry.hls.settings.cleanupMs);
    entry.cleanup.unref();
  }

  private drop(path: string): void {
    const e = this.live.get(path);
    if (!e) return;
    if (e.cleanup) clearTimeout(e.cleanup);
    e.hls.dispose();
    this.live.delete(path);
  }

  get(path: string): LiveHls | undefined {
    return this.live.get(path)?.hls;
  }

  close(): void {
    for (const p of [...this.live.keys()]) this.drop(p);
  }
}

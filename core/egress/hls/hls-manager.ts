import type { ServerContext } from '../../ingest/context';
import type { Stream } from '../../media/stream';
import { mediaRoot } from '../../config';
import { LiveHls } from './live-hls';
import { hlsSettingsFor } from './settings';

/**
 * Attaches a LiveHls muxer to every stream whose app has HLS/LL-HLS/DASH on, keeps it for
 * `cleanup_after_s` after the publisher leaves (a reconnect continues the same playlists with a
 * discontinuity), then drops it and its segments.
 */
export class HlsManager {
  private readonly live = new Map<string, { hls: LiveHls; cleanup: NodeJS.Timeout | null }>();

  constructor(private readonly ctx: ServerContext) {
    ctx.registry.on('published', (s) => this.onPublished(s));
    ctx.registry.on('unpublished', (s) => this.onUnpublished(s));
  }

  private onPublished(stream: Stream): void {
    const settings = hlsSettingsFor(this.ctx.config(), stream.app);
    if (!settings.hls && !settings.ll && !settings.dash && !settings.dvr) return;
    let entry = this.live.get(stream.path);
    if (entry) entry.hls.stream = stream; // the same path published again: continue its playlists
    if (entry?.cleanup) clearTimeout(entry.cleanup);
    if (!entry) {
      entry = { hls: new LiveHls(stream, settings, this.ctx.log, mediaRoot(this.ctx.config())), cleanup: null };
      this.live.set(stream.path, entry);
    }
    entry.cleanup = null;
    stream.addSubscriber(entry.hls);
  }

  private onUnpublished(stream: Stream): void {
    const entry = this.live.get(stream.path);
    if (!entry) return;
    entry.hls.end('publisher left');
    stream.removeSubscriber(entry.hls);
    const ms = entry.hls.settings.cleanupMs;
    entry.cleanup = setTimeout(() => this.drop(stream.path), ms);
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

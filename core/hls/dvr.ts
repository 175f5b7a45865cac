import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { TsSegment } from './ts-segmenter';

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * The whole event as VOD HLS on disk (seed 003's DVR): every TS segment is written as it is cut and the
 * playlist (EXT-X-PLAYLIST-TYPE:EVENT) is rewritten atomically; when the publisher leaves it gets
 * EXT-X-ENDLIST and plays as VOD at /YYYY/MM/DD/<id>/index.m3u8. A disk error stops the DVR, not the stream.
 */
export class DvrWriter {
  readonly id: string;
  readonly dir: string;
  /** URL path of the playlist */
  readonly url: string;
  private readonly lines: string[] = [];
  private failed = false;
  private first = true;

  /** `target`: EXT-X-TARGETDURATION, fixed (the live playlists' one; no segment rounds above it) */
  constructor(root: string, app: string, name: string, private readonly log: Logger, private readonly target: number, now = new Date()) {
    const d = `${now.getFullYear()}/${two(now.getMonth() + 1)}/${two(now.getDate())}`;
    this.id = `${app}_${name}_${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`.slice(0, 64).replace(/[^A-Za-z0-9_-]/g, '-');
    this.dir = path.join(root, d, this.id);
    this.url = `/${d}/${this.id}/index.m3u8`;
  }

  add(seg: TsSegment): void {
    if (this.failed) return;
    try {
      if (this.first) mkdirSync(this.dir, { recursive: true });
      if (seg.discontinuity && !this.first) this.lines.push('#EXT-X-DISCONTINUITY');
      this.first = false;
      writeFileSync(path.join(this.dir, `seg-${seg.seq}.ts`), seg.data);
      this.lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.pdt).toISOString()}`, `#EXTINF:${(seg.duration / 1000).toFixed(3)},`, `seg-${seg.seq}.ts`);
      this.writePlaylist(false);
    } catch (e) {
      this.failed = true;
      this.log.warn({ dir: this.dir, err: (e as Error).message }, 'DVR recording stopped: cannot write');
    }
  }

  private writePlaylist(ended: boolean): void {
    const head = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${this.target}`, '#EXT-X-MEDIA-SEQUENCE:0', `#EXT-X-PLAYLIST-TYPE:${ended ? 'VOD' : 'EVENT'}`];
    const text = [...head, ...this.lines, ...(ended ? ['#EXT-X-ENDLIST'] : [])].join('\n') + '\n';
    const tmp = path.join(this.dir, '.index.m3u8.tmp');
    writeFileSync(tmp, text);
    renameSync(tmp, path.join(this.dir, 'index.m3u8'));
  }

  /** The stream is over (not on a publisher drop: a reconnect continues the event): the playlist becomes VOD. */
  end(): void {
    if (this.failed || this.first) return;
    try {
      this.writePlaylist(true);
    } catch (e) {
      this.log.warn({ dir: this.dir, err: (e as Error).message }, 'DVR playlist could not be closed');
    }
  }
}

/** A minimal HTTP-FLV player over a plain net.Socket: GET, skip headers (de-chunk if needed), demux FLV tags. */
import { FLV_VIDEO, FlvDemuxer } from '../../core/format/flv/flv';
import type { WindowClock } from './player-stats';
import { SocketPlayer } from './socket-player';

const MAX_HEADER_BYTES = 16 * 1024;

/** Transfer-Encoding: chunked decoder; returns the data slices of each push. */
export class Dechunker {
  private line = '';
  private left = 0;
  private state: 'size' | 'data' | 'crlf' | 'done' = 'size';

  push(b: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let p = 0;
    while (p < b.length && this.state !== 'done') {
      if (this.state === 'size') {
        const nl = b.indexOf(0x0a, p);
        const end = nl < 0 ? b.length : nl;
        this.line += b.toString('latin1', p, end);
        if (this.line.length > 1024) throw new Error('chunk size line too long');
        if (nl < 0) break;
        p = nl + 1;
        const size = parseInt(this.line.trim().split(';')[0], 16);
        this.line = '';
        if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
        this.left = size;
        this.state = size === 0 ? 'done' : 'data';
      } else if (this.state === 'data') {
        const n = Math.min(this.left, b.length - p);
        out.push(b.subarray(p, p + n));
        p += n;
        this.left -= n;
        if (this.left === 0) {
          this.state = 'crlf';
          this.left = 2;
        }
      } else {
        const n = Math.min(this.left, b.length - p);
        p += n;
        this.left -= n;
        if (this.left === 0) this.state = 'size';
      }
    }
    return out;
  }
}

export class HttpFlvClient extends SocketPlayer {
  private head: Buffer | null = Buffer.alloc(0);
  private dechunk: Dechunker | null = null;
  private readonly demux = new FlvDemuxer();

  constructor(clock: WindowClock, host: string, port: number, private readonly path: string) {
    super(clock, host, port);
  }

  protected greeting(): string {
    return `GET ${this.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nAccept: */*\r\nUser-Agent: onair-bench\r\n\r\n`;
  }

  protected onData(d: Buffer): void {
    const now = performance.now();
    try {
      let body: Buffer = d;
      if (this.head !== null) {
        const all = Buffer.concat([this.head, d]);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          if (all.length > MAX_HEADER_BYTES) throw new Error('response headers too long');
          this.head = all;
          return;
        }
        const headers = all.toString('latin1', 0, end);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(headers);
        if (!status || status[1] !== '200') throw new Error(`HTTP status ${status ? status[1] : '?'}`);
        if (/^transfer-encoding:\s*chunked/im.test(headers)) this.dechunk = new Dechunker();
        this.head = null;
        body = all.subarray(end + 4);
      }
      const parts = this.dechunk ? this.dechunk.push(body) : [body];
      for (const part of parts) {
        for (const tag of this.demux.push(part)) if (tag.type === FLV_VIDEO) this.onVideo(tag.timestamp, tag.body, now);
      }
    } catch (e) {
      this.protocolError(e);
    }
  }
}

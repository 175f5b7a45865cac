/**
 * A benchmark RTMP player on the product's own client (core/rtmp/client.ts): plain handshake, connect,
 * createStream, play, then records video messages. The client answers pings and sends acknowledgements like
 * a real player, so servers keep sending.
 */
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../../core/rtmp/client';
import { PlayerStats, type WindowClock } from './player-stats';

export class RtmpPlayClient extends PlayerStats {
  private client: RtmpClient | null = null;
  private stopped = false;

  constructor(clock: WindowClock, private readonly host: string, private readonly port: number, private readonly app: string, private readonly name: string) {
    super(clock);
  }

  start(): void {
    this.connectAt = performance.now();
    const target = { secure: false, host: this.host, port: this.port, app: this.app, name: '', tcUrl: `rtmp://${this.host}:${this.port}/${this.app}` };
    RtmpClient.open(target, { chunkSize: 128, maxMessageSize: 16 * 1024 * 1024, timeoutMs: 30_000 })
      .then(async (c) => {
        this.client = c;
        if (this.stopped) return c.destroy();
        c.on('media', (m) => {
          if (m.type === MSG.VIDEO) this.onVideo(m.timestamp, m.payload, performance.now());
        });
        c.on('close', (reason, e) => this.finish(e && (e.code === 'FORMAT' || e.code === 'PROTOCOL') ? `protocol: ${e.message}` : reason === 'closed by server' ? reason : `error: ${reason}`));
        await c.connect({
          flashVer: 'LNX 9,0,124,2', fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1, objectEncoding: 0,
        });
        await c.play(this.name, { bufferMs: 1000 });
      })
      .catch((e: unknown) => {
        this.finish(`error: ${(e as Error).message}`);
        this.client?.destroy();
      });
  }

  close(): void {
    this.stopped = true;
    this.finish('closed by bench');
    this.client?.destroy();
  }
}

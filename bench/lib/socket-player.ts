/** A benchmark player over one plain net.Socket: connect, write a greeting, feed every read to onData. */
import net from 'node:net';
import { PlayerStats, type WindowClock } from './player-stats';

export abstract class SocketPlayer extends PlayerStats {
  protected socket: net.Socket | null = null;

  constructor(clock: WindowClock, protected readonly host: string, protected readonly port: number) {
    super(clock);
  }

  start(): void {
    this.connectAt = performance.now();
    const s = net.connect({ host: this.host, port: this.port });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => s.write(this.greeting()));
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e) => this.finish(`error: ${e.message}`));
    s.on('close', () => this.finish('closed by server'));
  }

  close(): void {
    this.finish('closed by bench');
    this.socket?.destroy();
  }

  /** The first bytes to write once connected (the request, the handshake). */
  protected abstract greeting(): string | Buffer;

  protected abstract onData(d: Buffer): void;

  /** Ends the player on a protocol error from the server's bytes. */
  protected protocolError(e: unknown): void {
    this.finish(`protocol: ${(e as Error).message}`);
    this.socket?.destroy();
  }
}

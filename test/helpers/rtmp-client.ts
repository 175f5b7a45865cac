import net from 'node:net';
import type { AmfValue } from '../../core/format/amf/amf';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import { ClientHandshake } from '../../core/format/rtmp/rtmp-handshake';
import { MSG, commandMsg, decodeCommand, setChunkSizeMsg } from '../../core/format/rtmp/rtmp-messages';

export interface StatusEvent {
  streamId: number;
  level: string;
  code: string;
  description: string;
}

/**
 * A small scripted RTMP client for tests: it sees every onStatus, every media message and the close,
 * so tests can assert exact protocol behaviour that ffmpeg hides.
 */
export class TestRtmpClient {
  readonly socket: net.Socket;
  readonly statuses: StatusEvent[] = [];
  readonly media: RtmpMessage[] = [];
  readonly results = new Map<number, AmfValue[]>();
  closed = false;
  private readonly hs: ClientHandshake;
  private reader = new ChunkReader();
  private ready = false;
  private tid = 1;
  private waiters: Array<() => void> = [];
  private chunkSize = 128;

  private constructor(socket: net.Socket, complex: boolean) {
    this.socket = socket;
    this.hs = new ClientHandshake({ complex });
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.write(this.hs.c0c1());
  }

  static async connect(port: number, opts: { complex?: boolean } = {}): Promise<TestRtmpClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => {
      socket.once('connect', res);
      socket.once('error', rej);
    });
    const c = new TestRtmpClient(socket, opts.complex ?? false);
    await c.until(() => c.ready || c.closed, 'handshake');
    return c;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private onData(d: Buffer): void {
    let chunk: Buffer | null = d;
    if (!this.ready) {
      const r = this.hs.push(d);
      if (r.send) this.socket.write(r.send);
      if (!r.done) return;
      this.ready = true;
      chunk = r.rest;
    }
    if (chunk && chunk.length) {
      for (const m of this.reader.push(chunk)) this.onMessage(m);
    }
    this.wake();
  }

  private onMessage(m: RtmpMessage): void {
    if (m.type === MSG.COMMAND_AMF0) {
      const c = decodeCommand(m);
      if (c.name === 'onStatus') {
        const info = (c.args[0] ?? {}) as Record<string, string>;
        this.statuses.push({ streamId: m.streamId, level: info.level, code: info.code, description: info.description });
      } else if (c.name === '_result' || c.name === '_error') {
        this.results.set(c.transactionId, [c.name, c.commandObject, ...c.args]);
      }
    } else if (m.type === MSG.AUDIO || m.type === MSG.VIDEO || m.type === MSG.DATA_AMF0) {
      this.media.push(m);
    }
  }

  /** Wait until `cond` holds (re-checked on every incoming chunk). */
  async until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`rtmp client: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(m: RtmpMessage): void {
    this.socket.write(encodeChunks(m, this.chunkSize));
  }

  setChunkSize(n: number): void {
    this.send(setChunkSizeMsg(n));
    this.chunkSize = n;
  }

  async call(name: string, cmdObj: AmfValue, args: AmfValue[] = [], streamId = 0): Promise<AmfValue[]> {
    const id = this.tid++;
    this.send(commandMsg(streamId, [name, id, cmdObj, ...args]));
    await this.until(() => this.results.has(id) || this.closed, `${name} result`);
    const r = this.results.get(id);
    if (!r) throw new Error(`connection closed before ${name} result`);
    return r;
  }

  async connectApp(app: string, port: number): Promise<AmfValue[]> {
    return this.call('connect', { app, type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl: `rtmp://127.0.0.1:${port}/${app}` });
  }

  async createStream(): Promise<number> {
    const r = await this.call('createStream', null);
    return r[2] as number;
  }

  /** publish or play; resolves with the first onStatus for that stream (or null if the server closed). */
  async start(kind: 'publish' | 'play', streamId: number, name: string): Promise<StatusEvent | null> {
    const before = this.statuses.length;
    this.send(commandMsg(streamId, [kind, 0, null, name, ...(kind === 'publish' ? ['live'] : [])], 8));
    await this.until(() => this.statuses.length > before || this.closed, `${kind} status`);
    return this.statuses[before] ?? null;
  }

  sendMedia(streamId: number, type: 8 | 9 | 18, timestamp: number, payload: Buffer): void {
    this.send({ csid: type === 9 ? 6 : type === 8 ? 4 : 5, type, streamId, timestamp, payload });
  }

  close(): void {
    this.socket.destroy();
  }
}

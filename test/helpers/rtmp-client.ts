import type net from 'node:net';
import type { AmfValue } from '../../core/format/amf/amf';
import type { RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import { MSG } from '../../core/format/rtmp/rtmp-messages';
import { RtmpClient } from '../../core/rtmp/client';

export interface StatusEvent {
  streamId: number;
  level: string;
  code: string;
  description: string;
}

/**
 * A scripted RTMP client for tests, a thin wrapper over core/rtmp/client.ts: it records every onStatus, every
 * media message and the close, and lets a test send commands step by step, so tests can assert exact protocol
 * behaviour that ffmpeg hides.
 */
export class TestRtmpClient {
  readonly socket: net.Socket;
  readonly statuses: StatusEvent[] = [];
  readonly media: RtmpMessage[] = [];
  readonly results = new Map<number, AmfValue[]>();
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly client: RtmpClient) {
    this.socket = client.socket;
    client.on('status', (s) => this.statuses.push({ streamId: s.streamId, level: s.level, code: s.code, description: s.description }));
    client.on('media', (m) => {
      if (m.type === MSG.AUDIO || m.type === MSG.VIDEO || m.type === MSG.DATA_AMF0) this.media.push(m);
    });
    client.on('close', () => {
      this.closed = true;
      this.wake();
    });
    // registered after the client's own listener: wakes waiters once a read has been processed
    this.socket.on('data', () => this.wake());
  }

  static async connect(port: number, opts: { complex?: boolean } = {}): Promise<TestRtmpClient> {
    const target = { secure: false, host: '127.0.0.1', port, app: '', name: '', tcUrl: `rtmp://127.0.0.1:${port}` };
    const c = await RtmpClient.open(target, { complex: opts.complex ?? false, chunkSize: 128, timeoutMs: 8000 });
    return new TestRtmpClient(c);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
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
    this.client.send(m);
  }

  setChunkSize(n: number): void {
    this.client.setChunkSize(n);
  }

  /** A command with a transaction id: [_result|_error, commandObject, ...args]. */
  async call(name: string, cmdObj: AmfValue, args: AmfValue[] = [], streamId = 0): Promise<AmfValue[]> {
    const id = this.client.nextTransactionId;
    const r = await this.client.call(name, cmdObj, args, streamId);
    const values = [r.name, r.commandObject, ...r.args];
    this.results.set(id, values);
    return values;
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
    this.client.command(streamId, [kind, 0, null, name, ...(kind === 'publish' ? ['live'] : [])]);
    await this.until(() => this.statuses.length > before || this.closed, `${kind} status`);
    return this.statuses[before] ?? null;
  }

  sendMedia(streamId: number, type: 8 | 9 | 18, timestamp: number, payload: Buffer): void {
    if (type === MSG.VIDEO) this.client.sendVideo(streamId, timestamp, payload);
    else if (type === MSG.AUDIO) this.client.sendAudio(streamId, timestamp, payload);
    else this.client.sendData(streamId, timestamp, payload);
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * One RTMP client connection below the NetConnection/NetStream commands (client.ts): the socket, the handshake,
 * the chunk stream, and what a client owes a server so it keeps sending — ping responses, an acknowledgement
 * for every window of bytes, its own window in answer to Set Peer Bandwidth. Commands wait for their _result
 * by transaction id and for onStatus by stream; every failure is an OnAirError.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type tls from 'node:tls';
import type { AmfObject, AmfValue } from '../format/amf/amf';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../format/rtmp/rtmp-chunk';
import { ClientHandshake } from '../format/rtmp/rtmp-handshake';
import {
  MSG, UC, ackMsg, commandMsg, decodeCommand, setChunkSizeMsg, splitAggregate, userControlMsg, windowAckSizeMsg,
} from '../format/rtmp/rtmp-messages';
import { OnAirError, isOnAirError } from '../errors';
import type { RtmpTarget, SocketFactory } from './client-target';
import { CallTable, StatusWaiters, type CallResult, type RtmpStatus } from './client-waits';

export interface RtmpClientOptions {
  /** opens the byte stream (default: TCP, TLS for rtmps://) */
  socketFactory?: SocketFactory;
  /** extra TLS options for rtmps:// with the default factory (e.g. a private `ca`) */
  tls?: tls.ConnectionOptions;
  /** send a Flash-style digest C1 (default false: plain handshake) */
  complex?: boolean;
  /** connect + handshake, and each command's answer, must come within this (default 10 s) */
  timeoutMs?: number;
  /** outgoing chunk size, announced once connect succeeds (default 4096; 128 keeps the protocol default) */
  chunkSize?: number;
  /** the window we ask the server to acknowledge (default 2.5 MB; 0: announce none) */
  windowAckSize?: number;
  /** largest message accepted from the server (default 16 MiB) */
  maxMessageSize?: number;
  flashVer?: string;
}

export interface RtmpClientEvents {
  status: [status: RtmpStatus];
  /** audio (8), video (9) and data (18/15) messages, aggregates already split */
  media: [message: RtmpMessage];
  /** a command from the server that is neither a result nor onStatus (onBWDone, onFCPublish, …) */
  command: [name: string, values: AmfValue[], streamId: number];
  /** user control events (stream begin/EOF/dry…); pings are answered before this fires */
  control: [event: number, value: number];
  close: [reason: string, error: OnAirError | null];
  /** an Acknowledgement from the server: the byte count it says it received (32-bit, wraps) */
  ack: [sequence: number];
}

export const CSID = { command: 3, stream: 8, audio: 4, video: 6, data: 5 } as const;

export class RtmpConnection extends EventEmitter<RtmpClientEvents> {
  private readonly hs: ClientHandshake;
  private hsDone = false;
  private hsWait: { resolve: () => void; reject: (e: OnAirError) => void } | null = null;
  private readonly reader: ChunkReader;
  private readonly calls: CallTable;
  private readonly waits = new StatusWaiters();
  private outChunk = 128;
  private peerWindow = 0;
  private lastAck = 0;
  protected announcedWindow = 0;
  protected tid = 1;
  protected ending = false;
  protected finished = false;
  bytesIn = 0;
  bytesOut = 0;
  /** the last Acknowledgement sequence number the server sent (0: none yet) */
  lastAckFromPeer = 0;

  protected constructor(readonly socket: net.Socket, readonly target: RtmpTarget, protected readonly opts: RtmpClientOptions) {
    super();
    this.hs = new ClientHandshake({ complex: opts.complex ?? false });
    this.reader = new ChunkReader({ maxMessageSize: opts.maxMessageSize ?? 16 * 1024 * 1024 });
    this.calls = new CallTable(opts.timeoutMs ?? 10_000);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.finish(`socket error: ${e.message}`, new OnAirError('IO', e.message, e)));
    socket.on('close', () => this.finish(this.ending ? 'closed' : 'closed by server', null));
  }

  protected handshake(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new OnAirError('IO', `RTMP handshake not done within ${timeoutMs} ms`)), timeoutMs);
      this.hsWait = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.write(this.hs.c0c1());
    });
  }

  get closed(): boolean {
    return this.finished;
  }

  /** bytes written but not yet sent (a publisher's backpressure signal) */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /** the transaction id the next call() will use */
  get nextTransactionId(): number {
    return this.tid;
  }

  get chunkSize(): number {
    return this.outChunk;
  }

  /** A command with a transaction id; resolves with the server's _result or _error. */
  call(name: string, commandObject: AmfValue, args: AmfValue[] = [], streamId = 0): Promise<CallResult> {
    const id = this.tid++;
    const p = this.calls.wait(id, name);
    this.command(streamId, [name, id, commandObject, ...args]);
    return p;
  }

  /** A command nobody answers by transaction (publish, play, deleteStream, FCPublish…). */
  command(streamId: number, values: AmfValue[], csid: number = streamId === 0 ? CSID.command : CSID.stream): void {
    this.send(commandMsg(streamId, values, csid));
  }

  /** Next onStatus on `streamId` whose code is one of `codes`; an error-level status rejects. */
  waitStatus(streamId: number, codes: string[], what: string): Promise<RtmpStatus> {
    if (this.finished) return Promise.reject(new OnAirError('IO', `connection closed before ${what}`));
    return this.waits.wait(streamId, codes, what, this.opts.timeoutMs ?? 10_000);
  }

  setChunkSize(size: number): void {
    this.send(setChunkSizeMsg(size));
    this.outChunk = size;
  }

  send(m: RtmpMessage): void {
    this.write(encodeChunks(m, this.outChunk));
  }

  /** Graceful close: send what is queued, end the socket (destroyed if the peer lingers). */
  close(): void {
    if (this.ending || this.finished) return;
    this.ending = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.ending = true;
    this.socket.destroy();
  }

  private write(b: Buffer): void {
    if (this.finished || this.socket.destroyed || this.ending) return;
    this.bytesOut += b.length;
    this.socket.write(b);
  }

  protected announceWindow(size: number): void {
    this.announcedWindow = size;
    this.send(windowAckSizeMsg(size));
  }

  private onData(d: Buffer): void {
    if (this.finished) return;
    this.bytesIn += d.length;
    try {
      let chunk: Buffer | null = d;
      if (!this.hsDone) {
        const r = this.hs.push(d);
        if (r.send) this.write(r.send);
        if (!r.done) return;
        this.hsDone = true;
        this.hsWait?.resolve();
        this.hsWait = null;
        chunk = r.rest;
      }
      if (chunk !== null && chunk.length > 0) for (const m of this.reader.push(chunk)) this.onMessage(m);
      if (this.peerWindow > 0 && this.bytesIn - this.lastAck >= this.peerWindow) {
        this.lastAck = this.bytesIn;
        this.send(ackMsg(this.bytesIn));
      }
    } catch (e) {
      this.fail(isOnAirError(e) ? e : new OnAirError('INTERNAL', (e as Error).message, e));
    }
  }

  private onMessage(m: RtmpMessage): void {
    switch (m.type) {
      case MSG.AUDIO:
      case MSG.VIDEO:
      case MSG.DATA_AMF0:
      case MSG.DATA_AMF3:
        this.emit('media', m);
        return;
      case MSG.AGGREGATE:
        for (const sub of splitAggregate(m)) this.emit('media', sub);
        return;
      case MSG.COMMAND_AMF0:
      case MSG.COMMAND_AMF3:
        return this.onCommand(m);
      case MSG.WINDOW_ACK_SIZE:
        if (m.payload.length < 4) throw new OnAirError('FORMAT', 'short Window Acknowledgement Size');
        this.peerWindow = m.payload.readUInt32BE(0);
        return;
      case MSG.SET_PEER_BANDWIDTH: {
        // the server limits our output window: answer with our window size when it differs (RTMP spec 5.4.5)
        if (m.payload.length < 4) throw new OnAirError('FORMAT', 'short Set Peer Bandwidth');
        const size = m.payload.readUInt32BE(0);
        if (size > 0 && size !== this.announcedWindow && (this.opts.windowAckSize ?? 1) > 0) this.announceWindow(size);
        return;
      }
      case MSG.USER_CONTROL: {
        if (m.payload.length < 6) throw new OnAirError('FORMAT', 'short User Control message');
        const ev = m.payload.readUInt16BE(0);
        const value = m.payload.readUInt32BE(2);
        if (ev === UC.PING_REQUEST) this.send(userControlMsg(UC.PING_RESPONSE, value));
        this.emit('control', ev, value);
        return;
      }
      case MSG.ACK:
        if (m.payload.length < 4) throw new OnAirError('FORMAT', 'short Acknowledgement');
        this.lastAckFromPeer = m.payload.readUInt32BE(0);
        this.emit('ack', this.lastAckFromPeer);
        return;
      default:
        return; // set chunk size / abort are applied by the reader; shared objects are informational
    }
  }

  private onCommand(m: RtmpMessage): void {
    const c = decodeCommand(m);
    if (c.name === '_result' || c.name === '_error') {
      this.calls.settle(c.transactionId, { name: c.name, commandObject: c.commandObject, args: c.args });
    } else if (c.name === 'onStatus') {
      const info = c.args[0];
      const o = (typeof info === 'object' && info !== null && !Array.isArray(info) && !(info instanceof Date) ? info : {}) as AmfObject;
      const s: RtmpStatus = { streamId: m.streamId, level: str(o.level), code: str(o.code), description: str(o.description), info: o };
      this.emit('status', s);
      this.waits.onStatus(s);
    } else {
      this.emit('command', c.name, [c.commandObject, ...c.args], m.streamId);
    }
  }

  private fail(e: OnAirError): void {
    this.socket.destroy();
    this.finish(`${e.code}: ${e.message}`, e);
  }

  private finish(reason: string, error: OnAirError | null): void {
    if (this.finished) return;
    this.finished = true;
    const e = error ?? new OnAirError('IO', `connection closed (${reason})`);
    this.hsWait?.reject(e);
    this.hsWait = null;
    this.calls.failAll(e);
    this.waits.failAll(e);
    this.socket.destroy();
    this.emit('close', reason, error);
  }
}

function str(v: AmfValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

export function statusText(v: AmfValue | undefined): string {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
    const o = v as AmfObject;
    return [o.code, o.description].filter((x) => typeof x === 'string' && x).join(': ') || 'no reason given';
  }
  return typeof v === 'string' ? v : 'no reason given';
}

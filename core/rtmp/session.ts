import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AmfValue } from '../format/amf/amf';
import { ChunkReader, encodeChunks, type RtmpMessage } from '../format/rtmp/rtmp-chunk';
import { ServerHandshake } from '../format/rtmp/rtmp-handshake';
import {
  MSG, UC, ackMsg, commandMsg, decodeCommand, decodeData, setChunkSizeMsg, setPeerBandwidthMsg, splitAggregate,
  userControlMsg, windowAckSizeMsg,
} from '../format/rtmp/rtmp-messages';
import { OnAirError, isOnAirError } from '../errors';
import { newSessionId, type Session } from '../media/sessions';
import type { ServerContext } from '../context';
import { NetStreams } from './netstream';
import { Deadline, connectedLimits, isConnectCommand, preconnectLimits } from './preconnect';

const WINDOW_ACK = 5_000_000;

/**
 * One RTMP connection: handshake, chunk stream, protocol control, and command dispatch. Commands that
 * wait for event hooks pause the socket; messages already read wait in order behind them.
 */
export class RtmpSession implements Session {
  readonly id = newSessionId();
  readonly kind = 'rtmp' as const;
  readonly ip: string;
  readonly connectCreated = new Date();
  rejected = false;
  readonly log: Logger;
  app = '';
  connectArgs: Record<string, AmfValue> = {};
  outChunkSize = 128;
  private readonly handshake = new ServerHandshake();
  private handshakeDone = false;
  private readonly reader: ChunkReader;
  private peerWindow = 0;
  private lastAck = 0;
  private handshakeBytes = 0;
  private lastRecv = Date.now();
  private pingTimer: NodeJS.Timeout | null = null;
  /** the handshake, then the connect command, must arrive in time */
  private readonly deadline = new Deadline((e) => this.fail(e));
  private busy = false;
  private backlog: RtmpMessage[] = [];
  private closed = false;
  readonly streams: NetStreams;
  bytesIn = 0;

  constructor(readonly socket: Socket, readonly ctx: ServerContext) {
    this.ip = socket.remoteAddress ?? '';
    this.log = ctx.log.child({ session: this.id, ip: this.ip, proto: 'rtmp' });
    const cfg = ctx.config();
    this.reader = new ChunkReader(preconnectLimits(cfg));
    this.reader.haltAfter(isConnectCommand);
    this.deadline.arm(cfg.limits.rtmp_handshake_timeout_ms, 'handshake');
    this.streams = new NetStreams(this);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    socket.on('close', () => this.close('peer closed'));
    ctx.sessions.add(this);
    this.startPing();
  }

  reject(reason = 'rejected'): void {
    this.rejected = true;
    // A handler may call reject() synchronously inside a pre* hook, before the session marks itself busy:
    // decide after the current call stack, when a pending hook will report the rejection itself.
    queueMicrotask(() => {
      if (!this.busy) this.close(reason);
    });
  }

  private startPing(): void {
    const { ping, ping_timeout } = this.ctx.config().rtmp;
    if (ping <= 0) return;
    this.pingTimer = setInterval(() => {
      if (ping_timeout > 0 && Date.now() - this.lastRecv > ping_timeout * 1000) {
        this.close(`ping timeout: nothing received for ${ping_timeout} s`);
        return;
      }
      if (this.handshakeDone) this.send(userControlMsg(UC.PING_REQUEST, (Date.now() - this.connectCreated.getTime()) >>> 0));
    }, ping * 1000);
    this.pingTimer.unref();
  }

  private onData(d: Buffer): void {
    if (this.closed) return;
    this.lastRecv = Date.now();
    this.bytesIn += d.length;
    this.ctx.net.inBytes += d.length;
    try {
      let chunk: Buffer | null = d;
      if (!this.handshakeDone) {
        const r = this.handshake.push(d);
        if (r.send) this.write(r.send);
        if (!r.done) {
          this.handshakeBytes += d.length;
          return;
        }
        this.handshakeDone = true;
        this.deadline.arm(this.ctx.config().limits.rtmp_handshake_timeout_ms, 'connect after handshake');
        this.handshakeBytes += d.length - (r.rest?.length ?? 0);
        chunk = r.rest;
        if (!chunk || chunk.length === 0) return;
      }
      const msgs = this.reader.push(chunk);
      if (this.busy) this.backlog.push(...msgs);
      else this.process(msgs, 0);
      this.maybeAck();
    } catch (e) {
      this.fail(e);
    }
    this.streams.flush();
  }

  private maybeAck(): void {
    if (this.peerWindow <= 0) return;
    const total = this.reader.bytesRead + this.handshakeBytes;
    if (total - this.lastAck >= this.peerWindow) {
      this.lastAck = total;
      this.send(ackMsg(total >>> 0));
    }
  }

  /** Handle messages in order; stop at one that waits for hooks and resume after it. */
  private process(msgs: RtmpMessage[], from: number): void {
    for (let i = from; i < msgs.length; i++) {
      if (this.closed) return;
      const wait = this.handle(msgs[i]);
      if (wait) {
        this.busy = true;
        this.socket.pause();
        const rest = msgs.slice(i + 1);
        wait.then(
          () => this.resume(rest),
          (e: unknown) => this.fail(e),
        );
        return;
      }
    }
  }

  private resume(rest: RtmpMessage[]): void {
    this.busy = false;
    if (this.closed) return;
    if (this.rejected) {
      this.close('rejected');
      return;
    }
    const queued = rest.concat(this.backlog);
    this.backlog = [];
    try {
      this.process(queued, 0);
      // bytes the reader kept unread after `connect`: now read under the limits connect decided
      if (!this.busy && !this.closed) {
        this.process(this.reader.release(), 0);
        this.maybeAck();
      }
    } catch (e) {
      this.fail(e);
    }
    this.streams.flush();
    if (!this.busy && !this.closed) this.socket.resume();
  }

  /** Returns a promise when the message waits for event hooks. */
  private handle(m: RtmpMessage): Promise<void> | void {
    switch (m.type) {
      case MSG.AUDIO: {
        this.streams.publishing(m.streamId)?.audio(m.timestamp, m.payload);
        return;
      }
      case MSG.VIDEO: {
        this.streams.publishing(m.streamId)?.video(m.timestamp, m.payload);
        return;
      }
      case MSG.DATA_AMF0:
      case MSG.DATA_AMF3: {
        const h = this.streams.publishing(m.streamId);
        if (!h) return;
        const raw = m.type === MSG.DATA_AMF3 ? m.payload.subarray(1) : m.payload;
        h.data(m.timestamp, decodeData(m), raw);
        return;
      }
      case MSG.AGGREGATE:
        for (const sub of splitAggregate(m)) this.handle(sub);
        return;
      case MSG.COMMAND_AMF0:
      case MSG.COMMAND_AMF3:
        return this.onCommand(m);
      case MSG.SET_CHUNK_SIZE:
      case MSG.ABORT:
      case MSG.ACK:
        return; // applied by the chunk reader / informational
      case MSG.WINDOW_ACK_SIZE:
        if (m.payload.length < 4) throw new OnAirError('FORMAT', 'short Window Acknowledgement Size');
        this.peerWindow = m.payload.readUInt32BE(0);
        return;
      case MSG.SET_PEER_BANDWIDTH:
        return;
      case MSG.USER_CONTROL:
        return this.onUserControl(m.payload);
      case MSG.SHARED_OBJECT_AMF0:
      case MSG.SHARED_OBJECT_AMF3:
        return; // shared objects are not supported; ignored like other servers do
      default:
        throw new OnAirError('PROTOCOL', `unknown RTMP message type ${m.type}`);
    }
  }

  private onUserControl(p: Buffer): void {
    if (p.length < 2) throw new OnAirError('FORMAT', 'short User Control message');
    const ev = p.readUInt16BE(0);
    if (ev === UC.PING_REQUEST && p.length >= 6) this.send(userControlMsg(UC.PING_RESPONSE, p.readUInt32BE(2)));
  }

  private onCommand(m: RtmpMessage): Promise<void> | void {
    const cmd = decodeCommand(m);
    switch (cmd.name) {
      case 'connect':
        return this.onConnect(cmd.transactionId, cmd.commandObject);
      case 'createStream':
        return this.streams.create(cmd.transactionId);
      case 'publish':
        return this.streams.publish(m.streamId, cmd.args);
      case 'play':
        return this.streams.play(m.streamId, cmd.args);
      case 'deleteStream':
        return this.streams.remove(typeof cmd.args[0] === 'number' ? cmd.args[0] : m.streamId, 'deleteStream');
      case 'closeStream':
        return this.streams.remove(m.streamId, 'closeStream');
      case 'FCUnpublish':
        return this.streams.unpublishByName(typeof cmd.args[0] === 'string' ? cmd.args[0] : '');
      case 'pause':
        return this.streams.pause(m.streamId, cmd.args[0] === true);
      case 'releaseStream':
      case 'FCPublish':
      case 'getStreamLength':
      case 'receiveAudio':
      case 'receiveVideo':
      case '_checkbw':
      case '_result':
      case '_error':
      case 'onBWDone':
        return;
      default:
        this.log.debug({ command: cmd.name }, 'ignoring unknown command');
    }
  }

  private async onConnect(tid: number, obj: AmfValue): Promise<void> {
    if (this.app) throw new OnAirError('PROTOCOL', 'connect sent twice');
    this.deadline.clear();
    const o = (typeof obj === 'object' && obj !== null && !Array.isArray(obj) && !(obj instanceof Date) ? obj : {}) as Record<string, AmfValue>;
    const rawApp = typeof o.app === 'string' ? o.app : '';
    const app = rawApp.split('?')[0].replace(/\/+$/, '');
    this.connectArgs = o;
    this.app = app || '-';
    const args = { ...o } as Record<string, unknown>;
    const pre = await this.ctx.hooks.pre('preConnect', this, null, args);
    if (!pre.ok || this.rejected) {
      this.sendCommand(0, ['_error', tid, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: pre.ok ? 'rejected' : pre.reason }]);
      this.close(pre.ok ? 'connect rejected' : pre.reason);
      return;
    }
    this.reader.setLimits(connectedLimits(this.ctx.config()));
    this.reader.haltAfter(null);
    const chunkSize = this.ctx.config().rtmp.chunk_size;
    this.send(windowAckSizeMsg(WINDOW_ACK));
    this.send(setPeerBandwidthMsg(WINDOW_ACK, 2));
    this.send(setChunkSizeMsg(chunkSize));
    this.outChunkSize = chunkSize;
    const enc = typeof o.objectEncoding === 'number' ? o.objectEncoding : 0;
    this.sendCommand(0, [
      '_result', tid,
      { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: enc },
    ]);
    this.log.info({ app: this.app, tcUrl: o.tcUrl, flashVer: o.flashVer }, 'rtmp connect');
    this.ctx.hooks.post('postConnect', this, null, args);
  }

  send(msg: RtmpMessage): void {
    this.write(encodeChunks(msg, this.outChunkSize));
  }

  sendCommand(streamId: number, values: AmfValue[]): void {
    this.send(commandMsg(streamId, values));
  }

  write(buf: Buffer): void {
    if (this.closed) return;
    this.ctx.net.outBytes += buf.length;
    this.socket.write(buf);
  }

  private fail(e: unknown): void {
    if (isOnAirError(e)) this.close(`${e.code}: ${e.message}`);
    else {
      this.log.error({ err: e }, 'unexpected error in rtmp session');
      this.close(`internal error: ${(e as Error).message}`);
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.deadline.clear();
    const level = reason === 'peer closed' ? 'info' : 'warn';
    this.log[level]({ reason, bytesIn: this.bytesIn }, 'rtmp session closed');
    this.streams.closeAll(reason);
    this.socket.destroy();
    this.ctx.sessions.remove(this);
    if (this.app) this.ctx.hooks.post('doneConnect', this, null, { ...this.connectArgs });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

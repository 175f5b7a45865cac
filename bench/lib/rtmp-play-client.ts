/**
 * A minimal RTMP player over a plain net.Socket: plain handshake, connect, createStream, play, then parse
 * chunks and record video messages. Answers pings and sends acknowledgements like a real client.
 */
import { ChunkReader, encodeChunks, type RtmpMessage } from '../../core/format/rtmp/rtmp-chunk';
import { ClientHandshake } from '../../core/format/rtmp/rtmp-handshake';
import { MSG, UC, ackMsg, commandMsg, decodeCommand, userControlMsg } from '../../core/format/rtmp/rtmp-messages';
import type { WindowClock } from './player-stats';
import { SocketPlayer } from './socket-player';

const OUT_CHUNK = 128;
const TID_CONNECT = 1;
const TID_CREATE = 2;

export class RtmpPlayClient extends SocketPlayer {
  private readonly hs = new ClientHandshake();
  private hsDone = false;
  private readonly reader = new ChunkReader({ maxMessageSize: 16 * 1024 * 1024 });
  private ackWindow = 0;
  private lastAck = 0;

  constructor(clock: WindowClock, host: string, port: number, private readonly app: string, private readonly name: string) {
    super(clock, host, port);
  }

  protected greeting(): Buffer {
    return this.hs.c0c1();
  }

  private send(m: RtmpMessage): void {
    this.socket?.write(encodeChunks(m, OUT_CHUNK));
  }

  protected onData(d: Buffer): void {
    const now = performance.now();
    let data: Buffer | null = d;
    try {
      if (!this.hsDone) {
        const r = this.hs.push(d);
        if (!r.done) return;
        this.hsDone = true;
        if (r.send) this.socket?.write(r.send);
        this.send(commandMsg(0, ['connect', TID_CONNECT, {
          app: this.app, flashVer: 'LNX 9,0,124,2', tcUrl: `rtmp://${this.host}:${this.port}/${this.app}`, fpad: false,
          capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1, objectEncoding: 0,
        }]));
        data = r.rest;
        if (data === null) return;
      }
      for (const m of this.reader.push(data)) this.onMessage(m, now);
    } catch (e) {
      this.protocolError(e);
      return;
    }
    if (this.ackWindow > 0 && this.reader.bytesRead - this.lastAck >= this.ackWindow) {
      this.lastAck = this.reader.bytesRead;
      this.send(ackMsg(this.lastAck));
    }
  }

  private onMessage(m: RtmpMessage, now: number): void {
    switch (m.type) {
      case MSG.VIDEO:
        this.onVideo(m.timestamp, m.payload, now);
        return;
      case MSG.WINDOW_ACK_SIZE:
        if (m.payload.length >= 4) this.ackWindow = m.payload.readUInt32BE(0);
        return;
      case MSG.USER_CONTROL:
        if (m.payload.length >= 6 && m.payload.readUInt16BE(0) === UC.PING_REQUEST) this.send(userControlMsg(UC.PING_RESPONSE, m.payload.readUInt32BE(2)));
        return;
      case MSG.COMMAND_AMF0:
        this.onCommand(m);
        return;
      default:
    }
  }

  private onCommand(m: RtmpMessage): void {
    const cmd = decodeCommand(m);
    if (cmd.name === '_result' && cmd.transactionId === TID_CONNECT) {
      this.send(commandMsg(0, ['createStream', TID_CREATE, null]));
    } else if (cmd.name === '_result' && cmd.transactionId === TID_CREATE) {
      const id = typeof cmd.args[0] === 'number' ? cmd.args[0] : 1;
      this.send(commandMsg(id, ['play', 0, null, this.name], 8));
      this.send(userControlMsg(UC.SET_BUFFER_LENGTH, id, 1000));
    } else if (cmd.name === '_error') {
      throw new Error(`server refused transaction ${cmd.transactionId}`);
    } else if (cmd.name === 'onStatus') {
      const info = cmd.args[0];
      if (typeof info === 'object' && info !== null && !Array.isArray(info) && !(info instanceof Date) && info.level === 'error') {
        throw new Error(`onStatus ${String(info.code)}`);
      }
    }
  }
}

/**
 * An RTMP client: publish to or play from any RTMP(S) server (our studio, nginx-rtmp, Node-Media-Server,
 * YouTube, Twitch). Built on the shared handshake and chunk codec in core/format/rtmp. It behaves as a client
 * must so servers keep sending: answers pings, acknowledges every window of bytes, announces its window.
 *
 *   const c = await RtmpClient.connect('rtmp://host/live');   // TCP (or TLS for rtmps) + handshake + connect
 *   const id = await c.publish('key');                         // resolves at NetStream.Publish.Start
 *   c.sendVideo(id, ts, flvVideoBody); c.sendAudio(id, ts, flvAudioBody);
 *   c.close();                                                 // deleteStream, then a graceful end
 *
 * A player: `const id = await c.play('name')`, then the 'media' events. Every failure is an OnAirError:
 * a refused connect/publish/play rejects its promise, a broken connection emits 'close' with the error.
 */
import { AmfEcmaArray, type AmfObject, type AmfValue } from '../format/amf/amf';
import { MSG, UC, dataMsg, userControlMsg } from '../format/rtmp/rtmp-messages';
import { OnAirError } from '../errors';
import { CSID, RtmpConnection, statusText, type RtmpClientOptions } from './client-connection';
import { defaultSocketFactory, parseRtmpUrl, type RtmpTarget } from './client-target';

export { parseRtmpUrl, defaultSocketFactory, type RtmpTarget, type SocketFactory } from './client-target';
export type { RtmpClientEvents, RtmpClientOptions } from './client-connection';
export type { CallResult, RtmpStatus } from './client-waits';

export class RtmpClient extends RtmpConnection {
  private readonly publishing = new Map<number, string>();

  /** Open the socket and complete the handshake (no connect command yet). */
  static async open(target: RtmpTarget | string, opts: RtmpClientOptions = {}): Promise<RtmpClient> {
    const t = typeof target === 'string' ? parseRtmpUrl(target) : target;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const socket = await (opts.socketFactory ?? defaultSocketFactory(timeoutMs, opts.tls))(t);
    const c = new RtmpClient(socket, t, opts);
    await c.handshake(timeoutMs);
    return c;
  }

  /** open() + connect(): ready for createStream / publish / play. */
  static async connect(url: string | RtmpTarget, opts: RtmpClientOptions & { connectArgs?: AmfObject } = {}): Promise<RtmpClient> {
    const c = await RtmpClient.open(url, opts);
    try {
      await c.connect(opts.connectArgs);
    } catch (e) {
      c.destroy();
      throw e;
    }
    return c;
  }

  /** The connect command for the target's app; rejects with REJECTED when the server answers _error. */
  async connect(extra: AmfObject = {}): Promise<AmfValue> {
    const r = await this.call('connect', {
      app: this.target.app, type: 'nonprivate', flashVer: this.opts.flashVer ?? 'FMLE/3.0 (compatible; OnAir Studio)',
      tcUrl: this.target.tcUrl, ...extra,
    });
    if (r.name !== '_result') throw new OnAirError('REJECTED', `connect refused: ${statusText(r.args[0])}`);
    const window = this.opts.windowAckSize ?? 2_500_000;
    if (window > 0 && this.announcedWindow === 0) this.announceWindow(window);
    const size = this.opts.chunkSize ?? 4096;
    if (size !== this.chunkSize) this.setChunkSize(size);
    return r.args[0] ?? null;
  }

  async createStream(): Promise<number> {
    const r = await this.call('createStream', null);
    const id = r.args[0];
    if (r.name !== '_result' || typeof id !== 'number') throw new OnAirError('PROTOCOL', `createStream refused: ${statusText(r.args[0])}`);
    return id;
  }

  /** Publish `name` (with its ?query) on a new stream; resolves with the stream id at NetStream.Publish.Start. */
  async publish(name: string, opts: { type?: 'live' | 'record' | 'append'; streamId?: number } = {}): Promise<number> {
    this.command(0, ['releaseStream', this.tid++, null, name]);
    this.command(0, ['FCPublish', this.tid++, null, name]);
    const id = opts.streamId ?? (await this.createStream());
    const started = this.waitStatus(id, ['NetStream.Publish.Start'], `publish ${name}`);
    this.command(id, ['publish', 0, null, name, opts.type ?? 'live']);
    await started;
    this.publishing.set(id, name);
    return id;
  }

  /** Play `name` on a new stream; resolves with the stream id at NetStream.Play.Start. */
  async play(name: string, opts: { bufferMs?: number; streamId?: number } = {}): Promise<number> {
    const id = opts.streamId ?? (await this.createStream());
    const started = this.waitStatus(id, ['NetStream.Play.Start'], `play ${name}`);
    this.command(id, ['play', 0, null, name]);
    this.send(userControlMsg(UC.SET_BUFFER_LENGTH, id, opts.bufferMs ?? 1000));
    await started;
    return id;
  }

  sendAudio(streamId: number, timestamp: number, body: Buffer): void {
    this.send({ csid: CSID.audio, type: MSG.AUDIO, streamId, timestamp, payload: body });
  }

  sendVideo(streamId: number, timestamp: number, body: Buffer): void {
    this.send({ csid: CSID.video, type: MSG.VIDEO, streamId, timestamp, payload: body });
  }

  /** An AMF0 data message body as is (e.g. an FLV script tag's body). */
  sendData(streamId: number, timestamp: number, body: Buffer): void {
    this.send({ csid: CSID.data, type: MSG.DATA_AMF0, streamId, timestamp, payload: body });
  }

  /** "@setDataFrame onMetaData {…}", the way encoders announce their stream. */
  sendMetadata(streamId: number, meta: Record<string, AmfValue>): void {
    this.send(dataMsg(streamId, ['@setDataFrame', 'onMetaData', new AmfEcmaArray(meta)], CSID.data));
  }

  /** Stop publishing on one stream (FCUnpublish + deleteStream); the connection stays. */
  unpublish(streamId: number): void {
    const name = this.publishing.get(streamId);
    if (name === undefined) return;
    this.publishing.delete(streamId);
    this.command(0, ['FCUnpublish', this.tid++, null, name]);
    this.command(0, ['deleteStream', this.tid++, null, streamId]);
  }

  /** Graceful close: unpublish every stream, then end the connection. */
  override close(): void {
    if (this.ending || this.finished) return;
    for (const id of [...this.publishing.keys()]) this.unpublish(id);
    super.close();
  }
}

import { rtmpDenial } from '../auth/decisions';
import type { AmfValue } from '../format/amf/amf';
import { UC, dataMsg, userControlMsg } from '../format/rtmp/rtmp-messages';
import { PublishRefused, publish, type PublishHandle } from '../media/publish';
import type { Stream } from '../media/stream';
import { splitQuery, streamPath } from '../media/stream-path';
import { OnAirError, isOnAirError } from '../errors';
import { RtmpPlayer } from './player';
import type { RtmpSession } from './session';

interface PublishEntry { kind: 'publish'; stream: Stream; handle: PublishHandle; name: string }
interface PlayEntry { kind: 'play'; stream: Stream; player: RtmpPlayer; args: Record<string, string> }
type Entry = PublishEntry | PlayEntry;

const MAX_STREAMS_PER_CONNECTION = 64;

/** The NetStreams of one RTMP connection: several publishes and plays may share it. */
export class NetStreams {
  private nextId = 0;
  private readonly entries = new Map<number, Entry>();
  /** hot-path lookup for media messages */
  private readonly published = new Map<number, PublishHandle>();

  constructor(private readonly s: RtmpSession) {}

  create(tid: number): void {
    if (this.nextId >= MAX_STREAMS_PER_CONNECTION * 4) throw new OnAirError('LIMIT', 'too many createStream calls');
    const id = ++this.nextId;
    this.s.sendCommand(0, ['_result', tid, null, id]);
  }

  publishing(streamId: number): PublishHandle | undefined {
    return this.published.get(streamId);
  }

  flush(): void {
    for (const h of this.published.values()) h.flush();
  }

  private status(streamId: number, level: 'status' | 'error', code: string, description: string): void {
    this.s.sendCommand(streamId, ['onStatus', 0, null, { level, code, description }]);
  }

  /** Parse "name?query" against the connection's app; an invalid name closes the connection. */
  private target(raw: AmfValue, failCode: string, streamId: number): { app: string; name: string; path: string; query: Record<string, string> } | null {
    const { base, query } = splitQuery(typeof raw === 'string' ? raw : '');
    try {
      return { ...streamPath(this.s.app, base), query };
    } catch (e) {
      this.status(streamId, 'error', failCode, isOnAirError(e) ? e.message : 'invalid stream name');
      this.s.close(`refused: ${isOnAirError(e) ? e.message : 'invalid stream name'}`);
      return null;
    }
  }

  /** Ask the one authority; a refusal answers the table's onStatus code and closes the connection. */
  private checkSign(kind: 'publish' | 'play', path: string, query: Record<string, string>, streamId: number): boolean {
    const d = this.s.ctx.auth.authorize(kind, path, { via: 'rtmp', ip: this.s.ip, query });
    if (d.ok) return true;
    this.status(streamId, 'error', rtmpDenial(kind, d), `Authorization required (${d.message}).`);
    this.s.close(d.message);
    return false;
  }

  async publish(streamId: number, args: AmfValue[]): Promise<void> {
    if (this.entries.has(streamId)) throw new OnAirError('PROTOCOL', `stream ${streamId} is already in use`);
    if (streamId === 0 || streamId > this.nextId) throw new OnAirError('PROTOCOL', `publish on stream ${streamId} that was never created`);
    const t = this.target(args[0], 'NetStream.Publish.BadName', streamId);
    if (!t) return;
    const session = this.s;
    let handle: PublishHandle;
    try {
      handle = await publish(session.ctx, t.app, t.name, {
        session, protocol: 'rtmp', via: 'rtmp', query: t.query, log: session.log,
        bytes: () => session.bytesIn,
        closed: () => session.isClosed,
        accepted: (stream) => {
          session.send(userControlMsg(UC.STREAM_BEGIN, streamId));
          // stream.path: where it went live (with auth.keys on, the key's public name, not t.path)
          this.status(streamId, 'status', 'NetStream.Publish.Start', `${stream.path} is now published.`);
        },
      });
    } catch (e) {
      // with auth.keys on t.name is a secret key: the close reason (logged) names the app only
      if (e instanceof PublishRefused) return this.refused(streamId, session.ctx.config().auth.keys ? `/${t.app}/` : t.path, e);
      throw e;
    }
    // a `published` listener or postPublish handler may have closed the connection already
    if (session.isClosed) return handle.end('closed');
    this.entries.set(streamId, { kind: 'publish', stream: handle.stream, handle, name: t.name });
    this.published.set(streamId, handle);
  }

  /** The onStatus (and close) that answers a refused publish: the one authority's table, a busy name, a hook. */
  private refused(streamId: number, path: string, e: PublishRefused): void {
    if (e.denial) {
      this.status(streamId, 'error', rtmpDenial('publish', e.denial), `Authorization required (${e.denial.message}).`);
      this.s.close(e.denial.message);
    } else if (e.code === 'CONFLICT') {
      this.status(streamId, 'error', 'NetStream.Publish.BadName', e.message);
    } else if (e.code === 'REJECTED') {
      this.status(streamId, 'error', 'NetStream.Publish.Rejected', e.message);
      this.s.close(`publish ${path} rejected: ${e.message}`);
    } else if (e.code === 'BUSY') {
      // the cluster directory is unreachable (core/cluster): try again later
      this.status(streamId, 'error', 'NetStream.Publish.Failed', e.message);
      this.s.close(`publish ${path} refused: ${e.message}`);
    } // IO: the connection is gone
  }

  async play(streamId: number, args: AmfValue[]): Promise<void> {
    if (this.entries.has(streamId)) throw new OnAirError('PROTOCOL', `stream ${streamId} is already in use`);
    if (streamId === 0 || streamId > this.nextId) throw new OnAirError('PROTOCOL', `play on stream ${streamId} that was never created`);
    const t = this.target(args[0], 'NetStream.Play.StreamNotFound', streamId);
    if (!t || !this.checkSign('play', t.path, t.query, streamId)) return;
    const pre = await this.s.ctx.hooks.pre('prePlay', this.s, t.path, t.query);
    if (!pre.ok) {
      this.status(streamId, 'error', 'NetStream.Play.Rejected', pre.reason);
      this.s.close(`play ${t.path} rejected: ${pre.reason}`);
      return;
    }
    if (this.s.isClosed) return;
    const stream = this.s.ctx.registry.getOrCreate(t.app, t.name);
    const player = new RtmpPlayer(this.s, streamId, (reason) => this.onPlayerEnd(streamId, reason));
    this.entries.set(streamId, { kind: 'play', stream, player, args: t.query });
    this.s.send(userControlMsg(UC.STREAM_BEGIN, streamId));
    this.status(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${t.path}.`);
    this.status(streamId, 'status', 'NetStream.Play.Start', `Started playing ${t.path}.`);
    this.s.send(dataMsg(streamId, ['|RtmpSampleAccess', false, false]));
    stream.addSubscriber(player);
    this.s.log.info({ path: t.path, waiting: !stream.ready }, 'play start');
    this.s.ctx.hooks.post('postPlay', this.s, t.path, t.query);
  }

  /** The stream this player watched ended (publisher left or kicked). */
  private onPlayerEnd(streamId: number, reason: string): void {
    const e = this.entries.get(streamId);
    if (!e || e.kind !== 'play') return;
    this.entries.delete(streamId);
    this.status(streamId, 'status', 'NetStream.Play.UnpublishNotify', `${e.stream.path} is now unpublished (${reason}).`);
    this.s.send(userControlMsg(UC.STREAM_EOF, streamId));
    this.status(streamId, 'status', 'NetStream.Play.Stop', `Stopped playing ${e.stream.path}.`);
    this.s.ctx.hooks.post('donePlay', this.s, e.stream.path, e.args);
  }

  pause(_streamId: number, _paused: boolean): void {
    // live streams do not pause; the player keeps receiving (clients that pause drop on their side)
  }

  unpublishByName(name: string): void {
    const base = splitQuery(name).base;
    for (const [id, e] of this.entries) if (e.kind === 'publish' && e.name === base) this.remove(id, 'FCUnpublish');
  }

  remove(streamId: number, reason: string): void {
    const e = this.entries.get(streamId);
    if (!e) return;
    this.entries.delete(streamId);
    if (e.kind === 'publish') {
      this.published.delete(streamId);
      e.handle.end(reason);
      if (!this.s.isClosed) this.status(streamId, 'status', 'NetStream.Unpublish.Success', `${e.stream.path} is now unpublished.`);
      return;
    }
    e.stream.removeSubscriber(e.player);
    e.player.end(reason);
    this.s.ctx.hooks.post('donePlay', this.s, e.stream.path, e.args);
    this.s.ctx.registry.release(e.stream);
  }

  closeAll(reason: string): void {
    for (const id of [...this.entries.keys()]) this.remove(id, reason);
  }
}

/**
 * The one publish path. Every ingest — an RTMP publisher, a pulled relay, a ladder rendition, an ffmpeg source —
 * calls `publish(ctx, app, name, source)`: it asks the one authority (about `/<app>/<name>`, the name used), takes
 * the path to publish at from it (with auth.keys on, a stream key's public name), runs the prePublish hooks, attaches the
 * publisher, and announces it (`published` + postPublish). The handle it returns parses codec configs on the
 * way in, keeps the stream's stats, and on `end()` detaches and announces `unpublished` + donePublish.
 * Nothing else emits `published` / `unpublished`.
 */
import type { Logger } from 'pino';
import type { AuthRequest } from '../auth/authority';
import type { Decision } from '../auth/decisions';
import type { AmfValue } from '../format/amf/amf';
import type { ServerContext } from '../context';
import { OnAirError, type OnAirErrorCode } from '../errors';
import { ingestAudio, ingestData, ingestVideo } from './ingest';
import type { Session } from './sessions';
import type { Stream } from './stream';
import { streamPath } from './stream-path';

export type Denied = Exclude<Decision, { ok: true }>;

/**
 * Why a publish was refused: AUTH by the authority (`denial` says how), CONFLICT (someone publishes there, here or
 * on another cluster node), REJECTED by a prePublish hook, IO (the source left while the hooks ran), BUSY (the
 * cluster directory is unreachable: a node fails closed).
 */
export class PublishRefused extends OnAirError {
  constructor(code: OnAirErrorCode, message: string, readonly denial: Denied | null = null) {
    super(code, message);
  }
}

/** Who publishes, as the authority, the hooks, the stats and a kick see it. */
export interface PublishSource {
  /** hooks get its id and may reject it; a kick closes it */
  session: Session;
  /** 'rtmp', 'relay', 'ladder'… as the stats API shows it */
  protocol: string;
  /** how the publisher reached us, for the authority */
  via: AuthRequest['via'];
  /** the query of the publish name (sign, key…), passed to the authority and the hooks */
  query: Record<string, string>;
  /** bytes received from the publisher so far */
  bytes(): number;
  log: Logger;
  /** the session is gone (checked after the hooks) */
  closed(): boolean;
  /** runs once attached, before `published`: e.g. RTMP answers NetStream.Publish.Start here */
  accepted?(stream: Stream): void;
}

export interface PublishHandle {
  readonly stream: Stream;
  readonly path: string;
  readonly ended: boolean;
  /** an FLV video tag body (AVC/HEVC/enhanced RTMP); a sequence header updates the stream's config */
  video(timestamp: number, body: Buffer): void;
  audio(timestamp: number, body: Buffer): void;
  /** decoded AMF values of a data message and its raw AMF0 body (onMetaData is stored, others pass through) */
  data(timestamp: number, values: AmfValue[], raw: Buffer): void;
  /** end of one read burst: subscribers write what they coalesced */
  flush(): void;
  /** the publisher left: detach, announce `unpublished`, run donePublish */
  end(reason: string): void;
}

function busy(): PublishRefused {
  return new PublishRefused('CONFLICT', 'Stream already publishing');
}

/** The slate (core/slate) holds a stream while its publisher is away: a real publisher takes over from it. */
function standsIn(stream: Stream | undefined, source: PublishSource): boolean {
  return stream?.publisher?.protocol === 'slate' && source.protocol !== 'slate';
}

/**
 * Resolves with the handle once the publisher is live — at `handle.path`, which may differ from `/<app>/<name>`
 * (a stream key goes live at its public name); rejects with PublishRefused (or VALIDATION for a bad name).
 */
export async function publish(ctx: ServerContext, app: string, name: string, source: PublishSource): Promise<PublishHandle> {
  const { registry, hooks } = ctx;
  const asked = streamPath(app, name).path;
  const d = ctx.auth.authorize('publish', asked, { via: source.via, ip: source.session.ip, query: source.query });
  if (!d.ok) throw new PublishRefused('AUTH', d.message, d);
  // auth.keys: a stream key publishes at its public name; from here on only that path is seen (registry, hooks, logs)
  const at = ctx.auth.publishPath(app, name);
  const path = at.path;
  if (registry.get(path)?.publisher && !standsIn(registry.get(path), source)) {
    source.log.warn({ path }, 'publish refused: already publishing');
    throw busy();
  }
  const kind = registry.publishKind(path, source.query.internal);
  if (kind === 'reserved') {
    source.log.warn({ path }, 'publish refused: the name is reserved for an internal output');
    throw new PublishRefused('CONFLICT', 'Stream name reserved');
  }
  const internal = kind === 'internal';
  // the slate (core/slate) is the studio's own stand-in: no hooks, no published/unpublished of its own
  const quiet = internal || source.protocol === 'slate';
  // our own internal outputs skip the user's hooks (a webhook must not refuse or see them)
  const pre = quiet ? { ok: true as const } : await hooks.pre('prePublish', source.session, path, source.query);
  if (!pre.ok) throw new PublishRefused('REJECTED', pre.reason);
  if (source.closed()) throw new PublishRefused('IO', 'publisher left during prePublish');
  // a cluster node (core/cluster) claims the name in its directory first: one owner per stream across nodes
  const undo = ctx.cluster ? await ctx.cluster.claim(path, source.protocol) : null;
  if (undo && source.closed()) {
    undo();
    throw new PublishRefused('IO', 'publisher left during the cluster claim');
  }
  let stream = registry.getOrCreate(app, at.name);
  if (standsIn(stream, source)) {
    stream.publisher?.stop('publisher returned'); // the slate yields (synchronously); the stream may be gone with it
    stream = registry.getOrCreate(app, at.name);
  }
  if (stream.publisher) {
    undo?.();
    throw busy();
  }
  stream.internal = internal;
  const { session } = source;
  stream.attachPublisher({
    id: session.id, ip: session.ip, protocol: source.protocol, connectCreated: session.connectCreated,
    get bytes() {
      return source.bytes();
    },
    stop: (reason) => session.close(reason),
  });
  registry.publishes++;
  source.accepted?.(stream);
  source.log.info({ path }, 'publish start');
  if (!quiet) {
    registry.emit('published', stream);
    hooks.post('postPublish', session, path, source.query);
  }
  let ended = false;
  return {
    stream,
    path,
    get ended() {
      return ended;
    },
    video: (ts, body) => ingestVideo(stream, ts, body),
    audio: (ts, body) => ingestAudio(stream, ts, body),
    data: (ts, values, raw) => ingestData(stream, ts, values, raw),
    flush: () => stream.flush(),
    end(reason) {
      if (ended) return;
      ended = true;
      stream.flush();
      stream.detachPublisher(`publisher ${reason}`);
      source.log.info({ path, reason }, 'publish end');
      if (!quiet) {
        registry.emit('unpublished', stream);
        hooks.post('donePublish', session, path, source.query);
      }
      registry.release(stream);
    },
  };
}

/**
 * One attempt of a relay ingest (static or pull), ended by the source or by stop():
 * - rtmpIngest: our RTMP client plays the edge's stream and feeds the ONE publish path (media/publish.ts) as
 *   /app/name — the publish starts at the first media message, so the stream is live only once bytes flow.
 * - ffmpegIngest: ffmpeg (argv only, its own process group) reads an RTSP camera or a file and publishes it with
 *   `-c copy` to our own RTMP port as /app/name (so it enters through the same path). Supervised: no progress
 *   for `staleMs` and the process is killed; the attempt then ends and the runner retries with backoff.
 */
import type { Logger } from 'pino';
import type { ServerContext } from '../context';
import { MSG, decodeData } from '../format/rtmp/rtmp-messages';
import type { RtmpMessage } from '../format/rtmp/rtmp-chunk';
import type { FfmpegBudget } from '../ffmpeg/budget';
import { runTool } from '../ffmpeg/run';
import { publish, type PublishHandle } from '../media/publish';
import { newSessionId, type Session } from '../media/sessions';
import { RtmpClient } from '../rtmp/client';
import { redactEdge, type RtspTransport, type SourceKind } from './relay-task';

export interface IngestAttempt {
  /** resolves with the reason the attempt ended (never rejects) */
  readonly done: Promise<string>;
  /** media reached the stream */
  live(): boolean;
  stop(reason: string): void;
}

/** messages held while the publish path runs its hooks (then the rest waits for the next keyframe) */
const MAX_PENDING = 2000;

/**
 * `query` goes to the authority and the hooks as a publisher's would (a publish sign when auth.publish is on).
 * `protocol` is the publisher's protocol in stats and for listeners: 'relay', or 'edge' for a cluster edge pull
 * (core/cluster/edge.ts; the directory never claims an 'edge' stream).
 */
export function rtmpIngest(ctx: ServerContext, edgeUrl: string, app: string, name: string, log: Logger, query: Record<string, string> = {}, protocol: 'relay' | 'edge' = 'relay'): IngestAttempt {
  let handle: PublishHandle | null = null;
  let client: RtmpClient | null = null;
  let starting = false;
  let stopped: string | null = null;
  const pending: RtmpMessage[] = [];
  let bytes = 0;
  let finish: (r: string) => void = () => undefined;
  const done = new Promise<string>((r) => (finish = r));
  const session: Session = {
    id: newSessionId(), kind: 'rtmp', ip: '127.0.0.1', connectCreated: new Date(), rejected: false,
    reject: () => end('rejected'),
    close: (reason) => end(reason),
  };

  function end(reason: string): void {
    if (stopped !== null) return;
    stopped = reason;
    client?.close();
    client?.destroy();
    handle?.end(reason);
    ctx.sessions.remove(session);
    finish(reason);
  }

  function feed(m: RtmpMessage): void {
    const h = handle;
    if (!h || h.ended) return;
    if (m.type === MSG.AUDIO) h.audio(m.timestamp, m.payload);
    else if (m.type === MSG.VIDEO) h.video(m.timestamp, m.payload);
    else if (m.type === MSG.DATA_AMF0 || m.type === MSG.DATA_AMF3) {
      const raw = m.type === MSG.DATA_AMF3 ? m.payload.subarray(1) : m.payload;
      h.data(m.timestamp, decodeData(m), raw);
    }
  }

  let flushQueued = false;
  function onMedia(m: RtmpMessage): void {
    bytes += m.payload.length;
    if (handle) {
      feed(m);
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(() => {
          flushQueued = false;
          handle?.flush();
        });
      }
      return;
    }
    if (pending.length < MAX_PENDING) pending.push(m);
    if (starting) return;
    starting = true;
    const source = {
      session, protocol, via: 'rtmp' as const, query, bytes: () => bytes, log,
      closed: () => stopped !== null,
    };
    publish(ctx, app, name, source).then(
      (h) => {
        if (stopped !== null) return h.end(stopped);
        handle = h;
        for (const p of pending.splice(0)) feed(p);
        h.flush();
      },
      (e: unknown) => end(`publish refused: ${(e as Error).message}`),
    );
  }

  (async () => {
    ctx.sessions.add(session);
    const slash = edgeUrl.lastIndexOf('/');
    const c = await RtmpClient.connect(edgeUrl.slice(0, slash));
    if (stopped !== null) return c.destroy();
    client = c;
    c.on('media', onMedia);
    c.on('close', (reason) => end(`edge closed: ${reason}`));
    c.on('status', (s) => {
      if (/UnpublishNotify|Play\.Stop|StreamNotFound|Failed/.test(s.code)) end(`edge: ${s.code}`);
    });
    await c.play(edgeUrl.slice(slash + 1));
    log.info({ edge: redactEdge(edgeUrl), path: `/${app}/${name}` }, 'relay pulling');
  })().catch((e: unknown) => end(`edge: ${(e as Error).message}`));

  return { done, live: () => handle !== null && !handle.ended, stop: end };
}

export interface FfmpegIngestOptions {
  ffmpeg: string;
  kind: Exclude<SourceKind, 'rtmp'>;
  edge: string;
  rtspTransport: RtspTransport | null;
  /** rtmp://127.0.0.1:<our port>/app/name */
  target: string;
  /** no progress from ffmpeg for this long: kill it (ms) */
  staleMs: number;
  isLive: () => boolean;
  /** the studio's ffmpeg budget: the process is tracked (no orphan after a crash), not queued */
  budget?: FfmpegBudget;
}

/** The argv (never a shell): the edge is data after -i; -re for files so they play at their own pace. */
export function ffmpegRelayArgs(o: Pick<FfmpegIngestOptions, 'kind' | 'edge' | 'rtspTransport' | 'target'>): string[] {
  const input = o.kind === 'rtsp' ? ['-rtsp_transport', o.rtspTransport ?? 'tcp'] : ['-re'];
  // a file path is passed as file: so a name like "-x" can never read as an option
  const src = o.kind === 'file' ? `file:${o.edge}` : o.edge;
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input, '-i', src, '-c', 'copy', '-f', 'flv', o.target];
}

export function ffmpegIngest(o: FfmpegIngestOptions, log: Logger): IngestAttempt {
  let last = Date.now();
  let stopped: string | null = null;
  const proc = runTool(o.ffmpeg, ffmpegRelayArgs(o), {
    progress: true, onProgress: () => (last = Date.now()), kind: 'relay', stderrBytes: 2048, budget: o.budget, slot: false,
  });
  const watchdog = setInterval(() => {
    if (Date.now() - last > o.staleMs) {
      log.warn({ edge: redactEdge(o.edge), stale_ms: o.staleMs }, 'relay ffmpeg made no progress: killing it');
      stop(`no progress for ${Math.round(o.staleMs / 1000)} s`);
    }
  }, Math.min(1000, o.staleMs));
  function stop(reason: string): void {
    if (stopped !== null) return;
    stopped = reason;
    void proc.cancel();
  }
  const done = proc.done.then(
    (r) => {
      clearInterval(watchdog);
      if (stopped !== null) return stopped;
      const tail = r.stderr.trim().split('\n').slice(-2).join(' ').replace(/rtsps?:\/\/[^@\s/]*@/g, 'rtsp://');
      return r.code === 0 ? 'source ended' : `ffmpeg exited ${r.code ?? r.signal}: ${tail.slice(0, 300)}`;
    },
    (e: unknown) => {
      clearInterval(watchdog);
      return `ffmpeg failed: ${(e as Error).message}`;
    },
  );
  return { done, live: o.isLive, stop };
}
